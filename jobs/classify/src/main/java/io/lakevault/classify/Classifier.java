package io.lakevault.classify;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.policy.Rule;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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

  /** Columns in the {@code classified} table's order; a test holds them to its schema. */
  static Dataset<Row> classify(Dataset<Row> inventory, Policy policy, Instant asOf, String runId) {
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
    // Months first, then days, in the session time zone (UTC): the same arithmetic as Period.addTo.
    Column retainUntil = when(className.isNotNull(), expr("timestampadd(DAY, _days, timestampadd(MONTH, _months, _base))"));
    List<Column> out = new ArrayList<>();
    for (String c : List.of("bucket", "key", "version_id", "e_tag", "size", "last_modified_date", "is_latest",
        "is_delete_marker", "storage_class", "encryption_status", "is_multipart_uploaded", "checksum_algorithm")) {
      out.add(col(c));
    }
    out.add(decision.as("decision"));
    out.add(className.as("retention_class"));
    out.add(ruleId.as("rule_id"));
    out.add(retainUntil.as("retain_until"));
    out.add(col("config_id"));
    out.add(col("report_time"));
    Dataset<Row> classified = d.select(out.toArray(Column[]::new));
    return classified.select(
        col("bucket"), col("key"), col("version_id"),
        col("e_tag"), col("size"), col("last_modified_date"), col("is_latest"), col("is_delete_marker"),
        col("storage_class"), col("encryption_status"), col("is_multipart_uploaded"), col("checksum_algorithm"),
        col("decision"), col("retention_class"), col("rule_id"), col("retain_until"),
        when(col("decision").equalTo(ARCHIVE), concat_ws("/", col("retention_class"),
            date_format(col("retain_until"), "yyyy-MM"), col("bucket"))).as("pack_group"),
        col("config_id"), col("report_time"), lit(policy.sha256()).as("policy_sha256"),
        lit(Timestamp.from(asOf)).as("classified_at"), lit(runId).as("run_id"));
  }

  private static Column strings(List<Rule> order, Function<Rule, String> f) {
    return array(order.stream().map(r -> lit(f.apply(r)).cast("string")).toArray(Column[]::new));
  }

  private static Column ints(List<Rule> order, Policy policy, Function<RetentionClass, Integer> f) {
    return array(order.stream().map(r -> lit(r.excluded() ? 0 : f.apply(policy.classOf(r)))).toArray(Column[]::new));
  }
}
