package io.lakevault.classify;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.lakevault.core.archive.ArchiveFrontier;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.policy.Rule;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Inventory rows in, classified rows out (the {@code classified} table's columns): the compiled
 * decision tree gives the deciding rule's index, and everything else about the decision (rule id,
 * class, retention period) is read from small literal arrays by that index.
 */
final class Classifier {
  static final String ARCHIVE = "ARCHIVE";
  static final String EXCLUDE = "EXCLUDE";
  static final String UNMATCHED = "UNMATCHED";

  private Classifier() {}

  /**
   * The {@code classified} table's columns, in its order.
   *
   * @param pending what {@code archive_pending} marks ({@link PendingFlags}); when it is not "all", the
   *     inventory rows carry {@link PendingFlags#CHANGED}
   */
  static Dataset<Row> classify(Dataset<Row> inventory, Policy policy, Instant asOf, String runId,
      ArchiveFrontier.Plan pending) {
    List<Rule> order = policy.precedence();
    Column rank = new RuleCompiler(policy, asOf).decidingRule();
    Column i = col("_rank").plus(1);
    Column ruleId = element_at(strings(order, Rule::id), i);
    Column className = element_at(strings(order, r -> r.excluded() ? null : r.className()), i);
    Column excluded = element_at(array(order.stream().map(r -> lit(r.excluded())).toArray(Column[]::new)), i);
    Column months = element_at(ints(order, policy, c -> c.retain().months()), i);
    Column days = element_at(ints(order, policy, c -> c.retain().days()), i);
    Column fromArchive = element_at(array(order.stream()
        .map(r -> lit(!r.excluded() && policy.classOf(r).anchor() == RetentionClass.Anchor.ARCHIVED)).toArray(Column[]::new)), i);
    Dataset<Row> d = inventory.withColumn("_rank", rank)
        .withColumn("_months", months).withColumn("_days", days)
        .withColumn("_base", when(fromArchive, lit(Timestamp.from(asOf))).otherwise(col("last_modified_date")));
    Column decision = when(col("_rank").isNull(), lit(UNMATCHED)).when(excluded, lit(EXCLUDE)).otherwise(lit(ARCHIVE));
    Column pendingWhy = lit(true);
    if (!pending.all()) {
      // The same rules as of the frontier: a version they did not archive then, and that has not changed
      // since, is pending only if its decision turned to ARCHIVE as time passed.
      Column was = new RuleCompiler(policy, pending.baselineAsOf()).decidingRule();
      d = d.withColumn("_was", was);
      Column archivedThen = col("_was").isNotNull().and(not(element_at(array(order.stream().map(r -> lit(r.excluded()))
          .toArray(Column[]::new)), col("_was").plus(1))));
      Column whole = lit(false);
      for (ArchiveFrontier.ConfigPlan c : pending.whole()) {
        whole = whole.or(col("source_bucket").equalTo(c.sourceBucket()).and(col("config_id").equalTo(c.configId())));
      }
      pendingWhy = whole.or(coalesce(col(PendingFlags.CHANGED), lit(false))).or(not(archivedThen));
    }
    // Months first, then days, in the session time zone (UTC): the same arithmetic as Period.addTo.
    Column retainUntil = when(className.isNotNull(), expr("timestampadd(DAY, _days, timestampadd(MONTH, _months, _base))"));
    Dataset<Row> decided = d.withColumn("decision", decision).withColumn("retention_class", className)
        .withColumn("rule_id", ruleId).withColumn("retain_until", retainUntil)
        .withColumn("pack_group", when(col("decision").equalTo(ARCHIVE), concat_ws("/", col("retention_class"),
            date_format(col("retain_until"), "yyyy-MM"), col("bucket"))))
        .withColumn("policy_sha256", lit(policy.sha256()))
        .withColumn("classified_at", lit(Timestamp.from(asOf)))
        .withColumn("run_id", lit(runId))
        .withColumn("archive_pending", col("decision").equalTo(ARCHIVE).and(pendingWhy));
    return decided.select(Arrays.stream(CatalogTable.CLASSIFIED.schema().fieldNames()).map(functions::col)
        .toArray(Column[]::new));
  }

  private static Column strings(List<Rule> order, Function<Rule, String> f) {
    return array(order.stream().map(r -> lit(f.apply(r)).cast("string")).toArray(Column[]::new));
  }

  private static Column ints(List<Rule> order, Policy policy, Function<RetentionClass, Integer> f) {
    return array(order.stream().map(r -> lit(r.excluded() ? 0 : f.apply(policy.classOf(r)))).toArray(Column[]::new));
  }
}
