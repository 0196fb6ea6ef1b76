package io.lakevault.bench;

import static org.apache.spark.sql.functions.col;

import io.lakevault.classify.RuleCompiler;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.spark.SparkSessions;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Where the compiled policy spends its time, per kind of bucket (with rules, without), net of reading
 * the rows; a diagnostic for {@link RuleCompiler}, not a benchmark figure.
 *
 * <pre>bench/run ClassifyProbe [--rules R] [--whole-stage true]</pre>
 */
public final class ClassifyProbe {
  public static void main(String[] args) {
    Map<String, String> a = new java.util.HashMap<>(Map.of("--rules", "500", "--whole-stage", "false"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    int rules = Integer.parseInt(a.get("--rules"));
    boolean wholeStage = Boolean.parseBoolean(a.get("--whole-stage"));
    SparkSession spark = SparkSessions.getOrCreate(LakevaultConfig.of(Map.of()), "probe");
    Policy policy = PolicyParser.parse("p", ClassifyBench.policy(rules, new Random(500)).getBytes(StandardCharsets.UTF_8));
    Dataset<Row> inv = ClassifyBench.inventory(spark, 2_000_000, 16).persist(StorageLevel.MEMORY_AND_DISK());
    inv.count();
    Column compiled = new RuleCompiler(policy, ClassifyBench.AS_OF).decidingRule();
    for (String where : new String[] {"bucket = 'lake-00'", "bucket = 'lake-16'", "bucket = 'lake-41'", "true"}) {
      Dataset<Row> d = inv.where(where).persist(StorageLevel.MEMORY_AND_DISK());
      long n = d.count();
      for (int i = 0; i < 3; i++) {
        long t = System.nanoTime();
        if (wholeStage) {
          d.select(compiled.as("r")).write().format("noop").mode("overwrite").save();
        } else {
          RuleCompiler.evaluate(spark, () -> {
            d.select(compiled.as("r")).write().format("noop").mode("overwrite").save();
            return null;
          });
        }
        double s = (System.nanoTime() - t) / 1e9;
        long t2 = System.nanoTime();
        RuleCompiler.evaluate(spark, () -> {
          d.select(col("key")).write().format("noop").mode("overwrite").save();
          return null;
        });
        double b = (System.nanoTime() - t2) / 1e9;
        System.out.printf("%-20s %,9d rows: compiled %.2f s, key alone %.2f s -> %.0f ns/row net%n", where, n, s, b, (s - b) * 2e9 / n);
      }
      d.unpersist();
    }
  }
}
