package io.lakevault.classify;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The inventory rows classification works on: for every source bucket, the newest ingested report of
 * each of its configurations, all-versions configurations preferred (they hold noncurrent versions
 * and delete markers; a current-version report of the same bucket holds nothing they lack). When a
 * bucket has several such configurations (say, one per prefix), their rows are unioned and a version
 * in more than one is taken from the newest report.
 */
public final class LatestInventory {
  /** One chosen report. */
  public record Report(String sourceBucket, String configId, Instant reportTime, boolean allVersions, long rows) {}

  private final List<Report> reports;
  private final Dataset<Row> rows;

  private LatestInventory(List<Report> reports, Dataset<Row> rows) {
    this.reports = reports;
    this.rows = rows;
  }

  public static LatestInventory of(Catalog catalog) {
    if (!catalog.exists(CatalogTable.INVENTORY_REPORTS)) throw noInventory(catalog);
    // The ledger has one row per ingested report: thousands over years, never per object.
    List<Row> ledger = catalog.read(CatalogTable.INVENTORY_REPORTS)
        .select("source_bucket", "config_id", "all_versions", "report_time", "rows").collectAsList();
    if (ledger.isEmpty()) throw noInventory(catalog);
    List<Report> all = new ArrayList<>();
    for (Row r : ledger) {
      all.add(new Report(r.getString(0), r.getString(1), r.getTimestamp(3).toInstant(), r.getBoolean(2), r.getLong(4)));
    }
    List<Report> withCounts = choose(all);

    Column which = null;
    for (Report c : withCounts) {
      Column one = col("source_bucket").equalTo(c.sourceBucket()).and(col("config_id").equalTo(c.configId()))
          .and(col("report_date").equalTo(java.sql.Date.valueOf(c.reportTime().atZone(ZoneOffset.UTC).toLocalDate())))
          .and(col("report_time").equalTo(Timestamp.from(c.reportTime())));
      which = which == null ? one : which.or(one);
    }
    Dataset<Row> rows = catalog.read(CatalogTable.INVENTORY).where(which);
    boolean overlapping = withCounts.stream().map(Report::sourceBucket).distinct().count() < withCounts.size();
    if (overlapping) {
      // Only here is a shuffle needed: the usual one configuration per bucket is a plain scan.
      rows = rows.withColumn("_n", row_number().over(Window.partitionBy("bucket", "key", "version_id")
              .orderBy(col("report_time").desc(), col("config_id"))))
          .where(col("_n").equalTo(1)).drop("_n");
    }
    return new LatestInventory(withCounts, rows);
  }

  /**
   * The reports classification reads, from the ledger's rows: per bucket and configuration the newest,
   * and per bucket only the all-versions configurations when it has any. Shared by the Spark reader and
   * the Kernel lookup of one object ({@link InventoryLookup}).
   */
  public static List<Report> choose(List<Report> ledger) {
    Map<String, Report> newest = new TreeMap<>(); // by bucket and configuration
    for (Report c : ledger) {
      newest.merge(c.sourceBucket() + "\u0000" + c.configId(), c,
          (a, b) -> a.reportTime().isAfter(b.reportTime()) ? a : b);
    }
    Map<String, List<Report>> byBucket = new LinkedHashMap<>();
    for (Report c : newest.values()) byBucket.computeIfAbsent(c.sourceBucket(), k -> new ArrayList<>()).add(c);
    List<Report> chosen = new ArrayList<>();
    for (List<Report> configs : byBucket.values()) {
      boolean anyAll = configs.stream().anyMatch(Report::allVersions);
      configs.stream().filter(c -> c.allVersions() == anyAll).forEach(chosen::add);
    }
    return chosen;
  }

  static LakevaultException noInventory(LakevaultConfig config) {
    return LakevaultException.input("the catalog at " + config.get(Settings.CATALOG_URI)
        + " has no ingested inventory report; run 'lakevault inventory' first");
  }

  private static LakevaultException noInventory(Catalog catalog) {
    return noInventory(catalog.config());
  }

  public List<Report> reports() {
    return reports;
  }

  public Dataset<Row> rows() {
    return rows;
  }
}
