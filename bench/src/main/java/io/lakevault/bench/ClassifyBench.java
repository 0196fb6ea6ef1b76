package io.lakevault.bench;

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.lakevault.classify.RuleCompiler;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.policy.ObjectFacts;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyEvaluator;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.policy.Rule;
import io.lakevault.spark.SparkSessions;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF10;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * The compiled policy against a naive per-row UDF that evaluates the same rules, side by side in one JVM.
 *
 * <p>A synthetic inventory of {@code --rows} rows (40 buckets, 30 services per bucket, dates, sizes,
 * storage classes, encryption, locks, versions) is built once and cached in memory, so both sides
 * measure rule evaluation, not I/O. A policy of {@code --rules} rules in the shape real policies take
 * (per bucket and service prefix, with size, age, storage-class and version conditions, plus
 * lake-wide exclusions by glob, size and storage class) is generated. Then, alternating, {@code --runs}
 * times each: the compiled decision tree ({@link RuleCompiler}) and the UDF (the reference
 * {@link PolicyEvaluator}, trying every rule in order, per row) compute the deciding rule of every
 * row into Spark's no-op sink. Both are checked to agree on every row before timing.
 *
 * <pre>bench/run ClassifyBench [--rows N] [--rules R] [--runs K] [--partitions P]</pre>
 */
public final class ClassifyBench {
  static final Instant AS_OF = Instant.parse("2026-11-24T00:00:00Z");
  static final int BUCKETS = 40;
  static final int SERVICES = 30;

  public static void main(String[] args) {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--rows", "20000000", "--rules", "500", "--runs", "3",
        "--partitions", "16"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    long rows = Long.parseLong(a.get("--rows"));
    int ruleCount = Integer.parseInt(a.get("--rules"));
    int runs = Integer.parseInt(a.get("--runs"));
    SparkSession spark = SparkSessions.getOrCreate(LakevaultConfig.of(Map.of()), "lakevault-bench-classify");
    String yaml = policy(ruleCount, new Random(500));
    Policy policy = PolicyParser.parse("bench-policy.yaml", yaml.getBytes(StandardCharsets.UTF_8));
    System.out.printf("classify benchmark: %,d rows, %d rules, %d runs each, %d cores, heap %d MiB%n", rows,
        policy.rules().size(), runs, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);

    long t0 = System.nanoTime();
    Dataset<Row> inventory = inventory(spark, rows, Integer.parseInt(a.get("--partitions")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long n = inventory.count();
    System.out.printf("inventory of %,d rows built and cached in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);

    Column compiled = new RuleCompiler(policy, AS_OF).decidingRule();
    spark.udf().register("naive_classify", new NaiveClassifier(policy), DataTypes.IntegerType);
    Column naive = callUDF("naive_classify", col("bucket"), col("key"), col("is_latest"), col("is_delete_marker"),
        col("size"), col("last_modified_date"), col("storage_class"), col("encryption_status"), col("object_lock_mode"),
        col("object_lock_legal_hold_status"));

    // Same answers on every row (a sample of 200,000 rows), and how the rows are decided.
    Dataset<Row> sample = inventory.limit(200_000);
    long disagree = sample.select(compiled.as("c"), naive.as("u")).where(expr("NOT (c <=> u)")).count();
    if (disagree != 0) throw new IllegalStateException(disagree + " rows decided differently by the compiled rules and the UDF");
    long unmatched = sample.select(compiled.as("c")).where(col("c").isNull()).count();
    System.out.printf("compiled and UDF agree on a 200,000-row sample; %.1f%% of it unmatched%n", 100.0 * unmatched / 200_000);

    double[] c = new double[runs];
    double[] u = new double[runs];
    double[] s = new double[runs];
    Column scan = expr("hash(bucket, key, is_latest, is_delete_marker, size, last_modified_date, storage_class,"
        + " encryption_status, object_lock_mode, object_lock_legal_hold_status)");
    boolean wholeStage = Boolean.parseBoolean(a.getOrDefault("--whole-stage", "false"));
    for (int r = 0; r < runs; r++) {
      s[r] = wholeStage ? time(inventory.select(scan.as("rule")))
          : RuleCompiler.evaluate(spark, () -> time(inventory.select(scan.as("rule"))));
      c[r] = wholeStage ? time(inventory.select(compiled.as("rule")))
          : RuleCompiler.evaluate(spark, () -> time(inventory.select(compiled.as("rule"))));
      u[r] = time(inventory.select(naive.as("rule")));
      System.out.printf("  run %d: compiled %6.1f s (%,11.0f rows/s)   UDF %6.1f s (%,11.0f rows/s)   reading the rows alone %5.1f s%n",
          r + 1, c[r], n / c[r], u[r], n / u[r], s[r]);
    }
    double mc = median(c);
    double mu = median(u);
    System.out.printf("%nmedians: compiled %.1f s (%,.0f rows/s), UDF %.1f s (%,.0f rows/s): compiled/UDF throughput %.1fx%n",
        mc, n / mc, mu, n / mu, mu / mc);
  }

  private static double time(Dataset<Row> d) {
    long t = System.nanoTime();
    d.write().format("noop").mode("overwrite").save();
    return (System.nanoTime() - t) / 1e9;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Synthetic inventory rows with the columns rules read; deterministic in the row id. */
  static Dataset<Row> inventory(SparkSession spark, long rows, int partitions) {
    Column id = col("id");
    Column h = expr("xxhash64(id)");
    Column svc = expr("pmod(xxhash64(id, 1), " + (SERVICES + 3) + ")"); // a few services no rule names
    Column ext = element_at(expr("array('json', 'csv', 'parquet', 'tmp', 'bin', 'log')"),
        expr("cast(pmod(xxhash64(id, 2), 6) + 1 as int)"));
    Column day = expr("date_add(DATE'2016-01-01', cast(pmod(xxhash64(id, 3), 3900) as int))");
    return spark.range(0, rows, 1, partitions).select(
        format_string("lake-%02d", expr("pmod(xxhash64(id, 4), " + (BUCKETS + 2) + ")")).as("bucket"),
        concat(format_string("svc-%02d/", svc), expr("date_format(" + day.expr().sql() + ", 'yyyy/MM/dd')"),
            lit("/part-"), id.cast("string"), lit("."), ext).as("key"),
        expr("pmod(xxhash64(id, 5), 5) <> 0").as("is_latest"),
        expr("pmod(xxhash64(id, 6), 40) = 0").as("is_delete_marker"),
        expr("cast(pow(2, pmod(xxhash64(id, 7), 28)) as bigint) + pmod(id, 1000)").as("size"),
        expr("cast(" + day.expr().sql() + " as timestamp) + make_interval(0, 0, 0, 0, 0, 0, pmod(id, 86400))").as("last_modified_date"),
        element_at(expr("array('STANDARD', 'STANDARD', 'STANDARD', 'STANDARD_IA', 'GLACIER', 'INTELLIGENT_TIERING')"),
            expr("cast(pmod(xxhash64(id, 8), 6) + 1 as int)")).as("storage_class"),
        element_at(expr("array('SSE-S3', 'SSE-S3', 'SSE-KMS', 'NOT-SSE')"), expr("cast(pmod(xxhash64(id, 9), 4) + 1 as int)"))
            .as("encryption_status"),
        when(expr("pmod(xxhash64(id, 10), 10) = 0"), lit("COMPLIANCE")).as("object_lock_mode"),
        when(expr("pmod(xxhash64(id, 11), 50) = 0"), lit("ON")).otherwise(lit("OFF")).as("object_lock_legal_hold_status"),
        h.as("h"));
  }

  /** A policy in the shape real ones take; see the class comment. */
  static String policy(int rules, Random r) {
    StringBuilder y = new StringBuilder("""
        version: 1
        classes:
          records-7y: {retain: 7y, lock: COMPLIANCE}
          records-6y: {retain: 6y}
          ops-90d: {retain: 90d, storage-class: GLACIER_IR}
          archive-3y: {retain: 3y, from: archive}
        rules:
          - id: staging
            priority: 100
            match: {glob: '**/_temporary/**'}
            exclude: staging
          - id: tmp
            priority: 100
            match: {glob: '**/*.tmp'}
            exclude: temporary
          - id: empty
            priority: 90
            match: {size: {less-than: 1}}
            exclude: empty
          - id: already-archived
            priority: 90
            match: {storage-class: [GLACIER, DEEP_ARCHIVE]}
            exclude: already in an archive class
          - id: on-hold
            priority: 80
            match: {legal-hold: true}
            class: records-7y
        """);
    String[] classes = {"records-7y", "records-6y", "ops-90d", "archive-3y"};
    int written = 5;
    for (int b = 0; b < BUCKETS && written < rules; b++) {
      for (int s = 0; s < SERVICES && written < rules; s++) {
        String prefix = String.format(Locale.ROOT, "svc-%02d/", s);
        y.append(String.format(Locale.ROOT, "  - id: lake-%02d-svc-%02d%n    priority: 10%n    match: {bucket: lake-%02d, prefix: '%s'",
            b, s, b, prefix));
        switch (r.nextInt(6)) {
          case 0 -> y.append(", size: {at-least: 1 KiB}");
          case 1 -> y.append(", age: {at-least: 90d}");
          case 2 -> y.append(", latest: true");
          case 3 -> y.append(", glob: '").append(prefix).append("**.json'");
          case 4 -> y.append(", encryption: [SSE-S3, SSE-KMS]");
          default -> { }
        }
        y.append("}\n    class: ").append(classes[r.nextInt(classes.length)]).append('\n');
        written++;
      }
    }
    return y.toString();
  }

  /** The naive way: every row through the reference evaluator, rules tried one by one. */
  static final class NaiveClassifier implements UDF10<String, String, Boolean, Boolean, Long, Timestamp, String, String,
      String, String, Integer> {
    private static final long serialVersionUID = 1L;
    private final Policy policy;
    private transient PolicyEvaluator evaluator;
    private transient Map<Rule, Integer> rank;

    NaiveClassifier(Policy policy) {
      this.policy = policy;
    }

    @Override
    public Integer call(String bucket, String key, Boolean latest, Boolean marker, Long size, Timestamp lastModified,
        String storageClass, String encryption, String lockMode, String legalHold) {
      if (evaluator == null) {
        evaluator = new PolicyEvaluator(policy);
        rank = new HashMap<>();
        List<Rule> order = new ArrayList<>(policy.precedence());
        for (int i = 0; i < order.size(); i++) rank.put(order.get(i), i);
      }
      PolicyEvaluator.Decision d = evaluator.decide(new ObjectFacts(bucket, key, null, latest, marker, size,
          lastModified == null ? null : lastModified.toInstant(), storageClass, encryption, lockMode, legalHold), AS_OF);
      return d.matched() ? rank.get(d.rule()) : null;
    }
  }
}
