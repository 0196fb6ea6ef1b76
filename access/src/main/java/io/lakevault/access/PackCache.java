package io.lakevault.access;

import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.core.pack.KeyEncryptionKey;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.S3Uri;
import io.lakevault.core.store.StorageClass;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import io.delta.kernel.expressions.Or;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * The packs the endpoint reads: their catalog rows (where each is, its class, which key file version),
 * looked up once per page or request for every pack not yet known and kept for the most recently used
 * {@link #ROWS} packs; and, on the first read of an entry, the pack's footer and index (two range GETs)
 * and key file, kept open for the most recently used {@code openPacks} packs, so repeated reads of a pack
 * cost one range GET each.
 */
final class PackCache {
  /** A pack as the catalog records it. */
  static final class Pack {
    final String packId;
    final String uri;
    final ObjectRef ref;
    final String keyVersionId;
    final StorageClass storageClass;
    final boolean disposed;

    Pack(String packId, String uri, ObjectRef ref, String keyVersionId, StorageClass storageClass, boolean disposed) {
      this.packId = packId;
      this.uri = uri;
      this.ref = ref;
      this.keyVersionId = keyVersionId;
      this.storageClass = storageClass;
      this.disposed = disposed;
    }
  }

  /** Catalog rows kept: a few hundred bytes each. */
  static final int ROWS = 100_000;
  /** Beyond this many packs a lookup reads the whole packs table once instead of an OR of ids. */
  private static final int MAX_IDS_IN_FILTER = 64;

  private final KernelCatalog catalog;
  private final ObjectStore store;
  private final KeyEncryptionKey.Resolver keys;
  private final Map<String, Pack> rows = lru(ROWS);
  private final Map<String, PackReader> readers;

  PackCache(KernelCatalog catalog, ObjectStore store, KeyEncryptionKey.Resolver keys, int openPacks) {
    this.catalog = catalog;
    this.store = store;
    this.keys = keys;
    this.readers = lru(openPacks);
  }

  private static <V> Map<String, V> lru(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The pack's catalog row; null when the catalog has none. */
  Pack pack(String packId) {
    return packs(Set.of(packId)).get(packId);
  }

  /** The catalog rows of these packs (those the catalog has), read in one scan of the packs table for the unknown ones. */
  Map<String, Pack> packs(Set<String> ids) {
    Map<String, Pack> out = new HashMap<>();
    Set<String> missing = new HashSet<>();
    synchronized (rows) {
      for (String id : ids) {
        Pack p = rows.get(id);
        if (p != null) out.put(id, p); else missing.add(id);
      }
    }
    if (missing.isEmpty()) return out;
    Predicate filter = null;
    if (missing.size() <= MAX_IDS_IN_FILTER) {
      for (String id : missing) {
        Predicate eq = new Predicate("=", new Column("pack_id"), Literal.ofString(id));
        filter = filter == null ? eq : new Or(filter, eq);
      }
    }
    catalog.scan(CatalogTable.PACKS, filter,
        List.of("pack_id", "uri", "version_id", "key_version_id", "storage_class", "disposed_at"), r -> {
          String id = r.string("pack_id");
          if (!missing.contains(id)) return;
          S3Uri u = S3Uri.parse(r.string("uri"));
          out.put(id, new Pack(id, r.string("uri"), new ObjectRef(u.bucket(), u.key(), r.string("version_id")),
              r.string("key_version_id"), StorageClass.fromWire(r.string("storage_class")), r.instant("disposed_at") != null));
        });
    synchronized (rows) {
      for (String id : missing) {
        Pack p = out.get(id);
        if (p != null) rows.put(id, p);
      }
    }
    return out;
  }

  /** The pack opened for reading: footer, index and keys, read once. */
  PackReader reader(Pack p) throws IOException {
    synchronized (readers) {
      PackReader r = readers.get(p.packId);
      if (r != null) return r;
    }
    // Opened outside the lock: two first reads of one pack may both open it, and the later one is kept.
    PackReader r = PackReader.open(RangeSource.of(store, p.ref), p.uri);
    r.loadKeys(store, p.ref, p.keyVersionId, keys);
    synchronized (readers) {
      readers.put(p.packId, r);
    }
    return r;
  }
}
