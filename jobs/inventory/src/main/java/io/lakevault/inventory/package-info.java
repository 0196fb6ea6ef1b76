/**
 * The inventory job (issue 3): reads S3 Inventory reports (CSV, ORC, Parquet; current and all
 * versions), verifies manifest.checksum and every data file's size and MD5 on the executors,
 * normalizes rows into the catalog's inventory table, and computes change sets between reports.
 *
 * <p>The job reads: plan (pure, in core) -> run (Spark) -> commit (the one writer of the catalog) -> a typed result.
 */
package io.lakevault.inventory;
