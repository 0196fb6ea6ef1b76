package io.lakevault.inventory;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.inventory.InventoryField;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inventory job: S3 Inventory reports into the catalog.
 *
 * <p>For each report: resolve and verify the manifest (driver) -> verify every data file's size and
 * MD5 (executors) -> parse into a staging folder (one pass over the data) -> count bad rows and fail,
 * committing nothing to {@code inventory}, past {@code inventory.max-bad-rows} -> commit the rows
 * (replacing the report's partition, so a re-run leaves one copy), the quarantine, the change set
 * against the previous report, and last the {@code inventory_reports} ledger entry. Each of those
 * writes is keyed by the report, so a run interrupted between them converges when re-run.
 */
public final class InventoryJob {
  private static final Logger LOG = LoggerFactory.getLogger(InventoryJob.class);

  /** What to ingest. {@code date} and {@code report} choose among a prefix's reports; both may be null. */
  public record Request(List<String> sources, LocalDate date, String report, boolean dryRun) {}

  private final Catalog catalog;
  private final SparkSession spark;
  private final LakevaultConfig config;
  private final Clock clock;

  public InventoryJob(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.spark = catalog.spark();
    this.config = catalog.config();
    this.clock = clock;
  }

  /** The sources of a request: the command line's, else {@code inventory.sources}. */
  public static List<String> sources(List<String> given, LakevaultConfig config) {
    if (given != null && !given.isEmpty()) return given;
    List<String> configured = config.get(Settings.INVENTORY_SOURCES);
    if (configured == null) {
      throw LakevaultException.usage("no inventory source: pass --source s3://<destination-bucket>/<prefix>/<source-bucket>/<config-id>/"
          + " (or one manifest.json), or set inventory.sources");
    }
    return configured;
  }

  public InventoryResult run(Request request, String runId) {
    List<ResolvedReport> reports = new ArrayList<>();
    try (ObjectStore store = ObjectStores.open(config)) {
      for (String source : request.sources()) {
        reports.add(ReportResolver.resolve(store, source, request.date(), request.report()));
      }
    }
    if (!request.dryRun()) {
      for (CatalogTable t : List.of(CatalogTable.INVENTORY, CatalogTable.INVENTORY_REPORTS,
          CatalogTable.INVENTORY_QUARANTINE, CatalogTable.INVENTORY_CHANGES)) {
        catalog.ensure(t);
      }
    }
    List<InventoryResult.Report> out = new ArrayList<>();
    int i = 0;
    for (ResolvedReport r : reports) {
      int index = i++;
      out.add(SparkErrors.surfacing(() -> ingest(r, runId, request.dryRun(), index)));
    }
    return new InventoryResult(runId, request.dryRun(), out);
  }

  private InventoryResult.Report ingest(ResolvedReport r, String runId, boolean dryRun, int index) {
    var m = r.manifest();
    LOG.info("report {}: {} {} data files, {} columns", r.manifestUri(), m.files().size(), m.format(),
        m.schema().columns().size());
    List<String> ignored = m.schema().unknown();
    if (!ignored.isEmpty()) {
      LOG.warn("report {} has columns this lakevault does not know, ignored: {}", r.manifestUri(), ignored);
    }
    long t0 = System.nanoTime();
    long dataBytes = InventoryReader.verifyDataFiles(spark, config, r);
    long t1 = System.nanoTime();
    Dataset<Row> parsed = InventoryReader.read(spark, config, r);
    long maxBad = config.get(Settings.INVENTORY_MAX_BAD_ROWS);
    Instant reportTime = m.creationTimestamp();
    LocalDate reportDate = reportTime.atZone(ZoneOffset.UTC).toLocalDate();

    if (dryRun) {
      Row counts = parsed.selectExpr("count(*) AS n", "count(" + InventoryReader.ERROR + ") AS bad").first();
      long bad = counts.getLong(1);
      checkBadRows(r, bad, maxBad, parsed);
      return new InventoryResult.Report(r.source(), r.manifestUri().toString(), m.sourceBucket(), r.configId(),
          reportTime, m.format().manifestName(), m.schema().allVersions(), m.files().size(), dataBytes,
          counts.getLong(0) - bad, bad, null, 0, 0, 0, ignored);
    }

    String where = "source_bucket = " + sql(m.sourceBucket()) + " AND config_id = " + sql(r.configId());
    String thisReport = where + " AND report_time = " + ts(reportTime);
    // The bookkeeping reads do not depend on the rows: each is a small Spark job, so they run beside
    // the write instead of adding their latencies after it.
    ExecutorService side = Executors.newFixedThreadPool(3, daemon("inventory-bookkeeping"));
    try {
      Future<Instant> previousF = side.submit(() -> previousReport(r, reportTime));
      Future<Boolean> staleQuarantineF = side.submit(() ->
          !catalog.read(CatalogTable.INVENTORY_QUARANTINE).where(thisReport).isEmpty());
      Future<Boolean> staleChangesF = side.submit(() -> ChangeSets.exists(catalog, r, reportDate));
      long rowCount;
      long bad;
      if (maxBad == 0) {
        // The default: any bad row fails the run, so the rows go straight into the Delta write and a bad
        // row fails its task, which leaves the write uncommitted. Only then is the report read again, to
        // put its bad rows in the quarantine and name the first.
        // The message names the report, not the file: carrying each row's file name into the write costs
        // ORC and Parquet a column, and the re-read below names the file and row anyway.
        Dataset<Row> checked = parsed.where(when(col(InventoryReader.ERROR).isNotNull(),
            raise_error(concat(lit("unparseable inventory row in " + r.manifestUri() + ": "),
                col(InventoryReader.ERROR)))).otherwise(lit(true)));
        try {
          SparkErrors.surfacing(() -> {
            writeInventory(checked, r, reportTime, reportDate, runId, where);
            return null;
          });
        } catch (LakevaultException e) {
          throw e; // a damaged file, named by the task that found it
        } catch (Exception e) { // SparkException is checked, thrown undeclared
          long found = parsed.filter(col(InventoryReader.ERROR).isNotNull()).count();
          if (found == 0) throw SparkErrors.rethrow(e);
          writeQuarantine(parsed, r, reportTime, runId, where);
          checkBadRows(r, found, maxBad, parsed);
          throw SparkErrors.rethrow(e);
        }
        bad = 0;
        rowCount = lastWriteRows(CatalogTable.INVENTORY);
      } else {
        // Some bad rows are tolerated: parse once into a staging folder, count, then commit from it.
        String staging = catalog.path(CatalogTable.INVENTORY).replaceAll("/inventory$", "") + "/_staging/inventory/"
            + runId + "/" + index;
        try {
          parsed.write().mode("overwrite").option("compression", "lz4").parquet(staging);
          Dataset<Row> staged = spark.read().parquet(staging);
          Row counts = staged.selectExpr("count(*)", "count(" + InventoryReader.ERROR + ")").first();
          bad = counts.getLong(1);
          rowCount = counts.getLong(0) - bad;
          if (bad > 0) {
            writeQuarantine(staged, r, reportTime, runId, where);
          }
          checkBadRows(r, bad, maxBad, staged);
          writeInventory(staged.filter(col(InventoryReader.ERROR).isNull()), r, reportTime, reportDate, runId, where);
        } finally {
          deleteQuietly(staging);
        }
      }
      long t2 = System.nanoTime();
      if (bad == 0 && await(staleQuarantineF)) {
        // Clear quarantine rows an earlier, failed ingestion of this report left.
        catalog.table(CatalogTable.INVENTORY_QUARANTINE).delete(thisReport);
      }
      Instant previous = await(previousF);
      long[] changes = previous == null ? new long[] {rowCount, 0, 0}
          : ChangeSets.write(catalog, r, reportTime, reportDate, previous, runId);
      if (previous == null && await(staleChangesF)) ChangeSets.clear(catalog, r, reportDate);
      recordReport(r, reportTime, dataBytes, rowCount, bad, previous, changes, ignored, runId);
      long t3 = System.nanoTime();
      LOG.info("report {}: {} rows, {} quarantined, changes new={} changed={} deleted={}; verify {} s, parse and"
          + " write {} s, change set and ledger {} s", r.manifestUri(), rowCount, bad, changes[0], changes[1], changes[2],
          seconds(t1 - t0), seconds(t2 - t1), seconds(t3 - t2));
      return new InventoryResult.Report(r.source(), r.manifestUri().toString(), m.sourceBucket(), r.configId(),
          reportTime, m.format().manifestName(), m.schema().allVersions(), m.files().size(), dataBytes, rowCount, bad,
          previous, changes[0], changes[1], changes[2], ignored);
    } finally {
      side.shutdownNow();
    }
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LakevaultException(io.lakevault.core.ErrorKind.INTERNAL, "interrupted while reading the catalog", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error err) throw err;
      throw SparkErrors.rethrow((Exception) e.getCause());
    }
  }

  private static ThreadFactory daemon(String name) {
    return task -> {
      Thread t = new Thread(task, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Replaces the report's partition of {@code inventory} with the good rows of {@code rows}. */
  private void writeInventory(Dataset<Row> rows, ResolvedReport r, Instant reportTime, LocalDate reportDate,
      String runId, String where) {
    // A partitioned write sorts every row by its partition values first, though a report is one
    // partition: concurrent writers (one open file per partition a task meets) skip that sort.
    String writers = "spark.sql.maxConcurrentOutputFileWriters";
    String before = spark.conf().get(writers, "0");
    spark.conf().set(writers, "4");
    try {
      rows.select(inventoryColumns(r, reportTime, reportDate, runId)).write().format("delta").mode("overwrite")
          .option("replaceWhere", where + " AND report_date = DATE'" + reportDate + "'")
          .save(catalog.path(CatalogTable.INVENTORY));
    } finally {
      spark.conf().set(writers, before);
    }
  }

  /** Rows written by the table's last commit, from Delta's operation metrics (no scan). */
  private long lastWriteRows(CatalogTable t) {
    Row h = catalog.table(t).history(1).select("operationMetrics").first();
    Map<String, String> metrics = h.getJavaMap(0);
    return Long.parseLong(metrics.getOrDefault("numOutputRows", "0"));
  }

  private void checkBadRows(ResolvedReport r, long bad, long maxBad, Dataset<Row> rows) {
    if (bad <= maxBad) return;
    Row first = rows.filter(col(InventoryReader.ERROR).isNotNull())
        .orderBy(col(InventoryReader.FILE), col(InventoryReader.ROW)).first();
    Object row = first.getAs(InventoryReader.ROW);
    throw LakevaultException.input("report " + r.manifestUri() + " has " + bad + " row" + (bad == 1 ? "" : "s")
        + " that do not parse, more than inventory.max-bad-rows (" + maxBad + "); the first: "
        + first.getAs(InventoryReader.FILE) + (row == null ? "" : " line " + row) + ": "
        + first.getAs(InventoryReader.ERROR) + ". Nothing was committed to the inventory; the rows are in"
        + " inventory_quarantine. Fix the report, or raise inventory.max-bad-rows to skip them");
  }

  private static Column[] inventoryColumns(ResolvedReport r, Instant reportTime, LocalDate reportDate, String runId) {
    List<Column> cols = new ArrayList<>();
    // Only the fields the report has: Delta reads a column a data file lacks as NULL, so the absent
    // optional fields (most of a typical report's 16) cost the writer nothing per row.
    for (InventoryField f : InventoryField.values()) {
      if (r.manifest().schema().has(f)) cols.add(col(f.column()));
    }
    cols.add(lit(r.manifest().sourceBucket()).as("source_bucket"));
    cols.add(lit(r.configId()).as("config_id"));
    cols.add(lit(Timestamp.from(reportTime)).as("report_time"));
    cols.add(lit(Date.valueOf(reportDate)).as("report_date"));
    cols.add(lit(runId).as("ingest_run_id"));
    return cols.toArray(Column[]::new);
  }

  private void writeQuarantine(Dataset<Row> staged, ResolvedReport r, Instant reportTime, String runId, String where) {
    Dataset<Row> q = staged.filter(col(InventoryReader.ERROR).isNotNull()).select(
        lit(r.manifest().sourceBucket()).as("source_bucket"), lit(r.configId()).as("config_id"),
        lit(Timestamp.from(reportTime)).as("report_time"), col(InventoryReader.FILE).as("file"),
        col(InventoryReader.ROW).as("row_number"), col(InventoryReader.LINE).as("line"),
        col(InventoryReader.ERROR).as("error"), lit(runId).as("ingest_run_id"));
    q.write().format("delta").mode("overwrite").option("replaceWhere", where + " AND report_time = " + ts(reportTime))
        .save(catalog.path(CatalogTable.INVENTORY_QUARANTINE));
  }

  /** The newest report of the same bucket and configuration ingested before this one, or null. */
  private Instant previousReport(ResolvedReport r, Instant reportTime) {
    Row prev = catalog.read(CatalogTable.INVENTORY_REPORTS)
        .where("source_bucket = " + sql(r.manifest().sourceBucket()) + " AND config_id = " + sql(r.configId())
            + " AND report_time < " + ts(reportTime))
        .selectExpr("max(report_time) AS t").first();
    return prev.isNullAt(0) ? null : prev.getTimestamp(0).toInstant();
  }

  private void recordReport(ResolvedReport r, Instant reportTime, long dataBytes, long rows, long bad, Instant previous,
      long[] changes, List<String> ignored, String runId) {
    var m = r.manifest();
    Row row = RowFactory.create(m.sourceBucket(), r.configId(), Timestamp.from(reportTime), r.manifestUri().toString(),
        r.manifestMd5(), m.format().manifestName(), m.schema().allVersions(), m.files().size(), dataBytes, rows, bad,
        previous == null ? null : Timestamp.from(previous), changes[0], changes[1], changes[2], List.copyOf(ignored),
        Timestamp.from(clock.instant()), runId);
    // Keyed by the report: a re-run replaces its entry (cheaper than a MERGE for one row).
    spark.createDataFrame(List.of(row), CatalogTable.INVENTORY_REPORTS.schema()).write().format("delta")
        .mode("overwrite").option("replaceWhere", "source_bucket = " + sql(m.sourceBucket()) + " AND config_id = "
            + sql(r.configId()) + " AND report_time = " + ts(reportTime))
        .save(catalog.path(CatalogTable.INVENTORY_REPORTS));
  }

  private void deleteQuietly(String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.delete(p, true);
    } catch (IOException e) {
      LOG.warn("could not remove the staging folder {}: {}", path, e.toString());
    }
  }

  private static String seconds(long nanos) {
    return String.format("%.1f", nanos / 1e9);
  }

  static String sql(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  static String ts(Instant t) {
    return "TIMESTAMP'" + Timestamp.from(t).toInstant() + "'";
  }
}
