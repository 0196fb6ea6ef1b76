package io.lakevault.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.restore.Lookup;
import io.lakevault.restore.RestoreJob;
import io.lakevault.restore.RestoreResult;
import io.lakevault.spark.SparkSessions;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Restore benchmarks (issue 6).
 *
 * <p>Lookup: an {@code objects} table of {@code --rows} rows in 4 buckets, written as {@code --appends}
 * archive runs would (each run's keys spread over the whole key space: the worst case for per-file key
 * statistics), and the same rows after {@code lakevault catalog optimize} ({@code --reoptimize} runs it
 * again on the existing table). For each layout, the median of {@code --lookups} {@code versions}
 * lookups of random keys, and side by side the same lookup as a full scan of the bucket's partition (the
 * key compared through a function, which no statistic can skip; all columns, as the lookup returns).
 *
 * <p>Sparse restore: the archive benchmark's lake (generated once, 20,000 objects of 1-64 KB, archived
 * into one pack), and 1% of the pack's entries restored to a folder: bytes read from the pack against
 * the bytes of the entries needed, with the footer, index and key file counted apart.
 *
 * <pre>bench/run RestoreBench [--rows 50000000] [--lookups 15] [--appends 25] [--objects 20000] [--dir DIR]
 *     [--skip lookup|sparse|appended|optimized,...] [--reoptimize true]</pre>
 */
public final class RestoreBench {
  private static final int BUCKETS = 4;

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--rows", "50000000", "--lookups", "15", "--appends", "25",
        "--objects", "20000", "--dir", "/tmp/lakevault-bench-restore", "--skip", ""));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    long rows = Long.parseLong(a.get("--rows"));
    int lookups = Integer.parseInt(a.get("--lookups"));
    int appends = Integer.parseInt(a.get("--appends"));
    int objects = Integer.parseInt(a.get("--objects"));
    Path dir = Path.of(a.get("--dir"));
    System.out.printf("restore benchmark: %d cores, heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    if (!a.get("--skip").contains("lookup")) {
      lookup(dir, rows, appends, lookups, a.containsKey("--reoptimize"), a.get("--skip"));
    }
    if (!a.get("--skip").contains("sparse")) sparse(dir, objects);
    // The plan part on request only (its catalog of a million packs is written once, then reused).
    if (a.containsKey("--packs")) plan(dir, Integer.parseInt(a.get("--packs")));
  }

  // ------------------------------------------------------------------ plan over a million packs

  /**
   * A restore dry run (find, plan, and the thaw check: a HEAD per pack) over {@code packs} cataloged packs
   * of two objects each, none of them stored (planning needs catalog rows only; each pack's HEAD finds it
   * missing). Reports the phases and the driver's heap: used heap sampled every 20 ms, and the peak of the
   * old generation, where what the driver keeps for the whole run ends up.
   */
  static void plan(Path dir, int packs) throws Exception {
    LakevaultConfig config = LakevaultConfig.of(Map.of("store.local.root", dir.resolve("store").toString(),
        "catalog.uri", "s3://bench-plan-" + packs + "/catalog"));
    SparkSession spark = SparkSessions.getOrCreate(config, "lakevault-bench-restore");
    Catalog catalog = new Catalog(spark, config);
    if (!catalog.exists(CatalogTable.PACKS)) {
      long t0 = System.nanoTime();
      catalog.ensure(CatalogTable.OBJECTS);
      catalog.ensure(CatalogTable.PACKS);
      // Two objects per pack (the lookup part's rows put 100,000 in a pack).
      objects(spark, 0, 2L * packs, Map.of("pack_id", expr("concat('pack-', cast(id div 2 as string))"),
          "entry_ordinal", expr("cast(id % 2 as int)"), "entry_offset", expr("(id % 2) * 9000"))).write().format("delta").mode("append").save(catalog.path(CatalogTable.OBJECTS));
      List<Column> cols = new ArrayList<>();
      for (String f : CatalogTable.PACKS.schema().fieldNames()) {
        cols.add((switch (f) {
          case "pack_id" -> expr("concat('pack-', cast(id as string))");
          case "uri" -> expr("concat('s3://bench-archive/packs/finra-7y/2027-01/bench/', cast(id as string), '.lvp')");
          case "version_id" -> expr("lpad(hex(id * 40503), 32, '0')");
          case "retention_class" -> lit("finra-7y");
          case "storage_class" -> lit("DEEP_ARCHIVE");
          case "format_version" -> lit(1);
          case "entries" -> lit(2L);
          case "original_bytes", "stored_bytes" -> lit(18000L);
          case "sha256" -> expr("sha2(cast(id as string), 256)");
          case "encrypted", "dictionary" -> lit(false);
          case "created_at" -> expr("timestamp_millis(1767225600000)");
          case "run_id" -> lit("bench");
          default -> lit(null);
        }).cast(CatalogTable.PACKS.schema().apply(f).dataType()).as(f));
      }
      spark.range(0, packs).select(cols.toArray(Column[]::new)).write().format("delta").mode("append")
          .save(catalog.path(CatalogTable.PACKS));
      System.out.printf("plan: wrote %,d packs and %,d objects rows in %.0f s (once; reused by later runs)%n", packs,
          2L * packs, (System.nanoTime() - t0) / 1e9);
    }
    // The archive bucket exists and holds no pack: each pack's HEAD answers "missing", as fast as a HEAD can.
    try (io.lakevault.core.store.LocalObjectStore store = new io.lakevault.core.store.LocalObjectStore(dir.resolve("store"))) {
      store.createBucket("bench-archive", true, false);
    } catch (io.lakevault.core.store.ObjectStoreException e) {
      // made by an earlier run
    }
    System.gc();
    java.util.List<java.lang.management.MemoryPoolMXBean> pools = java.lang.management.ManagementFactory.getMemoryPoolMXBeans();
    pools.forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
    Runtime rt = Runtime.getRuntime();
    long before = rt.totalMemory() - rt.freeMemory();
    long[] peak = {before};
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak[0] = Math.max(peak[0], rt.totalMemory() - rt.freeMemory());
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.setDaemon(true);
    sampler.start();
    // What the tasks send back to the driver (results of collects and the like): the part of the driver's work
    // that grows with packs, which the heap of a local-mode JVM (executors inside) cannot show apart.
    java.util.concurrent.atomic.AtomicLong resultBytes = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong tasks = new java.util.concurrent.atomic.AtomicLong();
    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
        tasks.incrementAndGet();
        if (end.taskMetrics() != null) resultBytes.addAndGet(end.taskMetrics().resultSize());
      }
    };
    spark.sparkContext().addSparkListener(listener);
    Selector all = new Selector(List.of(), List.of(), null, List.of(), List.of("finra-7y"), List.of(), null, null, null, null,
        null, List.of(), false);
    long t0 = System.nanoTime();
    RestoreResult r = new RestoreJob(catalog, Clock.systemUTC()).run(new RestoreJob.Request(all,
        dir.resolve("plan-target").toString(), RestoreTier.BULK, 1, true, false, false, Duration.ZERO, false, null,
        PriceTable.builtIn()), "bench-plan");
    double wall = (System.nanoTime() - t0) / 1e9;
    sampler.interrupt();
    sampler.join();
    spark.sparkContext().listenerBus().waitUntilEmpty();
    spark.sparkContext().removeSparkListener(listener);
    long oldPeak = pools.stream().filter(p -> p.getName().contains("Old Gen") || p.getName().contains("Tenured"))
        .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    System.out.printf(Locale.ROOT, "plan: %,d packs, %,d objects, dry run in %.1f s (phases %s); packs by state %s;"
        + " %,d tasks sent the driver %,d KiB of results; JVM heap (driver and local executors): %d MiB before,"
        + " peak used %d MiB (sampled), old generation peak %d MiB, max %d MiB%n",
        r.packs(), r.objects(), wall, r.phases(), r.packStates(), tasks.get(), resultBytes.get() >> 10, before >> 20,
        peak[0] >> 20, oldPeak >> 20, rt.maxMemory() >> 20);
  }

  // ------------------------------------------------------------------ lookup

  /** @param skip may name a layout ({@code appended}, {@code optimized}) whose lookups are not timed */
  static void lookup(Path dir, long rows, int appends, int lookups, boolean reoptimize, String skip) throws Exception {
    Map<String, Catalog> layouts = new LinkedHashMap<>();
    for (String layout : List.of("appended", "optimized")) {
      LakevaultConfig config = LakevaultConfig.of(Map.of("store.local.root", dir.resolve("store").toString(),
          "catalog.uri", "s3://bench-" + layout + "/catalog"));
      SparkSession spark = SparkSessions.getOrCreate(config, "lakevault-bench-restore");
      Catalog catalog = new Catalog(spark, config);
      if (!catalog.exists(CatalogTable.OBJECTS)) {
        long t0 = System.nanoTime();
        System.out.printf("writing the %s objects table: %,d rows in %d appends (once; reused by later runs)%n", layout,
            rows, appends);
        catalog.ensure(CatalogTable.OBJECTS);
        for (int i = 0; i < appends; i++) {
          long from = rows * i / appends;
          long to = rows * (i + 1) / appends;
          objects(spark, from, to).write().format("delta").mode("append").save(catalog.path(CatalogTable.OBJECTS));
        }
        if (layout.equals("optimized")) System.out.println("  optimize: " + catalog.optimizeObjects());
        System.out.printf("  written in %.0f s%n", (System.nanoTime() - t0) / 1e9);
      } else if (layout.equals("optimized") && reoptimize) {
        long t0 = System.nanoTime();
        System.out.printf("  optimize again: %s in %.0f s%n", catalog.optimizeObjects(), (System.nanoTime() - t0) / 1e9);
      }
      layouts.put(layout, catalog);
    }
    Random r = new Random(7);
    for (var e : layouts.entrySet()) {
      if (skip.contains(e.getKey())) continue;
      Catalog catalog = e.getValue();
      Lookup lookup = new Lookup(catalog.config());
      long files = catalog.spark().sql("DESCRIBE DETAIL delta.`" + catalog.path(CatalogTable.OBJECTS) + "`")
          .first().<Long>getAs("numFiles");
      long t0 = System.nanoTime();
      lookup.versions("bench-src-0", key(1)); // the first: Kernel reads the Delta log and checkpoint
      double firstKernel = (System.nanoTime() - t0) / 1e9;
      sparkVersions(catalog, "bench-src-0", key(1)); // warm-up: the Delta log is read once per session
      double[] look = new double[lookups];
      double[] spark = new double[lookups];
      double[] scan = new double[Math.min(lookups, 3)];
      for (int i = 0; i < lookups; i++) {
        long id = (long) (r.nextDouble() * rows);
        String bucket = "bench-src-" + (id % BUCKETS);
        String key = key(id);
        t0 = System.nanoTime();
        List<Lookup.Version> v = lookup.versions(bucket, key);
        look[i] = (System.nanoTime() - t0) / 1e9;
        if (v.size() != 1) throw new IllegalStateException("expected one version of " + key + ", got " + v.size());
        t0 = System.nanoTime();
        int n = sparkVersions(catalog, bucket, key);
        spark[i] = (System.nanoTime() - t0) / 1e9;
        if (n != 1) throw new IllegalStateException("the Spark path found " + n + " versions of " + key);
        if (i < scan.length) {
          t0 = System.nanoTime();
          // The same rows of the same partition, but the key compared through a function: no statistic helps.
          long m = catalog.read(CatalogTable.OBJECTS).where(col("bucket").equalTo(bucket)
              .and(concat(col("key"), lit("")).equalTo(key))).collectAsList().size();
          scan[i] = (System.nanoTime() - t0) / 1e9;
          if (m != 1) throw new IllegalStateException("full scan found " + m);
        }
      }
      System.out.printf(Locale.ROOT, "%s layout (%,d files): versions with Delta Kernel median %.2f s (min %.2f, max %.2f,"
              + " %d lookups; the first %.2f s); with Spark (warm session) median %.2f s; full scan of the same lookup"
              + " median %.2f s (%d scans)%n", e.getKey(), files, ArchiveBench.median(look), min(look), max(look), lookups,
          firstKernel, ArchiveBench.median(spark), ArchiveBench.median(scan), scan.length);
      // find of one day of one service in one bucket (about 500 versions at 50 million rows), as of now.
      String day = key(12345);
      String prefix = day.substring(0, day.indexOf("/part-") - 2); // app=svcN/dt=yyyy-MM-dd/
      String bucket = "bench-src-" + (12345 % BUCKETS);
      double[] findKernel = new double[5];
      double[] findSpark = new double[5];
      long found = 0;
      for (int i = 0; i < findKernel.length; i++) {
        t0 = System.nanoTime();
        found = lookup.find(bucket, prefix, null, 1000).objects();
        findKernel[i] = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        long viaSpark = new io.lakevault.spark.Selection(catalog).apply(new Selector(List.of(bucket), List.of(prefix), null,
            List.of(), List.of(), List.of(), null, null, null, null, null, List.of(), false)).count();
        findSpark[i] = (System.nanoTime() - t0) / 1e9;
        if (viaSpark != found) throw new IllegalStateException("find: Kernel " + found + ", Spark " + viaSpark);
      }
      System.out.printf(Locale.ROOT, "%s layout: find s3://%s/%s (%,d versions) with Delta Kernel median %.2f s; with Spark"
          + " (warm session) median %.2f s%n", e.getKey(), bucket, prefix, found, ArchiveBench.median(findKernel),
          ArchiveBench.median(findSpark));
      cold(dir, e.getKey(), bucket, key(12345), prefix);
    }
  }

  /** The former Spark lookup of {@code versions}: one partition, the key pushed to the file statistics. */
  private static int sparkVersions(Catalog catalog, String bucket, String key) {
    return catalog.read(CatalogTable.OBJECTS).where(col("bucket").equalTo(bucket).and(col("key").equalTo(key)))
        .collectAsList().size();
  }

  /**
   * {@code bin/lakevault versions} and {@code find} as a user runs them: a new JVM each, wall time with its start;
   * beside them the plain JVM the launcher ran before (C2, no class-data archive).
   */
  private static void cold(Path dir, String layout, String bucket, String key, String prefix) throws Exception {
    Path home = Path.of(System.getProperty("user.dir"));
    if (!Files.isExecutable(home.resolve("bin/lakevault"))) {
      System.out.println("  (cold command lines skipped: run from the repository root to time bin/lakevault)");
      return;
    }
    Map<String, Map<String, String>> launchers = new LinkedHashMap<>();
    launchers.put("launcher", Map.of());
    launchers.put("plain JVM", Map.of("LAKEVAULT_CDS", "0", "LAKEVAULT_JAVA_OPTS", "-XX:TieredStopAtLevel=4"));
    for (String[] cmd : List.of(new String[] {"versions", "s3://" + bucket + "/" + key},
        new String[] {"find", "s3://" + bucket + "/" + prefix, "--limit", "10"})) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s layout: cold `bin/lakevault %s` (JVM start"
          + " included)", layout, cmd[0]));
      for (Map.Entry<String, Map<String, String>> l : launchers.entrySet()) {
        double[] t = new double[3];
        // run -1, untimed: builds bin/lakevault if needed, writes the lookups' class-data archive, warms the page cache
        for (int i = -1; i < t.length; i++) {
          List<String> c = new ArrayList<>(List.of(home.resolve("bin/lakevault").toString(), "--conf",
              "store.local.root=" + dir.resolve("store"), "--conf", "catalog.uri=s3://bench-" + layout + "/catalog"));
          c.addAll(List.of(cmd));
          ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
          pb.environment().putAll(l.getValue());
          if (i >= 0) pb.environment().put("LAKEVAULT_NO_BUILD", "1");
          long t0 = System.nanoTime();
          int code = pb.start().waitFor();
          if (i >= 0) t[i] = (System.nanoTime() - t0) / 1e9;
          if (code != 0) throw new IllegalStateException("bin/lakevault " + String.join(" ", cmd) + " exited " + code);
        }
        line.append(String.format(Locale.ROOT, "; %s median %.2f s (runs %.2f, %.2f, %.2f)", l.getKey(),
            ArchiveBench.median(t), t[0], t[1], t[2]));
      }
      System.out.println(line);
    }
  }

  /** Rows of the objects table for ids [from, to): keys spread over the key space, so every run spans it. */
  private static Dataset<Row> objects(SparkSession spark, long from, long to) {
    return objects(spark, from, to, Map.of());
  }

  /** The same, some columns computed as {@code overrides} says. */
  private static Dataset<Row> objects(SparkSession spark, long from, long to, Map<String, Column> overrides) {
    List<Column> cols = new ArrayList<>();
    for (String f : CatalogTable.OBJECTS.schema().fieldNames()) {
      cols.add((overrides.containsKey(f) ? overrides.get(f) : switch (f) {
        case "bucket" -> concat(lit("bench-src-"), expr("cast(id % " + BUCKETS + " as string)"));
        case "key" -> expr(KEY_SQL);
        case "version_id" -> expr("lpad(hex(id * 2654435761), 32, '0')");
        case "e_tag" -> expr("md5(cast(id as string))");
        case "size" -> expr("1024 + id % 65536");
        case "last_modified_date" -> expr("timestamp_millis(1546300800000 + id % 157680000000)");
        case "is_delete_marker" -> lit(false);
        case "sha256" -> expr("sha2(cast(id as string), 256)");
        case "content_type" -> lit("application/json");
        case "retention_class" -> lit("finra-7y");
        case "rule_id" -> lit("trading");
        case "retain_until" -> expr("timestamp_millis(1767225600000 + id % 157680000000)");
        case "pack_id" -> expr("concat('pack-', cast(id div 100000 as string))");
        case "entry_ordinal" -> expr("cast(id % 100000 as int)");
        case "entry_offset" -> expr("(id % 100000) * 9000");
        case "entry_length" -> lit(9000L);
        case "archived_at" -> expr("timestamp_millis(1767225600000)");
        case "run_id" -> lit("bench");
        default -> lit(null);
      }).cast(CatalogTable.OBJECTS.schema().apply(f).dataType()).as(f));
    }
    return spark.range(from, to).select(cols.toArray(Column[]::new));
  }

  private static final String KEY_SQL = "concat('app=svc', cast(pmod(id * 7919, 13) as string), '/dt=',"
      + " date_format(timestamp_millis(1546300800000 + pmod(id * 2654435761, 157680000000)), 'yyyy-MM-dd/HH'),"
      + " '/part-', lpad(cast(id as string), 12, '0'), '.json')";

  /** The key of row {@code id}, as {@link #KEY_SQL} writes it. */
  static String key(long id) {
    long t = 1546300800000L + Math.floorMod(id * 2654435761L, 157680000000L);
    String dt = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd/HH").withZone(java.time.ZoneOffset.UTC)
        .format(java.time.Instant.ofEpochMilli(t));
    return "app=svc" + Math.floorMod(id * 7919, 13) + "/dt=" + dt + "/part-" + String.format("%012d", id) + ".json";
  }

  private static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElse(0);
  }

  private static double max(double[] v) {
    return java.util.Arrays.stream(v).max().orElse(0);
  }

  // ------------------------------------------------------------------ sparse restore

  static void sparse(Path dir, int objects) throws Exception {
    Path root = dir.resolve("lake-" + objects);
    Path manifest = root.resolve("manifest.bin");
    if (!Files.exists(manifest)) ArchiveBench.generate(root, objects, manifest);
    List<Row> rows = ArchiveBench.readManifest(manifest);
    LakevaultConfig config = ArchiveBench.lakeConfig(root, dir.resolve("keys"));
    SparkSession spark = SparkSessions.getOrCreate(config, "lakevault-bench-restore");
    Catalog catalog = new Catalog(spark, config);
    if (!catalog.exists(CatalogTable.OBJECTS) || catalog.read(CatalogTable.OBJECTS).count() != rows.size()) {
      byte[] policyBytes = ArchiveBench.POLICY.getBytes(StandardCharsets.UTF_8);
      Policy policy = PolicyParser.parse("bench-policy.yaml", policyBytes);
      ArchiveBench.archive(spark, config, root, rows, policy, policyBytes, 1);
    }
    Row pack = catalog.read(CatalogTable.PACKS).orderBy(col("entries").desc()).first();
    String packId = pack.getAs("pack_id");
    // Every 100th entry of the pack, in offset order: 1% of its entries.
    List<Row> chosen = catalog.read(CatalogTable.OBJECTS).where(col("pack_id").equalTo(packId))
        .orderBy("entry_offset").select("key", "entry_length", "size").collectAsList();
    StringBuilder list = new StringBuilder();
    long needed = 0;
    long original = 0;
    int n = 0;
    for (int i = 0; i < chosen.size(); i += 100) {
      list.append("s3://").append(ArchiveBench.BUCKET).append('/').append(chosen.get(i).getString(0)).append('\n');
      needed += chosen.get(i).getLong(1);
      original += chosen.get(i).getLong(2);
      n++;
    }
    Path keysFile = dir.resolve("sparse-keys.txt");
    Files.writeString(keysFile, list.toString());
    Path to = dir.resolve("sparse-out");
    ArchiveBench.deleteTree(to);
    ArchiveBench.deleteTree(root.resolve("store/bench-catalog/catalog/reports/restore"));
    ArchiveBench.deleteTree(root.resolve("store/bench-catalog/catalog/restores"));
    Selector s = new Selector(List.of(), List.of(), keysFile.toString(), List.of(), List.of(), List.of(), null, null, null,
        null, null, List.of(), false);
    long t0 = System.nanoTime();
    RestoreResult r = new RestoreJob(catalog, Clock.systemUTC()).run(new RestoreJob.Request(s, to.toString(),
        RestoreTier.BULK, 1, false, false, true, Duration.ofMinutes(5), false, null, PriceTable.builtIn()), "bench-sparse");
    double secs = (System.nanoTime() - t0) / 1e9;
    if (!r.complete()) throw new IllegalStateException("the sparse restore did not complete: " + r.objectStates());
    System.out.printf(Locale.ROOT, "sparse restore: %,d of the pack's %,d entries (%s stored, %s original) in %.1f s;"
            + " %,d range GET(s) read %,d bytes for %,d bytes of entries needed: %.3f; plus %,d bytes of footer, index"
            + " and key file (pack %,d bytes)%n", n, chosen.size(), needed, original, secs, r.ranges(), r.bytesRead(), needed,
        (double) r.bytesRead() / needed, r.metadataBytes(), pack.<Long>getAs("stored_bytes"));
  }
}
