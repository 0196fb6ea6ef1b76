package io.lakevault.spark.catalog;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.Settings;
import io.lakevault.core.lease.RunLease;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.S3Uri;
import java.time.Clock;

/**
 * The run lease of a catalog ({@link RunLease}), for every job that changes the catalog and the archive
 * (archive, hold, expire): one at a time per catalog. On S3 the lease file lives beside the catalog's
 * tables; a {@code file:} catalog's is kept by a local store over the catalog's parent folder, so the
 * same conditional writes guard it.
 */
public final class CatalogLease implements AutoCloseable {
  private final ObjectStore store;
  private final RunLease lease;

  private CatalogLease(ObjectStore store, RunLease lease) {
    this.store = store;
    this.lease = lease;
  }

  /** Takes the lease for {@code runId}, or fails (exit 4) naming the run that holds it. */
  public static CatalogLease acquire(Catalog catalog, String runId, String job, Clock clock) {
    String catalogUri = catalog.config().get(Settings.CATALOG_URI);
    ObjectStore store;
    S3Uri where;
    if (S3Uri.isS3(catalogUri)) {
      store = ObjectStores.open(catalog.config());
      where = RunLease.location(catalogUri);
    } else {
      java.nio.file.Path local = java.nio.file.Path.of(java.net.URI.create(catalog.locations().hadoopPath(catalogUri)));
      store = new LocalObjectStore(local.getParent());
      where = new S3Uri(local.getFileName().toString(), RunLease.FILE);
    }
    try {
      return new CatalogLease(store, RunLease.acquire(store, where, runId, job, clock,
          catalog.config().get(Settings.LEASE_TIMEOUT)));
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Renews the lease and stops the run if another took it over, before {@code step}. */
  public void check(String step) {
    lease.check(step);
  }

  public RunLease lease() {
    return lease;
  }

  @Override
  public void close() {
    try {
      lease.close();
    } finally {
      store.close();
    }
  }
}
