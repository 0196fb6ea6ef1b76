package io.lakevault.ui;

import io.delta.kernel.expressions.And;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Or;
import io.delta.kernel.expressions.Predicate;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.cost.RestoreCost;
import io.lakevault.core.restore.RangePlanner;
import io.lakevault.core.store.StorageClass;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.lifecycle.HeldCases;
import io.lakevault.lifecycle.HoldJob;
import io.lakevault.restore.Lookup;
import io.lakevault.spark.catalog.CatalogTable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The auditor's desk: the queries behind {@code lakevault ui} and its JSON API, each read from the
 * catalog with Delta Kernel (no SparkSession) and answered as a typed result. Read-only: nothing here
 * writes to the catalog or the archive.
 */
public final class Desk {
  /** A version's state as the desk shows it. */
  public enum State { ARCHIVED, HELD, DISPOSED }

  /** One row of a search: the version and its state, with the cases holding its pack. */
  public record Found(Lookup.Version version, State state, List<String> heldBy) {}

  /** A page of a search, with totals over every version the query chooses. */
  public record SearchPage(Lookup.Query query, long objects, long bytes, long page, int pageSize, long pages,
      List<Found> versions) {}

  /** Versions created (last-modified), deleted (delete markers) and archived per UTC day of one year. */
  public record Day(LocalDate day, long created, long deleted, long archived) {}

  public record Calendar(String bucket, String prefix, boolean exactKey, int year, List<Day> days, long created,
      long deleted, long archived) {}

  /** A pack as the history shows it: where it is and how it is locked. */
  public record Pack(String packId, String uri, String storageClass, String lockMode, Instant lockedUntil) {}

  public record History(String bucket, String key, List<Found> versions, Map<String, Pack> packs) {}

  /** What restoring or exporting a selection would take, without thawing anything. */
  public record Estimate(Lookup.Query query, String restoreCommand, String exportCommand, long objects, long bytes,
      long packs, long packsToThaw, long bytesToThaw, long getRequests, int days, List<Tier> tiers) {}

  /** One thaw tier's estimate (the restore planner's {@link RestoreCost.Estimate}), with its total. */
  public record Tier(String tier, boolean available, double retrieval, double copies, double reads, double total,
      double hours) {
    static Tier of(RestoreCost.Estimate e) {
      return new Tier(e.tier().name(), e.available(), e.retrieval(), e.copies(), e.reads(), e.total(), e.hours());
    }
  }

  public record Run(String runId, String job, List<String> arguments, String user, String host, Instant startedAt,
      Instant endedAt, String status, String error, Map<String, Long> counts) {}

  /** Failed runs first (newest first), then a page of every run, newest first. */
  public record Runs(List<Run> failures, List<Run> runs, long total, long page, int pageSize) {}

  private final KernelCatalog catalog;
  private final Lookup lookup;
  private final HeldCases holds;
  private final PriceTable prices;

  public Desk(KernelCatalog catalog, PriceTable prices) {
    this.catalog = catalog;
    this.lookup = new Lookup(catalog);
    this.holds = new HeldCases(catalog);
    this.prices = prices;
  }

  /** The source buckets the archive holds, from the objects table's partitions (no data file is read). */
  public List<String> buckets() {
    return catalog.partitions(CatalogTable.OBJECTS, "bucket");
  }

  public SearchPage search(Lookup.Query q, long page, int pageSize) {
    Lookup.Listing l = lookup.find(q, page * pageSize, pageSize);
    long pages = (l.objects() + pageSize - 1) / pageSize;
    return new SearchPage(q, l.objects(), l.bytes(), page, pageSize, pages, withState(l.versions()));
  }

  public Calendar calendar(String bucket, String prefix, boolean exactKey, int year) {
    Map<LocalDate, long[]> days = new TreeMap<>();
    long[] totals = new long[3];
    Predicate p = eq("bucket", bucket);
    if (exactKey) {
      p = new And(p, eq("key", prefix));
    } else if (!prefix.isEmpty()) {
      p = new And(p, new Predicate(">=", new Column("key"), Literal.ofString(prefix)));
      String upper = Lookup.upperBound(prefix);
      if (upper != null) p = new And(p, new Predicate("<", new Column("key"), Literal.ofString(upper)));
    }
    boolean read = catalog.scan(CatalogTable.OBJECTS, p, List.of("bucket", "key", "last_modified_date",
        "is_delete_marker", "archived_at"), r -> {
          String key = r.string("key");
          if (!bucket.equals(r.string("bucket")) || (exactKey ? !key.equals(prefix) : !key.startsWith(prefix))) return;
          Instant modified = r.instant("last_modified_date");
          if (modified != null && year(modified) == year) {
            int i = Boolean.TRUE.equals(r.bool("is_delete_marker")) ? 1 : 0;
            days.computeIfAbsent(day(modified), d -> new long[3])[i]++;
            totals[i]++;
          }
          Instant archived = r.instant("archived_at");
          if (archived != null && year(archived) == year) {
            days.computeIfAbsent(day(archived), d -> new long[3])[2]++;
            totals[2]++;
          }
        });
    if (!read) throw nothingArchived();
    List<Day> out = new ArrayList<>();
    days.forEach((d, c) -> out.add(new Day(d, c[0], c[1], c[2])));
    return new Calendar(bucket, prefix, exactKey, year, out, totals[0], totals[1], totals[2]);
  }

  public History history(String bucket, String key) {
    List<Lookup.Version> versions = lookup.versions(bucket, key);
    Set<String> ids = new TreeSet<>();
    for (Lookup.Version v : versions) if (v.packId() != null) ids.add(v.packId());
    Map<String, Pack> packs = new TreeMap<>();
    if (!ids.isEmpty()) {
      catalog.scan(CatalogTable.PACKS, anyOf("pack_id", ids), List.of("pack_id", "uri", "storage_class", "lock_mode",
          "retain_until"), r -> {
            String id = r.string("pack_id");
            if (ids.contains(id)) {
              packs.put(id, new Pack(id, r.string("uri"), r.string("storage_class"), r.string("lock_mode"),
                  r.instant("retain_until")));
            }
          });
    }
    return new History(bucket, key, withState(versions), packs);
  }

  /**
   * The restore planner's estimate for a selection: per pack the GETs its range planner makes (ranges,
   * footer, index and key file), and per tier the cost and typical time of thawing the packs whose
   * storage class needs it. Holds the selection's entries in memory, as {@code find} holds its keys.
   */
  public Estimate estimate(Lookup.Query q, int days) {
    List<Lookup.Version> chosen = lookup.current(q);
    Map<String, List<long[]>> entries = new HashMap<>();
    long bytes = 0;
    for (Lookup.Version v : chosen) {
      bytes += v.size();
      if (v.disposed() || v.packId() == null) continue;
      entries.computeIfAbsent(v.packId(), k -> new ArrayList<>()).add(new long[] {v.entryOffset(), v.entryLength()});
    }
    Map<String, String[]> packs = new HashMap<>();
    if (!entries.isEmpty()) {
      catalog.scan(CatalogTable.PACKS, entries.size() <= 64 ? anyOf("pack_id", entries.keySet()) : null,
          List.of("pack_id", "storage_class", "stored_bytes"), r -> {
            String id = r.string("pack_id");
            if (entries.containsKey(id)) packs.put(id, new String[] {r.string("storage_class"), String.valueOf(r.longValue("stored_bytes"))});
          });
    }
    long gets = 0;
    long thawPacks = 0;
    long thawBytes = 0;
    List<RestoreCost.Thaw> thaws = new ArrayList<>();
    for (Map.Entry<String, List<long[]>> e : entries.entrySet()) {
      List<long[]> es = e.getValue();
      es.sort(Comparator.comparingLong(a -> a[0]));
      long[] offsets = new long[es.size()];
      long[] lengths = new long[es.size()];
      for (int i = 0; i < es.size(); i++) {
        offsets[i] = es.get(i)[0];
        lengths[i] = es.get(i)[1];
      }
      gets += RangePlanner.DEFAULT.plan(offsets, lengths, es.size()).size() + 3; // ranges, footer, index, key file
      String[] p = packs.get(e.getKey());
      if (p == null) continue;
      StorageClass sc = StorageClass.fromWire(p[0]);
      if (sc.needsRestore()) {
        long stored = Long.parseLong(p[1]);
        thaws.add(new RestoreCost.Thaw(sc, 1, stored));
        thawPacks++;
        thawBytes += stored;
      }
    }
    List<Tier> tiers = new RestoreCost(prices).estimate(thaws, gets, days).stream().map(Tier::of).toList();
    return new Estimate(q, command("restore", q, "--to", "/tmp/restored"), command("export", q, "--to", "/tmp/export"),
        chosen.size(), bytes, entries.size(), thawPacks, thawBytes, gets, days, tiers);
  }

  /** The command line that selects exactly what the query chooses: the restore selector's options. */
  static String command(String verb, Lookup.Query q, String... tail) {
    List<String> args = new ArrayList<>(List.of("bin/lakevault", verb, "--bucket", q.bucket()));
    if (q.glob() != null) {
      args.addAll(List.of("--glob", q.glob().glob()));
    } else if (!q.prefix().isEmpty()) {
      args.addAll(List.of("--prefix", q.prefix()));
    }
    if (q.retentionClass() != null) args.addAll(List.of("--class", q.retentionClass()));
    if (q.ruleId() != null) args.addAll(List.of("--rule", q.ruleId()));
    if (q.asOf() != null) args.addAll(List.of("--as-of", io.lakevault.core.Times.iso(q.asOf())));
    args.addAll(Arrays.asList(tail));
    StringBuilder b = new StringBuilder();
    for (String a : args) b.append(b.length() == 0 ? "" : " ").append(shellQuote(a));
    return b.toString();
  }

  /** A POSIX shell word: as is when it holds nothing special, otherwise in single quotes. */
  static String shellQuote(String s) {
    return io.lakevault.core.Shell.quote(s);
  }

  public Runs runs(long page, int pageSize) {
    List<Run> all = new ArrayList<>();
    catalog.scan(CatalogTable.RUNS, null, List.of("run_id", "job", "arguments", "user", "host", "started_at", "ended_at",
        "status", "error", "counts"), r -> all.add(new Run(r.string("run_id"), r.string("job"), r.stringList("arguments"),
            r.string("user"), r.string("host"), r.instant("started_at"), r.instant("ended_at"), r.string("status"),
            r.string("error"), r.longMap("counts"))));
    all.sort(Comparator.comparing(Run::startedAt, Comparator.nullsLast(Comparator.<Instant>naturalOrder())).reversed());
    List<Run> failures = all.stream().filter(r -> "FAILED".equals(r.status())).limit(pageSize).toList();
    int from = (int) Math.min(page * pageSize, all.size());
    int to = Math.min(from + pageSize, all.size());
    return new Runs(failures, List.copyOf(all.subList(from, to)), all.size(), page, pageSize);
  }

  public List<HoldJob.Case> cases() {
    return holds.list(null);
  }

  private List<Found> withState(List<Lookup.Version> versions) {
    Set<String> packs = new LinkedHashSet<>();
    for (Lookup.Version v : versions) if (v.packId() != null && !v.disposed()) packs.add(v.packId());
    Map<String, List<String>> held = holds.holding(packs);
    List<Found> out = new ArrayList<>();
    for (Lookup.Version v : versions) {
      List<String> cases = v.packId() == null || v.disposed() ? List.of() : held.getOrDefault(v.packId(), List.of());
      State s = v.disposed() ? State.DISPOSED : cases.isEmpty() ? State.ARCHIVED : State.HELD;
      out.add(new Found(v, s, cases));
    }
    return out;
  }

  private static Predicate eq(String column, String value) {
    return new Predicate("=", new Column(column), Literal.ofString(value));
  }

  /** pack_id = a OR pack_id = b ...: lets Kernel skip files by their min/max statistics. */
  private static Predicate anyOf(String column, Set<String> values) {
    Predicate p = null;
    for (String v : values) p = p == null ? eq(column, v) : new Or(p, eq(column, v));
    return p;
  }

  private static int year(Instant t) {
    return t.atZone(ZoneOffset.UTC).getYear();
  }

  private static LocalDate day(Instant t) {
    return LocalDate.ofInstant(t, ZoneOffset.UTC);
  }

  private static LakevaultException nothingArchived() {
    return LakevaultException.usage("nothing is archived yet: the catalog has no objects table (run `lakevault archive`)");
  }
}
