package io.lakevault.restore;

import io.delta.kernel.expressions.And;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.policy.KeyGlob;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code find} and {@code versions}: what the archive holds, read from the {@code objects} table with
 * Delta Kernel, no SparkSession: one bucket partition, and only the files whose key statistics can hold
 * the key or prefix, so a lookup skips almost every file however large the table.
 *
 * <p>The as-of choice is {@link io.lakevault.spark.Selection#current}'s, computed here row by row: per key,
 * the version or delete marker with the latest last-modified at or before the time, ties broken by
 * version id. {@code find} keeps one row per key under the prefix in memory while it reads.
 */
public final class Lookup {
  /** What the archive holds of one object version. */
  public enum Status { CURRENT, NONCURRENT, DELETE_MARKER }

  /**
   * One archived version or delete marker.
   *
   * @param entryOffset where its entry starts in the pack, {@code entryLength} its stored bytes (0 for a marker)
   * @param disposedAt when retention expiry deleted the pack holding its bytes ({@code null}: still archived)
   * @param disposal under which rule (class, retain-until, pack deleted)
   */
  public record Version(String bucket, String key, String versionId, Instant lastModified, long size,
      Status status, String retentionClass, String ruleId, Instant retainUntil, String sha256, String packId,
      long entryOffset, long entryLength, String contentType, Map<String, String> userMetadata, Instant archivedAt,
      boolean deduplicated, Instant disposedAt, String disposal) {

    public boolean disposed() {
      return disposedAt != null;
    }
  }

  /** A page of {@code find}: {@code limit} keys from {@code offset}, and the totals over all of them. */
  public record Listing(List<Version> versions, long objects, long bytes, boolean truncated) {}

  /**
   * What {@code find} selects, as the restore selector's filters do: rows of one bucket under a prefix,
   * kept by glob, class and rule first, then per key the one current at {@code asOf} (or now). Null
   * filters keep everything.
   */
  public record Query(String bucket, String prefix, KeyGlob glob, Instant asOf, String retentionClass, String ruleId) {
    public Query {
      if (prefix == null) prefix = "";
      // A glob's literal start bounds the scan like a prefix: the longer of the two.
      if (glob != null && glob.literalPrefix().startsWith(prefix)) prefix = glob.literalPrefix();
    }

    boolean keeps(String key, String cls, String rule) {
      return key.startsWith(prefix) && (glob == null || glob.matches(key))
          && (retentionClass == null || retentionClass.equals(cls)) && (ruleId == null || ruleId.equals(rule));
    }
  }

  private static final List<String> COLUMNS = List.of("bucket", "key", "version_id", "last_modified_date", "size",
      "is_delete_marker", "retention_class", "rule_id", "retain_until", "sha256", "pack_id", "entry_offset",
      "entry_length", "content_type", "user_metadata", "archived_at", "dedup_ref", "disposed_at", "disposal");
  /** Oldest first: last-modified, then version id, nulls first; the current version is the greatest. */
  private static final Comparator<Version> AGE = Comparator.comparing(Version::lastModified,
      Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
      .thenComparing(Version::versionId, Comparator.nullsFirst(Comparator.<String>naturalOrder()));
  /** Keys in S3's order (UTF-8 bytes, which is code point order), as Spark and ListObjects sort them. */
  static final Comparator<String> KEY_ORDER = io.lakevault.core.store.Keys.UTF8_ORDER;

  private final KernelCatalog catalog;

  public Lookup(KernelCatalog catalog) {
    this.catalog = catalog;
  }

  public Lookup(LakevaultConfig config) {
    this(new KernelCatalog(config));
  }

  /** Every archived version and delete marker of one key, newest first. */
  public List<Version> versions(String bucket, String key) {
    Predicate p = new And(eq("bucket", bucket), eq("key", key));
    List<Version> rows = new ArrayList<>();
    requireObjects(catalog.scan(CatalogTable.OBJECTS, p, COLUMNS, r -> {
      if (bucket.equals(r.string("bucket")) && key.equals(r.string("key"))) rows.add(version(r, Status.NONCURRENT));
    }));
    rows.sort(AGE.reversed());
    List<Version> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Version v = rows.get(i);
      boolean marker = v.status() == Status.DELETE_MARKER;
      out.add(marker || i > 0 ? v : withStatus(v, Status.CURRENT));
    }
    return out;
  }

  /** The versions current at {@code asOf} (or now) under a prefix, in key order: the first {@code limit}, and totals. */
  public Listing find(String bucket, String prefix, Instant asOf, int limit) {
    return find(new Query(bucket, prefix, null, asOf, null, null), 0, limit);
  }

  /** A page of {@link #current}: {@code limit} versions from {@code offset}, and the totals over all of them. */
  public Listing find(Query q, long offset, int limit) {
    List<Version> live = current(q);
    long bytes = 0;
    for (Version v : live) bytes += v.size();
    int from = (int) Math.min(offset, live.size());
    int to = (int) Math.min((long) from + limit, live.size());
    return new Listing(List.copyOf(live.subList(from, to)), live.size(), bytes, to < live.size());
  }

  /**
   * Every version the query chooses, in key order, delete markers left out: what a restore of the same
   * selection restores. Keeps one row per key under the prefix in memory while it reads.
   */
  public List<Version> current(Query q) {
    Predicate p = eq("bucket", q.bucket());
    if (!q.prefix().isEmpty()) {
      p = new And(p, new Predicate(">=", new Column("key"), Literal.ofString(q.prefix())));
      String upper = upperBound(q.prefix());
      if (upper != null) p = new And(p, new Predicate("<", new Column("key"), Literal.ofString(upper)));
    }
    Map<String, Version> current = new HashMap<>();
    requireObjects(catalog.scan(CatalogTable.OBJECTS, p, COLUMNS, r -> {
      String key = r.string("key");
      if (!q.bucket().equals(r.string("bucket")) || !q.keeps(key, r.string("retention_class"), r.string("rule_id"))) return;
      Instant modified = r.instant("last_modified_date");
      if (q.asOf() != null && (modified == null || modified.isAfter(q.asOf()))) return;
      Version v = version(r, Status.CURRENT);
      current.merge(key, v, (a, b) -> AGE.compare(a, b) >= 0 ? a : b);
    }));
    List<Version> live = new ArrayList<>();
    for (Version v : current.values()) {
      if (v.status() != Status.DELETE_MARKER) live.add(v);
    }
    live.sort(Comparator.comparing(Version::key, KEY_ORDER));
    return live;
  }

  /** The least string greater than every string that starts with {@code prefix} (null when there is none). */
  public static String upperBound(String prefix) {
    return io.lakevault.core.store.Keys.prefixUpperBound(prefix);
  }

  private static Predicate eq(String column, String value) {
    return new Predicate("=", new Column(column), Literal.ofString(value));
  }

  private static void requireObjects(boolean read) {
    if (!read) {
      throw LakevaultException.usage("nothing is archived yet: the catalog has no objects table (run `lakevault archive`)");
    }
  }

  private static Version version(KernelCatalog.Rows r, Status status) {
    boolean marker = Boolean.TRUE.equals(r.bool("is_delete_marker"));
    Long size = r.longValue("size");
    Long offset = r.longValue("entry_offset");
    Long length = r.longValue("entry_length");
    return new Version(r.string("bucket"), r.string("key"), r.string("version_id"), r.instant("last_modified_date"),
        size == null ? 0 : size, marker ? Status.DELETE_MARKER : status, r.string("retention_class"), r.string("rule_id"),
        r.instant("retain_until"), r.string("sha256"), r.string("pack_id"), offset == null ? 0 : offset,
        length == null ? 0 : length, r.string("content_type"), r.stringMap("user_metadata"), r.instant("archived_at"),
        r.string("dedup_ref") != null, r.instant("disposed_at"), r.string("disposal"));
  }

  private static Version withStatus(Version v, Status s) {
    return new Version(v.bucket(), v.key(), v.versionId(), v.lastModified(), v.size(), s, v.retentionClass(), v.ruleId(),
        v.retainUntil(), v.sha256(), v.packId(), v.entryOffset(), v.entryLength(), v.contentType(), v.userMetadata(),
        v.archivedAt(), v.deduplicated(), v.disposedAt(), v.disposal());
  }
}
