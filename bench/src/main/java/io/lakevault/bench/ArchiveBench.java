package io.lakevault.bench;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.ArchiveResult;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.CostModel;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.PutOptions;
import io.lakevault.spark.SparkSessions;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The archive job end to end against {@code tar -c | zstd -3 -T0} over the same files, side by side in
 * one run, on the local store.
 *
 * <p>A lake of {@code --objects} objects of 1-64 KB (sizes skewed small: 1 KB + 63 KB * u^2), half JSON
 * log records and half CSV transaction rows, about 4.4 GB at the default 200,000, is written once under
 * {@code --dir} through the local store (so each object has its ETag and version, as on S3), and reused
 * by later runs. Then, alternating, {@code --runs} times each:
 * <ul>
 *   <li><b>tar+zstd</b>: {@code tar -C <bucket folder> -cf - . | zstd -3 -T0} into one file;
 *   <li><b>archive job</b>: a fresh catalog whose {@code classified} table lists every object (one
 *       DEEP_ARCHIVE class, encrypted with a local key, COMPLIANCE lock, 1 GiB packs), then
 *       {@link ArchiveJob#run}: read, MD5 check, SHA-256, per-pack dictionary, zstd -3, AES-256-GCM,
 *       pack upload, Delta commits of {@code packs} and {@code objects}, Object Lock.
 * </ul>
 * With {@code restic} on the PATH (Debian's package: {@code apt-get install restic}), a third:
 * <ul>
 *   <li><b>restic</b>: {@code restic backup} of the same folder into a fresh local repository (format 2:
 *       content-defined chunking, deduplication, zstd "auto", AES-256 and Poly1305), its cache folder fresh too;
 * </ul>
 * Both read from the page cache after the first pass. Reported: MB/s and objects/s of each, the ratios,
 * compression ratios, and the Deep Archive billable bytes and PUTs of the lake packed and as-is.
 *
 * <pre>bench/run ArchiveBench [--objects N] [--runs K] [--dir DIR] [--restic auto|off]</pre>
 */
public final class ArchiveBench {
  static final String BUCKET = "bench-src";
  static final String POLICY = """
      version: 1
      classes:
        bench-7y:
          retain: 7y
          storage-class: DEEP_ARCHIVE
          lock: COMPLIANCE
          encryption: true
          pack-size: 1 GiB
      rules:
        - id: all
          match: {bucket: bench-src}
          class: bench-7y
      """;

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--objects", "200000", "--runs", "3",
        "--dir", "/tmp/lakevault-bench-archive", "--restic", "auto"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    int objects = Integer.parseInt(a.get("--objects"));
    int runs = Integer.parseInt(a.get("--runs"));
    Path dir = Path.of(a.get("--dir"));
    Path root = lake(dir, objects);
    List<Row> rows = readManifest(root.resolve("manifest.bin"));
    long bytes = rows.stream().mapToLong(r -> r.<Long>getAs("size")).sum();
    System.out.printf("archive benchmark: %,d objects, %.1f MB, %d runs each, %d cores, heap %d MiB%n", rows.size(),
        bytes / 1e6, runs, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);

    LakevaultConfig config = lakeConfig(root, dir.resolve("keys"));
    SparkSession spark = SparkSessions.getOrCreate(config, "lakevault-bench-archive");
    byte[] policyBytes = POLICY.getBytes(StandardCharsets.UTF_8);
    Policy policy = PolicyParser.parse("bench-policy.yaml", policyBytes);

    List<double[]> tars = new ArrayList<>();
    List<double[]> jobs = new ArrayList<>();
    List<double[]> restics = new ArrayList<>();
    boolean restic = !a.get("--restic").equals("off") && onPath("restic");
    if (!restic) System.out.println("restic: " + (a.get("--restic").equals("off") ? "off" : "not on the PATH (apt-get install restic)"));
    tarZstd(root, dir); // warms the page cache for both sides
    for (int run = 1; run <= runs; run++) {
      double[] t = tarZstd(root, dir);
      tars.add(t);
      double[] j = archive(spark, config, root, rows, policy, policyBytes, run);
      jobs.add(j);
      System.out.printf(Locale.ROOT, "run %d: tar+zstd %6.1f s (%6.1f MB/s, %8.0f objects/s, ratio %.2f)   "
              + "archive job %6.1f s (%6.1f MB/s, %8.0f objects/s, ratio %.2f, %d packs)", run,
          t[0], bytes / 1e6 / t[0], rows.size() / t[0], bytes / t[1], j[0], bytes / 1e6 / j[0], rows.size() / j[0],
          bytes / j[1], (long) j[2]);
      if (restic) {
        double[] r = restic(root, dir);
        restics.add(r);
        System.out.printf(Locale.ROOT, "   restic %6.1f s (%6.1f MB/s, %8.0f objects/s, ratio %.2f)", r[0],
            bytes / 1e6 / r[0], rows.size() / r[0], bytes / r[1]);
      }
      System.out.println();
    }
    double tarMedian = median(tars.stream().mapToDouble(x -> x[0]).toArray());
    double jobMedian = median(jobs.stream().mapToDouble(x -> x[0]).toArray());
    if (restic) {
      double resticMedian = median(restics.stream().mapToDouble(x -> x[0]).toArray());
      System.out.printf(Locale.ROOT, "restic %.1f s = %.1f MB/s, %.0f objects/s, %.3fx (%.1f MB); archive job / restic"
              + " = %.2f (speed)%n", resticMedian, bytes / 1e6 / resticMedian, rows.size() / resticMedian,
          bytes / restics.get(0)[1], restics.get(0)[1] / 1e6, resticMedian / jobMedian);
    }
    double tarStored = tars.get(0)[1];
    double jobStored = jobs.get(0)[1];
    long packs = (long) jobs.get(0)[2];
    System.out.printf(Locale.ROOT, "%nmedians: tar+zstd %.1f s = %.1f MB/s, %.0f objects/s; archive job %.1f s = %.1f MB/s,"
            + " %.0f objects/s; job / tar+zstd = %.2f%n", tarMedian, bytes / 1e6 / tarMedian, rows.size() / tarMedian,
        jobMedian, bytes / 1e6 / jobMedian, rows.size() / jobMedian, tarMedian / jobMedian);
    System.out.printf(Locale.ROOT, "compression: tar+zstd %.3fx (%.1f MB), packs %.3fx (%.1f MB); packs / tar+zstd size = %.3f%n",
        bytes / tarStored, tarStored / 1e6, bytes / jobStored, jobStored / 1e6, jobStored / tarStored);
    PriceTable prices = PriceTable.builtIn();
    // Deep Archive bills 40 KB per archived object (32 KB at its rate + 8 KB at STANDARD's) and one PUT each.
    long overhead = 40L * 1024;
    long asIsBillable = bytes + rows.size() * overhead;
    long packedBillable = (long) jobStored + packs * overhead;
    long parts = (long) Math.ceil(jobStored / (64.0 * 1024 * 1024)) + 2 * packs;
    System.out.printf(Locale.ROOT, "Deep Archive: billable bytes as-is %.2f GB vs packed %.2f GB (%.1fx less); "
            + "requests as-is %,d PUTs vs packed %,d (parts, create and complete)%n", asIsBillable / 1e9, packedBillable / 1e9,
        (double) asIsBillable / packedBillable, rows.size(), parts);
    System.out.printf(Locale.ROOT, "prices: %s%n", prices.source());
    spark.stop();
  }

  /** @return seconds, output bytes */
  static double[] tarZstd(Path root, Path dir) throws Exception {
    Path out = dir.resolve("bench.tar.zst");
    Files.deleteIfExists(out);
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder("bash", "-c", "tar -C '" + root.resolve("store").resolve(BUCKET)
        + "' -cf - . | zstd -3 -T0 -q -o '" + out + "'").inheritIO().start();
    if (p.waitFor() != 0) throw new IllegalStateException("tar | zstd failed");
    double secs = (System.nanoTime() - t0) / 1e9;
    return new double[] {secs, Files.size(out)};
  }

  /**
   * {@code restic backup} of the bucket's folder into a fresh repository (format 2, so compressed) with a
   * fresh cache; {@code restic init} is not timed.
   *
   * @return seconds, repository bytes
   */
  static double[] restic(Path root, Path dir) throws Exception {
    Path repo = dir.resolve("restic-repo");
    Path cache = dir.resolve("restic-cache");
    deleteTree(repo);
    deleteTree(cache);
    run(List.of("restic", "init", "--quiet", "--repository-version", "2", "--repo", repo.toString()));
    long t0 = System.nanoTime();
    run(List.of("restic", "backup", "--quiet", "--repo", repo.toString(), "--cache-dir", cache.toString(),
        root.resolve("store").resolve(BUCKET).toString()));
    double secs = (System.nanoTime() - t0) / 1e9;
    long size;
    try (Stream<Path> s = Files.walk(repo)) {
      size = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    return new double[] {secs, size};
  }

  private static void run(List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    pb.environment().put("RESTIC_PASSWORD", "bench");
    if (pb.start().waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed");
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) return true;
    }
    return false;
  }

  /** @return seconds, stored bytes, packs */
  static double[] archive(SparkSession spark, LakevaultConfig config, Path root, List<Row> rows, Policy policy,
      byte[] policyBytes, int run) throws IOException {
    Path store = root.resolve("store");
    deleteTree(store.resolve("bench-catalog"));
    // The run lease's versions: the store's record of the catalog bucket goes with its files.
    deleteTree(store.resolve(".lakevault-store/meta/bench-catalog"));
    deleteTree(store.resolve("bench-archive"));
    deleteTree(store.resolve(".lakevault-store/meta/bench-archive"));
    Files.deleteIfExists(store.resolve(".lakevault-store/buckets/bench-archive.json"));
    Catalog catalog = new Catalog(spark, config);
    Path policies = store.resolve("bench-catalog/catalog/policies");
    Files.createDirectories(policies);
    Files.write(policies.resolve(policy.sha256() + ".yaml"), policyBytes);
    spark.createDataFrame(classifiedRows(rows, policy, Instant.now(), null), CatalogTable.CLASSIFIED.schema()).repartition(8)
        .write().format("delta").mode("overwrite").save(catalog.path(CatalogTable.CLASSIFIED));
    long t0 = System.nanoTime();
    ArchiveResult result = new ArchiveJob(catalog, Clock.systemUTC())
        .run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), "bench-" + run);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (result.objects() != rows.size()) {
      throw new IllegalStateException("archived " + result.objects() + " of " + rows.size() + " objects: " + result.skipReasons());
    }
    CostModel.Comparison c = result.classes().get(0).cost();
    return new double[] {secs, result.storedBytes(), result.packs(), c.asIs().total(), c.packed().total()};
  }

  /** The lake's objects as {@code classified} rows decided ARCHIVE in the one class, {@code archive_pending} as given. */
  static List<Row> classifiedRows(List<Row> rows, Policy policy, Instant now, Boolean pending) {
    Timestamp until = Timestamp.from(now.plus(7 * 366, ChronoUnit.DAYS));
    String group = "bench-7y/" + until.toInstant().toString().substring(0, 7) + "/" + BUCKET;
    List<Row> classified = new ArrayList<>(rows.size());
    for (Row r : rows) {
      classified.add(RowFactory.create(BUCKET, r.getAs("key"), r.getAs("version_id"), r.getAs("e_tag"), r.getAs("size"),
          r.getAs("last_modified"), true, false, "STANDARD", "SSE-S3", false, null, "ARCHIVE", "bench-7y", "all", until, group,
          "daily", Timestamp.from(now), policy.sha256(), Timestamp.from(now), "bench", pending));
    }
    return classified;
  }

  /** The generated lake's store, a demo key (created once) and the catalog and archive locations. */
  static LakevaultConfig lakeConfig(Path root, Path keys) {
    new LocalKeyRing(keys).createIfMissing("local:default");
    return LakevaultConfig.of(Map.of("store.local.root", root.resolve("store").toString(),
        "keys.local.dir", keys.toString(), "catalog.uri", "s3://bench-catalog/catalog",
        "archive.uri", "s3://bench-archive/packs"));
  }

  /** The lake of {@code objects} objects under {@code dir}, generated on first use; its root. */
  static Path lake(Path dir, int objects) throws IOException {
    Path root = dir.resolve("lake-" + objects);
    Path manifest = root.resolve("manifest.bin");
    if (!Files.exists(manifest)) generate(root, objects, manifest);
    return root;
  }

  static void generate(Path root, int objects, Path manifest) throws IOException {
    System.out.printf("generating %,d objects under %s (once; reused by later runs)%n", objects, root);
    long t0 = System.nanoTime();
    LocalObjectStore store = new LocalObjectStore(root.resolve("store"));
    store.createBucket(BUCKET, true, false);
    Random r = new Random(2026);
    StringBuilder m = new StringBuilder();
    for (int i = 0; i < objects; i++) {
      double u = r.nextDouble();
      int size = 1024 + (int) (63 * 1024 * u * u);
      boolean json = i % 2 == 0;
      String key = (json ? "logs/" : "transactions/") + "2026/" + String.format("%02d/%02d", 1 + i % 12, 1 + i % 28)
          + "/part-" + i + (json ? ".json" : ".csv");
      byte[] content = json ? jsonRecords(r, size) : csvRows(r, size);
      ObjectMetadata md = store.put(BUCKET, key, content, PutOptions.builder()
          .contentType(json ? "application/json" : "text/csv").build());
      m.append(key).append('\t').append(md.versionId()).append('\t').append(md.eTag()).append('\t').append(size)
          .append('\t').append(md.lastModified().toEpochMilli()).append('\n');
      if ((i + 1) % 50_000 == 0) System.out.printf("  %,d objects%n", i + 1);
    }
    Files.writeString(manifest, m.toString());
    System.out.printf("generated in %.0f s%n", (System.nanoTime() - t0) / 1e9);
  }

  static List<Row> readManifest(Path manifest) throws IOException {
    List<Row> rows = new ArrayList<>();
    var schema = new org.apache.spark.sql.types.StructType().add("key", "string").add("version_id", "string")
        .add("e_tag", "string").add("size", "long").add("last_modified", "timestamp");
    for (String line : Files.readAllLines(manifest)) {
      String[] f = line.split("\t");
      rows.add(new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[] {f[0], f[1], f[2],
          Long.parseLong(f[3]), new Timestamp(Long.parseLong(f[4]))}, schema));
    }
    return rows;
  }

  private static final String[] LEVELS = {"INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"};
  private static final String[] SERVICES = {"order-router", "risk-engine", "market-gateway", "settlement", "ledger"};

  static byte[] jsonRecords(Random r, int size) {
    StringBuilder sb = new StringBuilder(size + 256);
    while (sb.length() < size) {
      sb.append("{\"ts\":\"2026-").append(String.format("%02d-%02dT%02d:%02d:%02d.%03dZ", 1 + r.nextInt(12),
              1 + r.nextInt(28), r.nextInt(24), r.nextInt(60), r.nextInt(60), r.nextInt(1000)))
          .append("\",\"level\":\"").append(LEVELS[r.nextInt(LEVELS.length)])
          .append("\",\"service\":\"").append(SERVICES[r.nextInt(SERVICES.length)])
          .append("\",\"trace_id\":\"").append(Long.toHexString(r.nextLong()))
          .append("\",\"latency_ms\":").append(r.nextInt(5000))
          .append(",\"msg\":\"order ").append(r.nextInt(1_000_000)).append(r.nextBoolean() ? " accepted" : " routed to venue ")
          .append(r.nextInt(40)).append("\"}\n");
    }
    return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), size);
  }

  static byte[] csvRows(Random r, int size) {
    StringBuilder sb = new StringBuilder(size + 128);
    sb.append("trade_id,account,symbol,side,qty,price,venue,executed_at\n");
    String[] syms = {"ACME", "GLOBX", "INITECH", "UMBRL", "HOOLI", "STARK", "WAYNE"};
    while (sb.length() < size) {
      sb.append(r.nextInt(Integer.MAX_VALUE)).append(",AC").append(10000 + r.nextInt(5000)).append(',')
          .append(syms[r.nextInt(syms.length)]).append(r.nextBoolean() ? ",BUY," : ",SELL,").append(1 + r.nextInt(10000))
          .append(',').append(r.nextInt(100000) / 100.0).append(",V").append(r.nextInt(12)).append(",2026-")
          .append(String.format("%02d-%02dT%02d:%02d:%02dZ", 1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24),
              r.nextInt(60), r.nextInt(60))).append('\n');
    }
    return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), size);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
    }
  }
}
