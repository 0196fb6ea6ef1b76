package io.lakevault.classify;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_seconds;
import static org.apache.spark.sql.functions.when;

import io.lakevault.core.config.Sizes;
import io.lakevault.core.cost.ClassVolume;
import io.lakevault.core.cost.CostModel;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.policy.Rule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Aggregates classified rows into the per-class report: three grouped scans whose results are
 * bounded by classes, rules, size bins and pack groups, never by objects.
 */
public final class ClassificationReport {
  /** Upper bounds of the size histogram's bins; a last bin holds everything from 1 GiB. */
  static final long[] BOUNDS = {4L << 10, 64L << 10, 1L << 20, 16L << 20, 128L << 20, 1L << 30};
  static final String NO_SIZE = "delete markers";
  private static final int TOP_PREFIXES = 20;
  private static final int EXAMPLES = 10;

  private ClassificationReport() {}

  static String binLabel(int bin) {
    if (bin < 0) return NO_SIZE;
    String from = bin == 0 ? "0 B" : Sizes.format(BOUNDS[bin - 1]);
    return bin == BOUNDS.length ? ">= " + from : from + " - " + Sizes.format(BOUNDS[bin]);
  }

  public record Aggregates(Map<String, ClassifyResult.Volume> totals, List<ClassifyResult.ClassSummary> classes,
      List<ClassifyResult.RuleSummary> rules, ClassifyResult.Unmatched unmatched) {}

  public static Aggregates compute(Dataset<Row> classified, Policy policy, PriceTable prices, Instant asOf) {
    Map<String, RetentionClass> classes = policy.classes();
    Column size = coalesce(col("size"), lit(0L));
    Column bin = lit(BOUNDS.length);
    for (int b = BOUNDS.length - 1; b >= 0; b--) bin = when(col("size").lt(BOUNDS[b]), lit(b)).otherwise(bin);
    bin = when(col("size").isNull(), lit(-1)).otherwise(bin);
    Column minDays = perClass(classes, c -> lit(prices.minimumDays(c.storageClass())), lit(0));
    Column minBillable = perClass(classes, c -> lit(prices.minimumBillableBytes(c.storageClass())), lit(0L));
    Column packSize = perClass(classes, c -> lit(c.packSize()), lit(Long.MAX_VALUE));
    Column remaining = unix_seconds(col("retain_until")).minus(asOf.getEpochSecond()).divide(86_400.0);
    Column days = greatest(coalesce(remaining, lit(0.0)), minDays.cast("double"));
    Column ratio = compressionRatio(prices);
    Column billable = greatest(size, minBillable);
    Dataset<Row> measured = classified.select(col("decision"), col("retention_class"), col("rule_id"), col("bucket"),
        col("key"), col("pack_group"), size.as("_size"), bin.as("_bin"), days.as("_days"), billable.as("_billable"),
        size.multiply(ratio).as("_compressed"), packSize.as("_pack_size"));

    List<Row> byBin = measured.groupBy("decision", "retention_class", "rule_id", "_bin")
        .agg(count(lit(1)), sum("_size"), sum("_billable"), sum("_compressed"), sum("_days"),
            sum(col("_size").multiply(col("_days"))), sum(col("_billable").multiply(col("_days"))),
            sum(col("_compressed").multiply(col("_days"))))
        .collectAsList();
    List<Row> byGroup = measured.where(col("decision").equalTo(Classifier.ARCHIVE))
        .groupBy("retention_class", "pack_group")
        .agg(sum(when(col("_size").lt(col("_pack_size")), col("_compressed")).otherwise(0.0)),
            count(when(col("_size").geq(col("_pack_size")), lit(1))))
        .collectAsList();

    Map<String, ClassifyResult.Volume> totals = new LinkedHashMap<>();
    Map<String, ClassifyResult.Volume> perRule = new HashMap<>();
    Map<String, long[][]> histograms = new HashMap<>();
    Map<String, double[]> sums = new HashMap<>(); // objects, bytes, billable, compressed, days, byteDays, billableDays, compressedDays
    for (Row r : byBin) {
      String decision = r.getString(0);
      long objects = r.getLong(4);
      long bytes = r.isNullAt(5) ? 0 : r.getLong(5);
      totals.merge(decision, new ClassifyResult.Volume(objects, bytes), (a, b) -> a.plus(b.objects(), b.bytes()));
      if (!r.isNullAt(2)) {
        perRule.merge(r.getString(2), new ClassifyResult.Volume(objects, bytes), (a, b) -> a.plus(b.objects(), b.bytes()));
      }
      if (!Classifier.ARCHIVE.equals(decision)) continue;
      String cls = r.getString(1);
      int b = r.getInt(3);
      long[][] h = histograms.computeIfAbsent(cls, k -> new long[BOUNDS.length + 2][2]);
      h[b + 1][0] += objects;
      h[b + 1][1] += bytes;
      double[] s = sums.computeIfAbsent(cls, k -> new double[8]);
      s[0] += objects;
      s[1] += bytes;
      for (int k = 2; k < 8; k++) s[k] += r.isNullAt(k + 4) ? 0 : ((Number) r.get(k + 4)).doubleValue();
    }
    Map<String, Long> packs = new HashMap<>();
    for (Row r : byGroup) {
      RetentionClass c = classes.get(r.getString(0));
      double smallCompressed = r.isNullAt(2) ? 0 : r.getDouble(2);
      long large = r.getLong(3);
      packs.merge(c.name(), (long) Math.ceil(smallCompressed / c.packSize()) + large, Long::sum);
    }

    CostModel model = new CostModel(prices);
    List<ClassifyResult.ClassSummary> summaries = new ArrayList<>();
    for (RetentionClass c : classes.values()) {
      double[] s = sums.getOrDefault(c.name(), new double[8]);
      long[][] h = histograms.getOrDefault(c.name(), new long[BOUNDS.length + 2][2]);
      List<ClassifyResult.Bin> bins = new ArrayList<>();
      for (int b = 0; b < h.length; b++) bins.add(new ClassifyResult.Bin(binLabel(b - 1), h[b][0], h[b][1]));
      ClassVolume v = new ClassVolume(c.name(), c.storageClass(), c.packSize(), (long) s[0], (long) s[1], (long) s[2],
          s[4], s[5], s[6], s[3], s[7], packs.getOrDefault(c.name(), 0L));
      summaries.add(new ClassifyResult.ClassSummary(c, new ClassifyResult.Volume((long) s[0], (long) s[1]), bins,
          model.compare(v)));
    }
    List<ClassifyResult.RuleSummary> rules = new ArrayList<>();
    for (Rule r : policy.precedence()) {
      rules.add(new ClassifyResult.RuleSummary(r.id(), r.action(), perRule.getOrDefault(r.id(), ClassifyResult.Volume.ZERO)));
    }
    return new Aggregates(totals, summaries, rules, unmatched(measured, totals));
  }

  private static ClassifyResult.Unmatched unmatched(Dataset<Row> measured, Map<String, ClassifyResult.Volume> totals) {
    ClassifyResult.Volume volume = totals.getOrDefault(Classifier.UNMATCHED, ClassifyResult.Volume.ZERO);
    if (volume.objects() == 0) return new ClassifyResult.Unmatched(volume, List.of(), List.of());
    Dataset<Row> u = measured.where(col("decision").equalTo(Classifier.UNMATCHED));
    List<ClassifyResult.PrefixCount> top = new ArrayList<>();
    // The first two levels of the key: where in the lake the policy has a gap.
    Column prefix = when(col("key").contains("/"), substring_index(col("key"), "/", 2)).otherwise(lit(""));
    for (Row r : u.groupBy(col("bucket"), prefix.as("prefix")).agg(count(lit(1)).as("n"), sum("_size"))
        .orderBy(col("n").desc(), col("bucket"), col("prefix")).limit(TOP_PREFIXES).collectAsList()) {
      top.add(new ClassifyResult.PrefixCount(r.getString(0), r.getString(1), r.getLong(2), r.isNullAt(3) ? 0 : r.getLong(3)));
    }
    List<String> examples = new ArrayList<>();
    for (Row r : u.select("bucket", "key").orderBy("bucket", "key").limit(EXAMPLES).collectAsList()) {
      examples.add("s3://" + r.getString(0) + "/" + r.getString(1));
    }
    return new ClassifyResult.Unmatched(volume, top, examples);
  }

  /** A value per retention class, by CASE on the class name (a handful of classes). */
  private static Column perClass(Map<String, RetentionClass> classes, Function<RetentionClass, Column> f, Column otherwise) {
    Column c = null;
    for (RetentionClass rc : classes.values()) {
      Column test = col("retention_class").equalTo(rc.name());
      c = c == null ? when(test, f.apply(rc)) : c.when(test, f.apply(rc));
    }
    return c == null ? otherwise : c.otherwise(otherwise);
  }

  /** The price table's compression estimate by key extension. */
  private static Column compressionRatio(PriceTable prices) {
    Column k = lower(col("key"));
    Column text = null;
    for (String e : PriceTable.TEXT_EXTENSIONS) text = text == null ? k.endsWith(e) : text.or(k.endsWith(e));
    Column packed = null;
    for (String e : PriceTable.COMPRESSED_EXTENSIONS) packed = packed == null ? k.endsWith(e) : packed.or(k.endsWith(e));
    return when(text, lit(prices.compressionRatio(PriceTable.ContentFamily.TEXT)))
        .when(packed, lit(prices.compressionRatio(PriceTable.ContentFamily.COMPRESSED)))
        .otherwise(lit(prices.compressionRatio(PriceTable.ContentFamily.OTHER)));
  }
}
