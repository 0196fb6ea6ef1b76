/**
 * The archive job (issue 5): packs classified objects into large, compressed, encrypted,
 * Object-Locked packs in the archive, streamed as multipart uploads, and commits objects and packs to
 * the catalog in few Delta commits, converging after any crash.
 *
 * <p>The job reads: plan (pure, in core) -> run (Spark) -> commit (the one writer of the catalog) -> a typed result.
 */
package io.lakevault.archive;
