package io.lakevault.access;

import io.lakevault.core.store.Keys;
import io.lakevault.kernel.KernelCatalog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The archive as S3 would have listed it at one time: the {@code objects} table read with Delta Kernel
 * (no SparkSession), each key's version current then chosen as {@code restore --as-of} chooses it (the
 * latest last-modified at or before the time, ties by version id). A version whose pack retention expiry
 * deleted is gone, as a deleted object is; erased versions have no row.
 *
 * <p>Listings are paged without holding the prefix: one page reads the table's files (from the file list
 * {@link KeyLookup} keeps, at most {@link #REFRESH} old: no log replay per page) in the order of their
 * least key (from Delta's statistics), keeps the first entries after the marker in a bounded sorted
 * window, and stops reading once the next file's least key is past the window. Memory per page grows with
 * the page and with the keys under the common prefixes it rolls up, not with the bucket.
 */
public final class ArchiveView {
  /** An archived version or delete marker as the endpoint serves it. */
  public record Item(String bucket, String key, String versionId, Instant lastModified, long size, boolean deleteMarker,
      String eTag, String sha256, String packId, int entryOrdinal, long entryOffset, long entryLength,
      String contentType, Map<String, String> userMetadata, boolean disposed) {

    /** The version id S3 shows: {@code null} (the string) for a version written while versioning was off. */
    public String wireVersionId() {
      return versionId == null ? "null" : versionId;
    }

    /** The ETag, quoted as S3 sends it; the SHA-256's first half where the source's was not recorded. */
    public String quotedETag() {
      String tag = eTag != null ? eTag : sha256 != null ? sha256.substring(0, 32) : "";
      return "\"" + tag + "\"";
    }
  }

  /** A page of ListObjects: live versions and common prefixes, and where the next page starts. */
  public record Page(List<Item> contents, List<String> commonPrefixes, boolean truncated, String next) {}

  /** One row of ListObjectVersions: a version or marker and whether it was the key's latest at the time. */
  public record Listed(Item item, boolean latest) {}

  public record VersionPage(List<Listed> versions, List<String> commonPrefixes, boolean truncated, String nextKey,
      String nextVersionId) {}

  private static final List<String> COLUMNS = List.of("bucket", "key", "version_id", "last_modified_date", "size",
      "is_delete_marker", "e_tag", "sha256", "pack_id", "entry_ordinal", "entry_offset", "entry_length",
      "content_type", "user_metadata", "disposed_at");
  /** Oldest first: last-modified, then version id, nulls first; the current version is the greatest. */
  static final Comparator<Item> AGE = Comparator.comparing(Item::lastModified,
      Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
      .thenComparing(Item::versionId, Comparator.nullsFirst(Comparator.<String>naturalOrder()));

  /** How stale a request's view of the catalog may be: a new archive run shows within this. */
  public static final Duration REFRESH = Duration.ofSeconds(5);
  /** Rows of decoded catalog files kept for GETs and HEADs: a few hundred bytes each. */
  public static final long CACHED_ROWS = 500_000;

  private final Instant asOf;
  private final KeyLookup keys;

  /** @param asOf the view's time; null for now (the catalog as read at most {@link #REFRESH} ago) */
  public ArchiveView(KernelCatalog catalog, Instant asOf) {
    this.asOf = asOf;
    this.keys = new KeyLookup(catalog, COLUMNS, ArchiveView::item, REFRESH, CACHED_ROWS, Clock.systemUTC());
  }

  public Instant asOf() {
    return asOf;
  }

  /** The source buckets the archive holds: the objects table's partitions, no data file read. */
  public List<String> buckets() {
    List<String> out = new ArrayList<>(keys.buckets());
    out.sort(Keys.UTF8_ORDER);
    return out;
  }

  /** From the file list kept for reads (at most {@link #REFRESH} old): no log replay per request. */
  public boolean bucketExists(String bucket) {
    return keys.buckets().contains(bucket);
  }

  /** Every version of a key that existed at the view's time, disposed ones included, oldest first. */
  public List<Item> versions(String bucket, String key) {
    List<Item> out = new ArrayList<>();
    for (Item i : keys.rows(bucket, key)) {
      if (asOf == null || (i.lastModified() != null && !i.lastModified().isAfter(asOf))) out.add(i);
    }
    out.sort(AGE);
    return out;
  }

  /** The key's version current at the view's time (possibly a delete marker or disposed); empty when none was. */
  public Optional<Item> current(String bucket, String key) {
    List<Item> all = versions(bucket, key);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * ListObjects (V1 and V2): keys under {@code prefix} after {@code after} whose current version is live,
   * rolled up at {@code delimiter}, at most {@code maxKeys} entries.
   */
  public Page list(String bucket, String prefix, String delimiter, String after, int maxKeys) {
    // Entries whose current version is a marker take a slot without being listed: read twice the page.
    Window<Map<String, Item>> w = window(bucket, prefix, delimiter, after, false, Math.max(1, maxKeys) * 2L, true,
        TreeMap::new, (slot, item) -> slot.merge(item.key(), item, (a, b) -> AGE.compare(a, b) >= 0 ? a : b));
    List<Item> contents = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    String last = null;
    boolean more = w.more;
    for (Map.Entry<String, Map<String, Item>> e : w.entries.entrySet()) {
      boolean live = false;
      for (Item i : e.getValue().values()) live |= !i.deleteMarker() && !i.disposed();
      if (!live) {
        last = e.getKey();
        continue;
      }
      if (contents.size() + prefixes.size() == maxKeys) {
        more = true;
        break;
      }
      if (isPrefix(e.getKey(), prefix, delimiter)) {
        prefixes.add(e.getKey());
      } else {
        contents.add(e.getValue().values().iterator().next());
      }
      last = e.getKey();
    }
    return new Page(contents, prefixes, more, more ? last : null);
  }

  /**
   * ListObjectVersions: every version and marker that existed at the view's time (disposed ones left out),
   * newest first per key, keys in order, from the version after ({@code keyMarker}, {@code versionIdMarker}).
   */
  public VersionPage listVersions(String bucket, String prefix, String delimiter, String keyMarker,
      String versionIdMarker, int maxKeys) {
    boolean resume = keyMarker != null && versionIdMarker != null && !versionIdMarker.isEmpty();
    Window<List<Item>> w = window(bucket, prefix, delimiter, keyMarker, resume, Math.max(1, maxKeys) + 1L, false,
        ArrayList::new, List::add);
    List<Listed> versions = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    int n = 0;
    for (Map.Entry<String, List<Item>> e : w.entries.entrySet()) {
      String entry = e.getKey();
      if (isPrefix(entry, prefix, delimiter)) {
        if (n == maxKeys) return new VersionPage(versions, prefixes, true, lastKey(versions, prefixes), lastVersion(versions, prefixes));
        prefixes.add(entry);
        n++;
        continue;
      }
      List<Item> all = e.getValue();
      all.sort(AGE.reversed());
      boolean skipping = resume && entry.equals(keyMarker);
      for (int i = 0; i < all.size(); i++) {
        Item it = all.get(i);
        if (skipping) {
          if (it.wireVersionId().equals(versionIdMarker)) skipping = false;
          continue;
        }
        if (it.disposed()) continue;
        if (n == maxKeys) return new VersionPage(versions, prefixes, true, lastKey(versions, prefixes), lastVersion(versions, prefixes));
        versions.add(new Listed(it, i == 0));
        n++;
      }
    }
    boolean more = w.more;
    return new VersionPage(versions, prefixes, more, more ? lastKey(versions, prefixes) : null,
        more ? lastVersion(versions, prefixes) : null);
  }

  private static String lastKey(List<Listed> versions, List<String> prefixes) {
    String v = versions.isEmpty() ? null : versions.get(versions.size() - 1).item().key();
    String p = prefixes.isEmpty() ? null : prefixes.get(prefixes.size() - 1);
    if (v == null) return p;
    if (p == null) return v;
    return Keys.UTF8_ORDER.compare(v, p) >= 0 ? v : p;
  }

  private static String lastVersion(List<Listed> versions, List<String> prefixes) {
    if (versions.isEmpty()) return null;
    Item last = versions.get(versions.size() - 1).item();
    return last.key().equals(lastKey(versions, prefixes)) ? last.wireVersionId() : null;
  }

  /** The first entries (keys, or common prefixes at the delimiter) after the marker, and whether any were left. */
  private static final class Window<S> {
    final TreeMap<String, S> entries = new TreeMap<>(Keys.UTF8_ORDER);
    /** The least entry known to be left out: everything before it is complete. */
    String bound;
    boolean more;
  }

  /**
   * @param rolledUpRows whether a common prefix's slot is given the rows under it (ListObjects needs them to
   *     know whether any key under it is live; ListObjectVersions lists a prefix when any version exists)
   */
  private <S> Window<S> window(String bucket, String prefix, String delimiter, String after, boolean afterInclusive,
      long capacity, boolean rolledUpRows, Supplier<S> slot, BiConsumer<S, Item> add) {
    String p = prefix == null ? "" : prefix;
    String d = delimiter == null || delimiter.isEmpty() ? null : delimiter;
    String lower = p;
    if (after != null && Keys.UTF8_ORDER.compare(after, lower) > 0) {
      // After a common prefix, nothing under it is wanted: start past it.
      String past = d != null && isPrefix(after, p, d) ? Keys.prefixUpperBound(after) : null;
      lower = past != null && !afterInclusive ? past : after;
    }
    String upper = p.isEmpty() ? null : Keys.prefixUpperBound(p);
    Window<S> w = new Window<>();
    KeyLookup.Files files = keys.files(bucket, lower.isEmpty() ? null : lower, upper);
    for (KernelCatalog.ScanFile f : files.files()) {
      if (w.bound != null && f.min() != null && f.min().startsWith(p)
          && Keys.UTF8_ORDER.compare(entryOf(f.min(), p, d), w.bound) >= 0) {
        break; // this file and every later one start past the window (entries grow with keys)
      }
      files.scan().read(f, r -> {
        String key = r.string("key");
        if (!bucket.equals(r.string("bucket")) || !key.startsWith(p) || !visible(r)) return;
        String entry = entryOf(key, p, d);
        if (after != null) {
          int c = Keys.UTF8_ORDER.compare(entry, after);
          if (c < 0 || (c == 0 && !(afterInclusive && entry.equals(key)))) return;
        }
        if (w.bound != null && Keys.UTF8_ORDER.compare(entry, w.bound) >= 0) return;
        S s = w.entries.get(entry);
        if (s == null) {
          s = slot.get();
          w.entries.put(entry, s);
          if (w.entries.size() > capacity) {
            String dropped = w.entries.lastKey();
            w.entries.remove(dropped);
            w.bound = dropped;
            w.more = true;
            if (dropped.equals(entry)) return;
          }
        }
        if (rolledUpRows || entry.equals(key)) add.accept(s, item(r));
      });
    }
    return w;
  }

  /** The listing entry of a key: itself, or its common prefix when the delimiter occurs after the prefix. */
  static String entryOf(String key, String prefix, String delimiter) {
    if (delimiter == null) return key;
    int i = key.indexOf(delimiter, prefix.length());
    return i < 0 ? key : key.substring(0, i + delimiter.length());
  }

  private static boolean isPrefix(String entry, String prefix, String delimiter) {
    return delimiter != null && entry.endsWith(delimiter) && entry.indexOf(delimiter, prefix.length()) == entry.length()
        - delimiter.length();
  }

  /** Rows last modified after the view's time did not exist then. */
  private boolean visible(KernelCatalog.Rows r) {
    if (asOf == null) return true;
    Instant modified = r.instant("last_modified_date");
    return modified != null && !modified.isAfter(asOf);
  }

  private static Item item(KernelCatalog.Rows r) {
    Long size = r.longValue("size");
    Integer ordinal = r.intValue("entry_ordinal");
    Long offset = r.longValue("entry_offset");
    Long length = r.longValue("entry_length");
    return new Item(r.string("bucket"), r.string("key"), r.string("version_id"), r.instant("last_modified_date"),
        size == null ? 0 : size, Boolean.TRUE.equals(r.bool("is_delete_marker")), r.string("e_tag"), r.string("sha256"),
        r.string("pack_id"), ordinal == null ? -1 : ordinal, offset == null ? 0 : offset, length == null ? 0 : length,
        r.string("content_type"), r.stringMap("user_metadata"), r.instant("disposed_at") != null);
  }
}
