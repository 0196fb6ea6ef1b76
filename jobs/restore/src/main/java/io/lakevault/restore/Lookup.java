package io.lakevault.restore;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.restore.Selector;
import io.lakevault.spark.Selection;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code find} and {@code versions}: what the archive holds, read from the {@code objects} table with
 * the filters pushed down (one bucket partition, file statistics on the key), so a lookup of one key
 * skips almost every file however large the table.
 */
public final class Lookup {
  /** What the archive holds of one object version. */
  public enum Status { CURRENT, NONCURRENT, DELETE_MARKER }

  /**
   * One archived version or delete marker.
   *
   * @param disposedAt when retention expiry deleted the pack holding its bytes ({@code null}: still archived)
   * @param disposal under which rule (class, retain-until, pack deleted)
   */
  public record Version(String bucket, String key, String versionId, Instant lastModified, long size,
      Status status, String retentionClass, Instant retainUntil, String sha256, String packId, String contentType,
      Map<String, String> userMetadata, Instant archivedAt, boolean deduplicated, Instant disposedAt, String disposal) {

    public boolean disposed() {
      return disposedAt != null;
    }
  }

  /** A page of {@code find}: the first {@code limit} keys, and the totals over all of them. */
  public record Listing(List<Version> versions, long objects, long bytes, boolean truncated) {}

  private final Catalog catalog;

  public Lookup(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Every archived version and delete marker of one key, newest first. */
  public List<Version> versions(String bucket, String key) {
    Dataset<Row> o = objects().where(col("bucket").equalTo(bucket).and(col("key").equalTo(key)));
    // Sorted here, not by Spark: a global sort would first sample the input in a job of its own.
    List<Row> rows = new ArrayList<>(o.collectAsList());
    rows.sort(java.util.Comparator.<Row, Timestamp>comparing(r -> r.getAs("last_modified_date"),
            java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
        .thenComparing(r -> r.<String>getAs("version_id"), java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
        .reversed());
    List<Version> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      boolean marker = r.<Boolean>getAs("is_delete_marker");
      out.add(version(r, marker ? Status.DELETE_MARKER : i == 0 ? Status.CURRENT : Status.NONCURRENT));
    }
    return out;
  }

  /** The versions current at {@code asOf} (or now) under a prefix, in key order: the first {@code limit}, and totals. */
  public Listing find(String bucket, String prefix, Instant asOf, int limit) {
    Selector s = new Selector(List.of(bucket), prefix.isEmpty() ? List.of() : List.of(prefix), null, List.of(), List.of(),
        List.of(), null, null, null, null, asOf, List.of(), false);
    Dataset<Row> current = new Selection(catalog).apply(s).cache();
    try {
      Row totals = current.agg(count(lit(1)), coalesce(sum("size"), lit(0L))).first();
      List<Version> out = new ArrayList<>();
      for (Row r : current.orderBy("key").limit(limit).collectAsList()) out.add(version(r, Status.CURRENT));
      return new Listing(out, totals.getLong(0), totals.getLong(1), totals.getLong(0) > limit);
    } finally {
      current.unpersist();
    }
  }

  private Dataset<Row> objects() {
    if (!catalog.exists(CatalogTable.OBJECTS)) {
      throw LakevaultException.usage("nothing is archived yet: the catalog has no objects table (run `lakevault archive`)");
    }
    return catalog.read(CatalogTable.OBJECTS);
  }

  private static Version version(Row r, Status status) {
    return new Version(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), instant(r.getAs("last_modified_date")),
        r.<Long>getAs("size"), status, r.getAs("retention_class"), instant(r.getAs("retain_until")), r.getAs("sha256"),
        r.getAs("pack_id"), r.getAs("content_type"),
        r.isNullAt(r.fieldIndex("user_metadata")) ? Map.of() : r.getJavaMap(r.fieldIndex("user_metadata")),
        instant(r.getAs("archived_at")), r.getAs("dedup_ref") != null, instant(r.getAs("disposed_at")), r.getAs("disposal"));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
