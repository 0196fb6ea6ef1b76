package io.lakevault.access;

import io.delta.kernel.expressions.And;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.lakevault.core.store.Keys;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every row of one key, fast enough for a GET, and the files a listing page reads: the {@code objects} table's file list (paths, bucket,
 * key bounds and row counts from the statistics) is read once and refreshed when older than
 * {@code refresh}, so a lookup costs no log replay; the files whose key range holds the key are then read
 * from a cache of decoded files (sorted by key; files are immutable, keyed by path and size) or decoded
 * and cached, within a budget of rows. A file too large for the budget is read with the key as a
 * predicate instead (Kernel skips its row groups and pages by key), uncached.
 */
final class KeyLookup {
  private final KernelCatalog catalog;
  private final List<String> columns;
  private final Function<KernelCatalog.Rows, ArchiveView.Item> item;
  private final Duration refresh;
  private final long budget;
  private final Clock clock;

  private Snapshot files;
  private final Map<String, ArchiveView.Item[]> decoded = new LinkedHashMap<>(16, 0.75f, true);
  private long decodedRows;

  /** The table's files by bucket, in order of their least key (files without statistics first), as of one read of the log. */
  private record Snapshot(Instant readAt, KernelCatalog.FileScan scan, Map<String, List<KernelCatalog.ScanFile>> byBucket) {}

  KeyLookup(KernelCatalog catalog, List<String> columns, Function<KernelCatalog.Rows, ArchiveView.Item> item,
      Duration refresh, long budgetRows, Clock clock) {
    this.catalog = catalog;
    this.columns = columns;
    this.item = item;
    this.refresh = refresh;
    this.budget = budgetRows;
    this.clock = clock;
  }

  private synchronized Snapshot snapshot() {
    Instant now = clock.instant();
    if (files == null || !now.isBefore(files.readAt().plus(refresh))) {
      Optional<KernelCatalog.FileScan> scan = catalog.files(CatalogTable.OBJECTS, null, columns, "key");
      Map<String, List<KernelCatalog.ScanFile>> byBucket = new LinkedHashMap<>();
      if (scan.isPresent()) {
        for (KernelCatalog.ScanFile f : scan.get().files()) {
          byBucket.computeIfAbsent(f.partitionValues().get("bucket"), b -> new ArrayList<>()).add(f);
        }
      }
      // In order of their least key once per refresh, not once per listing page.
      for (List<KernelCatalog.ScanFile> fs : byBucket.values()) {
        fs.sort(Comparator.comparing(KernelCatalog.ScanFile::min, Comparator.nullsFirst(Keys.UTF8_ORDER)));
      }
      files = new Snapshot(now, scan.orElse(null), byBucket);
    }
    return files;
  }

  /** The buckets with files in the table as last read (at most {@code refresh} ago). */
  java.util.Set<String> buckets() {
    return snapshot().byBucket().keySet();
  }

  /** Files of the table as last read, and the scan that reads them. */
  record Files(KernelCatalog.FileScan scan, List<KernelCatalog.ScanFile> files) {}

  /**
   * The bucket's files whose key range meets [{@code lower}, {@code upper}) (null: unbounded; files without
   * statistics always), in order of their least key, from the file list as last read: a listing page costs
   * no log replay.
   */
  Files files(String bucket, String lower, String upper) {
    Snapshot s = snapshot();
    List<KernelCatalog.ScanFile> out = new ArrayList<>();
    for (KernelCatalog.ScanFile f : s.byBucket().getOrDefault(bucket, List.of())) {
      if (lower != null && f.max() != null && Keys.UTF8_ORDER.compare(f.max(), lower) < 0) continue;
      if (upper != null && f.min() != null && Keys.UTF8_ORDER.compare(f.min(), upper) >= 0) break; // later ones too
      out.add(f);
    }
    return new Files(s.scan(), out);
  }

  /** Every row of the key in the table as last read (at most {@code refresh} ago), in no particular order. */
  List<ArchiveView.Item> rows(String bucket, String key) {
    Snapshot s = snapshot();
    List<ArchiveView.Item> out = new ArrayList<>();
    for (KernelCatalog.ScanFile f : s.byBucket().getOrDefault(bucket, List.of())) {
      if (f.min() != null && Keys.UTF8_ORDER.compare(key, f.min()) < 0) break; // files are in order of their least key
      if (f.max() != null && Keys.UTF8_ORDER.compare(key, f.max()) > 0) continue;
      if (f.rows() < 0 || f.rows() > budget / 4) {
        readFiltered(f, bucket, key, out);
        continue;
      }
      ArchiveView.Item[] rows = decode(s.scan(), f);
      int i = lowerBound(rows, key);
      for (; i < rows.length && rows[i].key().equals(key); i++) out.add(rows[i]);
    }
    return out;
  }

  private void readFiltered(KernelCatalog.ScanFile f, String bucket, String key, List<ArchiveView.Item> out) {
    Predicate p = new And(new Predicate("=", new Column("bucket"), Literal.ofString(bucket)),
        new Predicate("=", new Column("key"), Literal.ofString(key)));
    // A scan filtered by the key: Kernel hands the predicate to the Parquet reader, which skips row groups and pages.
    catalog.files(CatalogTable.OBJECTS, p, columns, null).ifPresent(scan -> {
      for (KernelCatalog.ScanFile g : scan.files()) {
        if (!g.path().equals(f.path())) continue;
        scan.read(g, r -> {
          if (bucket.equals(r.string("bucket")) && key.equals(r.string("key"))) out.add(item.apply(r));
        });
      }
    });
  }

  private ArchiveView.Item[] decode(KernelCatalog.FileScan scan, KernelCatalog.ScanFile f) {
    String id = f.path() + "#" + f.size();
    synchronized (decoded) {
      ArchiveView.Item[] hit = decoded.get(id);
      if (hit != null) return hit;
    }
    List<ArchiveView.Item> rows = new ArrayList<>((int) Math.max(16, f.rows()));
    scan.read(f, r -> rows.add(item.apply(r)));
    ArchiveView.Item[] sorted = rows.toArray(new ArchiveView.Item[0]);
    java.util.Arrays.sort(sorted, Comparator.comparing(ArchiveView.Item::key, Keys.UTF8_ORDER));
    synchronized (decoded) {
      if (decoded.put(id, sorted) == null) decodedRows += sorted.length;
      var it = decoded.entrySet().iterator();
      while (decodedRows > budget && it.hasNext()) {
        decodedRows -= it.next().getValue().length;
        it.remove();
      }
    }
    return sorted;
  }

  private static int lowerBound(ArchiveView.Item[] rows, String key) {
    int lo = 0;
    int hi = rows.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Keys.UTF8_ORDER.compare(rows[mid].key(), key) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
}
