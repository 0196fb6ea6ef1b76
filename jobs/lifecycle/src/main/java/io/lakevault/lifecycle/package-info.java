/**
 * The archive's life after the write (docs/lifecycle.md): legal holds ({@code hold place|release|list})
 * and retention expiry ({@code expire}).
 *
 * <p>Each job reads: plan (pure, in core: {@link io.lakevault.core.lifecycle.ExpiryPlanner}) -> run (Spark,
 * S3 calls from the executors) -> commit (MERGEs into the catalog, recorded before and after every
 * destructive call) -> a typed result and a JSON report. Both take the catalog's run lease.
 */
package io.lakevault.lifecycle;
