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
 *   <li>NEW: an identity the previous report did not have (a first report is all NEW, and is not
 *       copied: see {@link #write});
 *   <li>CHANGED: the same identity with a different ETag, size or last-modified date;
 *   <li>DELETED: an identity the previous report had and this one does not, or a delete marker that
 *       is new and latest (the object was deleted in a versioned bucket).
 * </ul>
 */
final class ChangeSets {
  private ChangeSets() {}

  /**
   * Writes the change set of a report that has a previous report (replacing any earlier one) and returns
   * {new, changed, deleted}.
   */
  static long[] write(Catalog catalog, ResolvedReport r, Instant reportTime, LocalDate reportDate, Instant previous,
      String runId) {
    String scope = "source_bucket = " + InventoryJob.sql(r.manifest().sourceBucket()) + " AND config_id = "
        + InventoryJob.sql(r.configId());
    Dataset<Row> inventory = catalog.read(CatalogTable.INVENTORY);
    Dataset<Row> cur = inventory.where(scope + " AND report_date = DATE'" + reportDate + "' AND report_time = "
        + InventoryJob.ts(reportTime)).alias("c");
    boolean allVersions = r.manifest().schema().allVersions();
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
    Dataset<Row> changes = joined.select(rowOf(change)).where(col("change").isNotNull());
    Dataset<Row> out = changes.select(
        col("change"), col("bucket"), col("key"), col("version_id"), col("is_delete_marker"), col("size"),
        col("last_modified_date"), col("e_tag"), col("storage_class"), col("previous_size"),
        col("previous_last_modified_date"), col("previous_e_tag"),
        lit(r.manifest().sourceBucket()).as("source_bucket"), lit(r.configId()).as("config_id"),
        lit(Timestamp.from(reportTime)).as("report_time"), lit(Date.valueOf(reportDate)).as("report_date"),
        lit(Timestamp.from(previous)).as("previous_report_time"),
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

  /**
   * A first report is all new. It is not copied into inventory_changes: the ledger records
   * previous_report_time NULL and new_versions = rows, and readers take the report's inventory
   * partition itself. This clears a change set an earlier ingestion of the same day may have written.
   */
  static void clear(Catalog catalog, ResolvedReport r, LocalDate reportDate) {
    catalog.table(CatalogTable.INVENTORY_CHANGES).delete(scope(r, reportDate));
  }

  /** Whether an earlier ingestion of the same day left a change set that {@link #clear} would remove. */
  static boolean exists(Catalog catalog, ResolvedReport r, LocalDate reportDate) {
    return !catalog.read(CatalogTable.INVENTORY_CHANGES).where(scope(r, reportDate)).isEmpty();
  }

  private static String scope(ResolvedReport r, LocalDate reportDate) {
    return "source_bucket = " + InventoryJob.sql(r.manifest().sourceBucket()) + " AND config_id = "
        + InventoryJob.sql(r.configId()) + " AND report_date = DATE'" + reportDate + "'";
  }

  /** The change row's columns: identity from whichever side has it, values now and before. */
  private static Column[] rowOf(Column change) {
    return new Column[] {
        change.as("change"),
        coalesce(col("c.bucket"), col("p.bucket")).as("bucket"),
        coalesce(col("c.key"), col("p.key")).as("key"),
        coalesce(col("c.version_id"), col("p.version_id")).as("version_id"),
        coalesce(col("c.is_delete_marker"), col("p.is_delete_marker")).as("is_delete_marker"),
        col("c.size").as("size"), col("c.last_modified_date").as("last_modified_date"),
        col("c.e_tag").as("e_tag"), col("c.storage_class").as("storage_class"),
        col("p.size").as("previous_size"), col("p.last_modified_date").as("previous_last_modified_date"),
        col("p.e_tag").as("previous_e_tag")};
  }
}
