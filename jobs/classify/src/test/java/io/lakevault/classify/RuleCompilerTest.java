package io.lakevault.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.policy.ObjectFacts;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyEvaluator;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.spark.SharedSpark;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The compiled decision tree decides exactly as the reference evaluator, on random policies over
 * random objects (nulls, delete markers, unicode and newlines in keys included).
 */
class RuleCompilerTest {
  static final Instant AS_OF = Instant.parse("2026-11-24T12:00:00Z");
  static final String[] BUCKETS = {"b-one", "b-two", "b-three"};
  static final String[] PREFIXES = {"a/", "a/b/", "a/b/c/", "b/", "c/d/", "a/bc/"};
  static final String[] GLOBS = {"'**.json'", "'a/*/x.csv'", "'**/*.tmp'", "'a/**'", "'a/b/c/**'", "'?/**.bin'", "'**/'"};
  static final String[] REGEXES = {"'a/.*\\.json'", "'[bc]/.*'", "'.*\\n.*'"};
  static final String[] STORAGE = {"STANDARD", "STANDARD_IA", "GLACIER", "INTELLIGENT_TIERING"};
  static final String[] ENCRYPTION = {"NOT-SSE", "SSE-S3", "SSE-KMS"};
  static final String[] LOCK = {"COMPLIANCE", "GOVERNANCE", "none"};

  static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.IntegerType, false).add("bucket", DataTypes.StringType).add("key", DataTypes.StringType)
      .add("version_id", DataTypes.StringType).add("is_latest", DataTypes.BooleanType)
      .add("is_delete_marker", DataTypes.BooleanType).add("size", DataTypes.LongType)
      .add("last_modified_date", DataTypes.TimestampType).add("storage_class", DataTypes.StringType)
      .add("encryption_status", DataTypes.StringType).add("object_lock_mode", DataTypes.StringType)
      .add("object_lock_legal_hold_status", DataTypes.StringType);

  @Test
  void compiledRulesDecideAsTheReferenceEvaluator() {
    Random r = new Random(20261124);
    List<ObjectFacts> objects = new ArrayList<>();
    for (int i = 0; i < 3000; i++) objects.add(randomObject(r));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) rows.add(row(i, objects.get(i)));
    Dataset<Row> df = SharedSpark.session().createDataFrame(rows, SCHEMA).cache();
    int decided = 0;
    for (int p = 0; p < 12; p++) {
      String yaml = randomPolicy(r, 3 + r.nextInt(25));
      Policy policy = PolicyParser.parse("random-" + p + ".yaml", yaml.getBytes(StandardCharsets.UTF_8));
      Map<Integer, Integer> compiled = new HashMap<>();
      for (Row row : df.select(df.col("id"), new RuleCompiler(policy, AS_OF).decidingRule()).collectAsList()) {
        compiled.put(row.getInt(0), row.isNullAt(1) ? null : row.getInt(1));
      }
      PolicyEvaluator reference = new PolicyEvaluator(policy);
      for (int i = 0; i < objects.size(); i++) {
        PolicyEvaluator.Decision d = reference.decide(objects.get(i), AS_OF);
        Integer expected = d.matched() ? policy.precedence().indexOf(d.rule()) : null;
        assertEquals(expected, compiled.get(i), "object " + objects.get(i) + " under policy:\n" + yaml);
        if (expected != null) decided++;
      }
    }
    assertTrue(decided > 3000, "the random policies must decide a fair share of objects to test anything: " + decided);
  }

  static ObjectFacts randomObject(Random r) {
    String bucket = r.nextInt(20) == 0 ? "b-other" : BUCKETS[r.nextInt(BUCKETS.length)];
    String[] dirs = {"a/", "a/b/", "a/b/c/", "a/bc/", "b/", "c/d/", "x/", "", "a/b/c/d/e/"};
    String[] names = {"x.csv", "f.json", "g.tmp", "h.bin", "données 日本.json", "line\nbreak.json", "k", "z.JSON", ""};
    String key = dirs[r.nextInt(dirs.length)] + names[r.nextInt(names.length)];
    if (key.isEmpty()) key = "root.bin";
    boolean marker = r.nextInt(10) == 0;
    Long size = marker || r.nextInt(30) == 0 ? null : (long) Math.pow(2, r.nextInt(32)) + r.nextInt(3) - 1;
    Instant lm = r.nextInt(30) == 0 ? null : AS_OF.minusSeconds((long) r.nextInt(3650) * 86_400 + r.nextInt(86_400));
    return new ObjectFacts(bucket, key, "v" + r.nextInt(3), r.nextInt(8) == 0 ? null : r.nextBoolean(),
        r.nextInt(8) == 0 ? null : marker, size, lm, pickOrNull(r, STORAGE), pickOrNull(r, ENCRYPTION),
        r.nextInt(3) == 0 ? (r.nextBoolean() ? "COMPLIANCE" : "GOVERNANCE") : null,
        r.nextInt(4) == 0 ? null : (r.nextBoolean() ? "ON" : "OFF"));
  }

  private static String pickOrNull(Random r, String[] values) {
    return r.nextInt(6) == 0 ? null : values[r.nextInt(values.length)];
  }

  static Row row(int id, ObjectFacts o) {
    return RowFactory.create(id, o.bucket(), o.key(), o.versionId(), o.isLatest(), o.isDeleteMarker(), o.size(),
        o.lastModified() == null ? null : Timestamp.from(o.lastModified()), o.storageClass(), o.encryptionStatus(),
        o.objectLockMode(), o.legalHoldStatus());
  }

  static String randomPolicy(Random r, int rules) {
    StringBuilder y = new StringBuilder("""
        version: 1
        classes:
          c1: {retain: 7y}
          c2: {retain: 30d, from: archive}
          c3: {retain: 1y 6mo}
        rules:
        """);
    for (int i = 0; i < rules; i++) {
      y.append("  - id: r").append(i).append('\n');
      y.append("    priority: ").append(r.nextInt(4)).append('\n');
      List<String> m = new ArrayList<>();
      if (r.nextInt(3) == 0) m.add("bucket: " + list(r, BUCKETS));
      if (r.nextInt(2) == 0) m.add("prefix: " + list(r, PREFIXES));
      if (r.nextInt(5) == 0) m.add("glob: " + GLOBS[r.nextInt(GLOBS.length)]);
      if (r.nextInt(8) == 0) m.add("regex: " + REGEXES[r.nextInt(REGEXES.length)]);
      if (r.nextInt(4) == 0) {
        long lo = 1L << r.nextInt(20);
        long hi = lo << (1 + r.nextInt(12));
        int shape = r.nextInt(3);
        m.add(shape == 0 ? "size: {at-least: " + lo + "}" : shape == 1 ? "size: {less-than: " + hi + "}"
            : "size: {at-least: " + lo + ", less-than: " + hi + "}");
      }
      if (r.nextInt(6) == 0) m.add(r.nextBoolean() ? "age: {at-least: " + r.nextInt(60) + "mo}" : "age: {less-than: " + (1 + r.nextInt(5)) + "y}");
      if (r.nextInt(8) == 0) m.add("last-modified: {from: 20" + (17 + r.nextInt(9)) + "-0" + (1 + r.nextInt(9)) + "-15}");
      if (r.nextInt(6) == 0) m.add("storage-class: " + list(r, STORAGE));
      if (r.nextInt(6) == 0) m.add("encryption: " + list(r, ENCRYPTION));
      if (r.nextInt(6) == 0) m.add("lock-mode: " + list(r, LOCK));
      if (r.nextInt(8) == 0) m.add("legal-hold: " + r.nextBoolean());
      if (r.nextInt(5) == 0) m.add("latest: " + r.nextBoolean());
      if (r.nextInt(6) == 0) m.add("delete-marker: " + (m.stream().anyMatch(s -> s.startsWith("size")) ? "false" : r.nextBoolean()));
      y.append("    match: {").append(String.join(", ", m)).append("}\n");
      int action = r.nextInt(5);
      y.append(action == 0 ? "    exclude: random\n" : "    class: c" + (1 + action % 3) + "\n");
    }
    return y.toString();
  }

  private static String list(Random r, String[] values) {
    List<String> out = new ArrayList<>();
    int n = 1 + r.nextInt(2);
    for (int i = 0; i < n; i++) out.add(values[r.nextInt(values.length)]);
    return "[" + String.join(", ", out.stream().distinct().toList()) + "]";
  }
}
