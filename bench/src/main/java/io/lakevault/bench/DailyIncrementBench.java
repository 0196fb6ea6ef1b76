package io.lakevault.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.md5;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.timestamp_seconds;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.ArchiveResult;
import io.lakevault.core.archive.ArchiveFrontier;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.spark.SparkSessions;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import io.delta.tables.DeltaTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A day's archive run on a large catalog against the same day archived into an empty catalog, side by side
 * in one run, on the local store (issue 24, "daily increment").
 *
 * <p>The day is ArchiveBench's lake of {@code --day} objects (1-64 KB; generated once, shared with it). Two
 * catalogs:
 * <ul>
 *   <li><b>empty</b>: {@code classified} holds the day's versions only, pending; no {@code objects}, no packs;
 *   <li><b>large</b>: {@code objects} holds {@code --catalog-rows} archived versions of the same bucket (random
 *       keys, MD5-like ETags, SHA-256s, one pack per 20,000; about 70 bytes a row on disk) and {@code packs}
 *       their packs; {@code classified} holds all of them, not pending, and the day's versions, pending, as
 *       a daily classification leaves it (written once, kept for later runs).
 * </ul>
 * Then, alternating, {@code --runs} times each, the archive job archives the day: into the empty catalog
 * (removed and written again before each run), and into the large one (its {@code objects} and
 * {@code packs} restored to the seeded version before each run; Delta RESTORE, a metadata commit, not timed).
 *
 * <pre>bench/run DailyIncrementBench [--catalog-rows N] [--day N] [--runs K] [--dir DIR]</pre>
 */
public final class DailyIncrementBench {
  /** Archived versions per seeded pack. */
  static final long PER_PACK = 20_000;

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--catalog-rows", "50000000", "--day", "100000", "--runs", "3",
        "--dir", "/tmp/lakevault-bench-archive"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    long catalogRows = Long.parseLong(a.get("--catalog-rows"));
    int day = Integer.parseInt(a.get("--day"));
    int runs = Integer.parseInt(a.get("--runs"));
    Path dir = Path.of(a.get("--dir"));
    Path root = ArchiveBench.lake(dir, day);
    List<Row> rows = ArchiveBench.readManifest(root.resolve("manifest.bin"));
    LakevaultConfig empty = config(root, dir.resolve("keys"), "bench-daily-empty");
    // v2: seeded with objects.content_key (a catalog seeded before it would time the path for older rows).
    LakevaultConfig large = config(root, dir.resolve("keys"), "bench-daily-large-v2-" + catalogRows);
    SparkSession spark = SparkSessions.getOrCreate(empty, "lakevault-bench-daily");
    byte[] policyBytes = ArchiveBench.POLICY.getBytes(StandardCharsets.UTF_8);
    Policy policy = PolicyParser.parse("bench-policy.yaml", policyBytes);
    System.out.printf("daily increment benchmark: a day of %,d versions into an empty catalog and into one of %,d archived"
        + " versions, %d runs each, %d cores, heap %d MiB%n", rows.size(), catalogRows, runs,
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);

    Catalog big = new Catalog(spark, large);
    long[] seeded = seed(spark, big, root, rows, policy, policyBytes, catalogRows);
    List<Double> emptyTimes = new ArrayList<>();
    List<Double> largeTimes = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      Catalog fresh = freshEmpty(spark, empty, root, rows, policy, policyBytes);
      double e = archive(fresh, "daily-empty-" + run, rows.size());
      emptyTimes.add(e);
      ArchiveBench.deleteTree(root.resolve("store/" + packsBucket(large)));
      DeltaTable.forPath(spark, big.path(CatalogTable.OBJECTS)).restoreToVersion(seeded[0]);
      DeltaTable.forPath(spark, big.path(CatalogTable.PACKS)).restoreToVersion(seeded[1]);
      double l = archive(big, "daily-large-" + run + "-" + System.currentTimeMillis(), rows.size());
      largeTimes.add(l);
      System.out.printf(Locale.ROOT, "run %d: empty catalog %6.1f s   large catalog %6.1f s   large / empty %.2f%n", run, e, l, l / e);
    }
    double em = ArchiveBench.median(emptyTimes.stream().mapToDouble(Double::doubleValue).toArray());
    double lm = ArchiveBench.median(largeTimes.stream().mapToDouble(Double::doubleValue).toArray());
    System.out.printf(Locale.ROOT, "%nmedians: empty catalog %.1f s, catalog of %,d versions %.1f s; large / empty = %.2f%n",
        em, catalogRows, lm, lm / em);
    spark.stop();
  }

  static LakevaultConfig config(Path root, Path keys, String name) {
    new LocalKeyRing(keys).createIfMissing("local:default");
    return LakevaultConfig.of(Map.of("store.local.root", root.resolve("store").toString(), "keys.local.dir", keys.toString(),
        "catalog.uri", "s3://" + name + "/catalog", "archive.uri", "s3://" + name + "-packs/packs"));
  }

  static String packsBucket(LakevaultConfig c) {
    return c.get(io.lakevault.core.config.Settings.ARCHIVE_URI).substring("s3://".length()).split("/")[0];
  }

  /** @return seconds */
  static double archive(Catalog catalog, String runId, int day) {
    long t0 = System.nanoTime();
    ArchiveResult r = new ArchiveJob(catalog, Clock.systemUTC())
        .run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), runId);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (r.objects() != day) throw new IllegalStateException("archived " + r.objects() + " of " + day + ": " + r.skipReasons());
    return secs;
  }

  /** The empty catalog, removed with its packs and written again: {@code classified} of the day, pending. */
  static Catalog freshEmpty(SparkSession spark, LakevaultConfig config, Path root, List<Row> rows, Policy policy,
      byte[] policyBytes) throws Exception {
    String name = config.get(io.lakevault.core.config.Settings.CATALOG_URI).substring("s3://".length()).split("/")[0];
    Path store = root.resolve("store");
    for (String b : List.of(name, packsBucket(config))) {
      ArchiveBench.deleteTree(store.resolve(b));
      ArchiveBench.deleteTree(store.resolve(".lakevault-store/meta/" + b));
      Files.deleteIfExists(store.resolve(".lakevault-store/buckets/" + b + ".json"));
    }
    Catalog catalog = new Catalog(spark, config);
    writePolicy(store.resolve(name + "/catalog/policies"), policy, policyBytes);
    catalog.ensure(CatalogTable.CLASSIFIED);
    classification(spark.createDataFrame(ArchiveBench.classifiedRows(rows, policy, Instant.now(), true),
        CatalogTable.CLASSIFIED.schema()).repartition(8), policy).save(catalog.path(CatalogTable.CLASSIFIED));
    return catalog;
  }

  static void writePolicy(Path policies, Policy policy, byte[] bytes) throws Exception {
    Files.createDirectories(policies);
    Files.write(policies.resolve(policy.sha256() + ".yaml"), bytes);
  }

  /** A classify job's write: the table's partitioning and the classification in the commit. */
  static org.apache.spark.sql.DataFrameWriter<Row> classification(Dataset<Row> rows, Policy policy) {
    String meta = new ArchiveFrontier.Classification("bench-classify", Instant.now().truncatedTo(ChronoUnit.SECONDS),
        policy.sha256(), List.of()).toJson().toString();
    return rows.write().format("delta").mode("overwrite").option("overwriteSchema", "true").option("userMetadata", meta)
        .partitionBy(CatalogTable.CLASSIFIED.partitionColumns().toArray(new String[0]));
  }

  /**
   * The large catalog, written once (a marker file keeps the seeded table versions for later runs).
   *
   * @return the seeded versions of objects and packs
   */
  static long[] seed(SparkSession spark, Catalog catalog, Path root, List<Row> rows, Policy policy, byte[] policyBytes,
      long n) throws Exception {
    String name = catalog.config().get(io.lakevault.core.config.Settings.CATALOG_URI).substring("s3://".length()).split("/")[0];
    Path marker = root.resolve(name + ".seeded");
    if (Files.exists(marker)) {
      String[] v = Files.readString(marker).trim().split(" ");
      return new long[] {Long.parseLong(v[0]), Long.parseLong(v[1])};
    }
    System.out.printf("seeding a catalog of %,d archived versions under %s (once; reused by later runs)%n", n,
        root.resolve("store/" + name));
    long t0 = System.nanoTime();
    writePolicy(root.resolve("store/" + name + "/catalog/policies"), policy, policyBytes);
    catalog.ensureTables();
    Timestamp now = Timestamp.from(Instant.now());
    Timestamp until = Timestamp.from(Instant.now().plus(7 * 366, ChronoUnit.DAYS));
    // About 128 MB files, as `catalog optimize` leaves them.
    int files = (int) Math.max(1, n / 1_500_000);
    Dataset<Row> ids = spark.range(0, n, 1, files).toDF();
    Map<String, Column> id = new HashMap<>();
    id.put("bucket", lit(ArchiveBench.BUCKET));
    id.put("key", format_string("logs/2025/%02d/%02d/old-%d.json", col("id").mod(12).plus(1), col("id").mod(28).plus(1), col("id")));
    id.put("version_id", substring(sha2(concat(lit("v"), col("id").cast("string")), 256), 1, 32));
    id.put("e_tag", md5(col("id").cast("string").cast("binary")));
    id.put("size", lit(1024L).plus(col("id").multiply(7919).mod(64512)));
    id.put("last_modified_date", timestamp_seconds(lit(1735689600L).plus(col("id").mod(31_536_000))));
    id.put("retention_class", lit("bench-7y"));
    id.put("rule_id", lit("all"));
    id.put("retain_until", lit(until));
    id.put("is_delete_marker", lit(false));

    Map<String, Column> o = new HashMap<>(id);
    o.put("sha256", sha2(col("id").cast("string").cast("binary"), 256));
    o.put("content_type", lit("application/json"));
    o.put("pack_id", concat(lit("seed-"), col("id").divide(PER_PACK).cast("long").cast("string")));
    o.put("entry_ordinal", col("id").mod(PER_PACK).cast("int"));
    o.put("entry_offset", col("id").mod(PER_PACK).multiply(8000));
    o.put("entry_length", lit(8000L));
    o.put("archived_at", lit(now));
    o.put("run_id", lit("seed"));
    o.put(io.lakevault.spark.catalog.ContentKey.COLUMN,
        io.lakevault.spark.catalog.ContentKey.of(id.get("retention_class"), id.get("size"), id.get("e_tag")));
    typed(ids, o, CatalogTable.OBJECTS.schema()).write().format("delta").mode("append").save(catalog.path(CatalogTable.OBJECTS));

    Map<String, Column> p = new HashMap<>();
    p.put("pack_id", concat(lit("seed-"), col("id").cast("string")));
    p.put("uri", concat(lit("s3://seed-packs/packs/seed-"), col("id").cast("string"), lit(".lvp")));
    p.put("retention_class", lit("bench-7y"));
    p.put("storage_class", lit("DEEP_ARCHIVE"));
    p.put("format_version", lit(1));
    p.put("entries", lit(PER_PACK));
    p.put("original_bytes", lit(PER_PACK * 33_000));
    p.put("stored_bytes", lit(PER_PACK * 9_000));
    p.put("sha256", sha2(concat(lit("p"), col("id").cast("string")), 256));
    p.put("encrypted", lit(true));
    p.put("lock_mode", lit("COMPLIANCE"));
    p.put("retain_until", lit(until));
    p.put("created_at", lit(now));
    p.put("run_id", lit("seed"));
    typed(spark.range(0, (n + PER_PACK - 1) / PER_PACK, 1, 1).toDF(), p, CatalogTable.PACKS.schema()).write().format("delta")
        .mode("append").save(catalog.path(CatalogTable.PACKS));

    Map<String, Column> c = new HashMap<>(id);
    c.put("is_latest", lit(true));
    c.put("storage_class", lit("STANDARD"));
    c.put("encryption_status", lit("SSE-S3"));
    c.put("is_multipart_uploaded", lit(false));
    c.put("decision", lit("ARCHIVE"));
    c.put("pack_group", lit("bench-7y/" + until.toInstant().toString().substring(0, 7) + "/" + ArchiveBench.BUCKET));
    c.put("config_id", lit("daily"));
    c.put("report_time", lit(now));
    c.put("policy_sha256", lit(policy.sha256()));
    c.put("classified_at", lit(now));
    c.put("run_id", lit("bench-classify"));
    c.put("archive_pending", lit(false));
    Dataset<Row> archived = typed(ids, c, CatalogTable.CLASSIFIED.schema());
    Dataset<Row> today = spark.createDataFrame(ArchiveBench.classifiedRows(rows, policy, Instant.now(), true),
        CatalogTable.CLASSIFIED.schema());
    classification(archived.unionByName(today), policy).save(catalog.path(CatalogTable.CLASSIFIED));

    long[] versions = {version(spark, catalog.path(CatalogTable.OBJECTS)), version(spark, catalog.path(CatalogTable.PACKS))};
    Files.writeString(marker, versions[0] + " " + versions[1] + "\n");
    System.out.printf("seeded in %.0f s%n", (System.nanoTime() - t0) / 1e9);
    return versions;
  }

  static long version(SparkSession spark, String path) {
    return DeltaTable.forPath(spark, path).history(1).select("version").first().getLong(0);
  }

  /** Rows of {@code schema} from {@code ids}: the given columns, NULL for the rest, each cast to its type. */
  static Dataset<Row> typed(Dataset<Row> ids, Map<String, Column> cols, StructType schema) {
    List<Column> out = new ArrayList<>();
    for (StructField f : schema.fields()) {
      out.add(cols.getOrDefault(f.name(), lit(null)).cast(f.dataType()).as(f.name()));
    }
    return ids.select(out.toArray(Column[]::new));
  }
}
