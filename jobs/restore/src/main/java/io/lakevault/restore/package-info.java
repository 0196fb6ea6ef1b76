/**
 * The restore and export jobs (issue 6): select archived versions from the catalog (as of a time, by
 * prefix, bucket, keys), plan the fewest packs and byte ranges, thaw them idempotently, extract and
 * verify every object, and write it back or export a checksummed, versioned set for auditors.
 *
 * <p>The job reads: plan (pure, in core) -> run (Spark) -> commit (the one writer of the catalog) -> a typed result.
 */
package io.lakevault.restore;
