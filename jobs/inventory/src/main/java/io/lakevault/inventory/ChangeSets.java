package io.lakevault.inventory;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Change sets: a report compared with the previous report of the same source bucket and
 * configuration, by (bucket, key, version id) in all-versions reports and (bucket, key) in
 * current-version reports.
 *
 * <ul>
 *   <li>NEW: an identity the previous report did not have (everything, in a first report);
 *   <li>CHANGED: the same identity with a different ETag, size or last-modified date;
 *   <li>DELETED: an identity the previous report had and this one does not, or a delete marker that
 *       is new and latest (the object was deleted in a versioned bucket).
 * </ul>
 */
final class ChangeSets {
  private ChangeSets() {}

  /** Writes the report's change set (replacing any earlier one) and returns {new, changed, deleted}. */
  static long[] write(Catalog catalog, ResolvedReport r, Instant reportTime, LocalDate reportDate, Instant previous,
      String runId) {
    String scope = "source_bucket = " + InventoryJob.sql(r.manifest().sourceBucket()) + " AND config_id = "
        + InventoryJob.sql(r.configId());
    Dataset<Row> inventory = catalog.read(CatalogTable.INVENTORY);
    Dataset<Row> cur = inventory.where(scope + " AND report_date = DATE'" + reportDate + "' AND report_time = "
        + InventoryJob.ts(reportTime)).alias("c");
    boolean allVersions = r.manifest().schema().allVersions();
    Dataset<Row> changes;
    if (previous == null) {
      changes = cur.select(rowOf(lit("NEW"), "c", "c", null));
    } else {
      LocalDate prevDate = previous.atZone(ZoneOffset.UTC).toLocalDate();
      Dataset<Row> prev = inventory.where(scope + " AND report_date = DATE'" + prevDate + "' AND report_time = "
          + InventoryJob.ts(previous)).alias("p");
      Column on = col("c.bucket").equalTo(col("p.bucket")).and(col("c.key").equalTo(col("p.key")));
      if (allVersions) on = on.and(col("c.version_id").eqNullSafe(col("p.version_id")));
      Dataset<Row> joined = cur.join(prev, on, "full_outer");
      Column same = col("c.e_tag").eqNullSafe(col("p.e_tag")).and(col("c.size").eqNullSafe(col("p.size")))
          .and(col("c.last_modified_date").eqNullSafe(col("p.last_modified_date")));
      Column newMarker = coalesce(col("c.is_delete_marker"), lit(false)).and(coalesce(col("c.is_latest"), lit(false)));
      Column change = when(col("p.key").isNull(), when(newMarker, lit("DELETED")).otherwise(lit("NEW")))
          .when(col("c.key").isNull(), lit("DELETED"))
          .when(not(same), lit("CHANGED"));
      changes = joined.select(rowOf(change, "c", "p", previous)).where(col("change").isNotNull());
    }
    Dataset<Row> out = changes.select(
        col("change"), col("bucket"), col("key"), col("version_id"), col("is_delete_marker"), col("size"),
        col("last_modified_date"), col("e_tag"), col("storage_class"), col("previous_size"),
        col("previous_last_modified_date"), col("previous_e_tag"),
        lit(r.manifest().sourceBucket()).as("source_bucket"), lit(r.configId()).as("config_id"),
        lit(Timestamp.from(reportTime)).as("report_time"), lit(Date.valueOf(reportDate)).as("report_date"),
        (previous == null ? lit(null).cast("timestamp") : lit(Timestamp.from(previous))).as("previous_report_time"),
        lit(runId).as("ingest_run_id"));
    out.write().format("delta").mode("overwrite")
        .option("replaceWhere", scope + " AND report_date = DATE'" + reportDate + "'")
        .save(catalog.path(CatalogTable.INVENTORY_CHANGES));
    long[] counts = new long[3];
    List<Row> byChange = catalog.read(CatalogTable.INVENTORY_CHANGES)
        .where(scope + " AND report_date = DATE'" + reportDate + "'").groupBy("change").count().collectAsList();
    for (Row c : byChange) {
      int i = switch (c.getString(0)) {
        case "NEW" -> 0;
        case "CHANGED" -> 1;
        default -> 2;
      };
      counts[i] = c.getLong(1);
    }
    return counts;
  }

  /** The change row's columns: identity from whichever side has it, values from now, previous values from before. */
  private static Column[] rowOf(Column change, String now, String before, Instant previous) {
    boolean hasPrevious = previous != null;
    return new Column[] {
        change.as("change"),
        coalesce(col(now + ".bucket"), col(before + ".bucket")).as("bucket"),
        coalesce(col(now + ".key"), col(before + ".key")).as("key"),
        coalesce(col(now + ".version_id"), col(before + ".version_id")).as("version_id"),
        coalesce(col(now + ".is_delete_marker"), col(before + ".is_delete_marker")).as("is_delete_marker"),
        col(now + ".size").as("size"), col(now + ".last_modified_date").as("last_modified_date"),
        col(now + ".e_tag").as("e_tag"), col(now + ".storage_class").as("storage_class"),
        (hasPrevious ? col(before + ".size") : lit(null).cast("bigint")).as("previous_size"),
        (hasPrevious ? col(before + ".last_modified_date") : lit(null).cast("timestamp")).as("previous_last_modified_date"),
        (hasPrevious ? col(before + ".e_tag") : lit(null).cast("string")).as("previous_e_tag")};
  }
}
