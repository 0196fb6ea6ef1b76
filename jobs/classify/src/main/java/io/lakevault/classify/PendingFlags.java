package io.lakevault.classify;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.lakevault.core.archive.ArchiveFrontier;
import io.lakevault.core.policy.Policy;
import io.lakevault.spark.catalog.ArchiveFrontiers;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code archive_pending} marks: the rows the next archive run must look at, relative to where the
 * last complete one left off ({@link ArchiveFrontier}). The archive reads only that partition of
 * {@code classified}, so a day's run costs the day's changes, not the catalog (docs/archive.md, "Daily runs").
 */
final class PendingFlags {
  private static final Logger LOG = LoggerFactory.getLogger(PendingFlags.class);
  /** The column, on inventory rows, that is true where the key changed since the frontier or its run skipped it. */
  static final String CHANGED = "_changed";
  /**
   * Changed keys are sent whole to every task up to this many (about 100 bytes each), so the inventory is
   * scanned without a shuffle; beyond, it is a shuffled join, as large as a change of that size is.
   */
  static final long BROADCAST_KEYS = 2_000_000;

  private PendingFlags() {}

  static ArchiveFrontier.Plan plan(Catalog catalog, Policy policy, LatestInventory inventory) {
    ArchiveFrontier frontier = ArchiveFrontiers.read(catalog);
    if (frontier != null && frontier.skippedUri() != null && !catalog.fileExists(frontier.skippedUri())) {
      return ArchiveFrontier.all("the sources archive run " + frontier.archiveRunId() + " skipped, "
          + frontier.skippedUri() + ", are missing");
    }
    // The ledger has one row per ingested report: thousands over years, never per object.
    List<ArchiveFrontier.Ingested> ledger = new ArrayList<>();
    for (Row r : catalog.read(CatalogTable.INVENTORY_REPORTS)
        .select("source_bucket", "config_id", "report_time", "previous_report_time").collectAsList()) {
      ledger.add(new ArchiveFrontier.Ingested(r.getString(0), r.getString(1), r.getTimestamp(2).toInstant(),
          r.isNullAt(3) ? null : r.getTimestamp(3).toInstant()));
    }
    ArchiveFrontier.Plan plan = ArchiveFrontier.plan(frontier, policy.sha256(), reports(inventory), ledger);
    for (ArchiveFrontier.ConfigPlan c : plan.whole()) {
      LOG.info("{}/{}: every version to archive is pending: {}", c.sourceBucket(), c.configId(), c.reason());
    }
    return plan;
  }

  static List<ArchiveFrontier.Report> reports(LatestInventory inventory) {
    return inventory.reports().stream()
        .map(r -> new ArchiveFrontier.Report(r.sourceBucket(), r.configId(), r.reportTime())).toList();
  }

  /** The inventory rows with {@link #CHANGED}, unless the plan marks everything. */
  static Dataset<Row> mark(Catalog catalog, ArchiveFrontier.Plan plan, Dataset<Row> rows) {
    if (plan.all()) return rows;
    Dataset<Row> keys = null;
    Column which = null;
    for (ArchiveFrontier.ConfigPlan c : plan.withChanges()) {
      for (Instant t : c.changeSets()) {
        Column one = col("source_bucket").equalTo(c.sourceBucket()).and(col("config_id").equalTo(c.configId()))
            .and(col("report_date").equalTo(Date.valueOf(LocalDate.ofInstant(t, ZoneOffset.UTC))))
            .and(col("report_time").equalTo(Timestamp.from(t)));
        which = which == null ? one : which.or(one);
      }
    }
    // Keys, not versions: a new version of a key, or a deleted one, can flip its siblings' is_latest.
    if (which != null) keys = catalog.read(CatalogTable.INVENTORY_CHANGES).where(which).select("bucket", "key");
    if (plan.skippedUri() != null) {
      Dataset<Row> skipped = catalog.spark().read().parquet(catalog.locations().hadoopPath(plan.skippedUri()))
          .select("bucket", "key");
      keys = keys == null ? skipped : keys.unionByName(skipped);
    }
    if (keys == null) return rows.withColumn(CHANGED, lit(null).cast("boolean"));
    keys = keys.distinct().select(col("bucket").as("_c_bucket"), col("key").as("_c_key"), lit(true).as(CHANGED));
    long n = keys.count();
    LOG.info("{} keys changed since the archive frontier ({})", n, plan.reason());
    Dataset<Row> right = n <= BROADCAST_KEYS ? broadcast(keys) : keys;
    return rows.join(right, col("bucket").equalTo(col("_c_bucket")).and(col("key").equalTo(col("_c_key"))), "left")
        .drop("_c_bucket", "_c_key");
  }
}
