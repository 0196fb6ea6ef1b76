/**
 * The classify job (issue 4): compiles a declarative retention policy to native Spark expressions,
 * joins it with the inventory, and writes one retention decision per object version to the classified
 * table, with a per-class cost report.
 *
 * <p>The job reads: plan (pure, in core) -> run (Spark) -> commit (the one writer of the catalog) -> a typed result.
 */
package io.lakevault.classify;
