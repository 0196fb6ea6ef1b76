package io.lakevault.spark.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.Times;
import io.lakevault.core.config.Durations;
import io.lakevault.core.config.Settings;
import io.lakevault.core.lifecycle.TableHistoryPlanner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault catalog vacuum}: each catalog table keeps the history its purpose calls for, and
 * Delta's VACUUM deletes the files older than that ({@link TableHistoryPlanner}; docs/catalog.md, "History
 * retention"). Audit tables keep removed files for {@code catalog.history-retention}, working tables for
 * {@code catalog.working-retention}; every log for the history retention.
 *
 * <ol>
 *   <li>Plan: each table's retention properties now against its purpose's; a table whose history would
 *       become shorter than an auditor's is refused and left alone (the others go on, the run exits 1).
 *   <li>Count, per table: what VACUUM would delete at the planned retention ({@code DRY RUN}, listed and
 *       sized on the executors). A table younger than its retention is not listed: none of its files can be
 *       old enough. A dry run stops here.
 *   <li>Apply, under the run lease: the planned properties, then VACUUM with the table's retention and
 *       Delta's safety check on.
 * </ol>
 * The report ({@code reports/vacuum/<run>.json}) lists each table's retention before and after and the
 * files deleted; the runs table records the run's start and end.
 */
public final class CatalogVacuum {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogVacuum.class);
  private static final String SAFETY_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled";

  public record Request(boolean dryRun, String reportUri) {}

  /**
   * One table: its retention before and after, what VACUUM deletes (a dry run: would delete).
   *
   * @param set the properties set (a dry run: to set)
   * @param refused why the table was left alone, or {@code null}
   * @param listed whether its files were listed (a table younger than its retention is not)
   */
  public record TableOutcome(String table, String purpose, String logBefore, String logAfter, String deletedBefore,
      String deletedAfter, Map<String, String> set, String refused, boolean listed, long files, long bytes) {}

  public record Result(String runId, boolean dryRun, Instant at, List<TableOutcome> tables) {
    public long refused() {
      return tables.stream().filter(t -> t.refused() != null).count();
    }

    public long files() {
      return tables.stream().mapToLong(TableOutcome::files).sum();
    }

    public long bytes() {
      return tables.stream().mapToLong(TableOutcome::bytes).sum();
    }
  }

  private final Catalog catalog;
  private final Clock clock;

  public CatalogVacuum(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  public Result run(Request req, String runId) {
    Result r;
    if (req.dryRun()) {
      r = vacuum(runId, null);
    } else {
      try (CatalogLease lease = CatalogLease.acquire(catalog, runId, "catalog-vacuum", clock)) {
        r = vacuum(runId, lease);
      }
    }
    byte[] json = json(r).getBytes(StandardCharsets.UTF_8);
    if (!req.dryRun()) catalog.writeFile(catalog.uriOf("reports/vacuum/" + runId + ".json"), json);
    if (req.reportUri() != null) catalog.writeFile(req.reportUri(), json);
    return r;
  }

  private Result vacuum(String runId, CatalogLease lease) {
    Instant now = clock.instant();
    SparkSession spark = catalog.spark();
    List<CatalogTable> tables = new ArrayList<>();
    List<TableHistoryPlanner.Table> current = new ArrayList<>();
    for (CatalogTable t : CatalogTable.values()) {
      if (!catalog.exists(t)) continue;
      tables.add(t);
      current.add(new TableHistoryPlanner.Table(t.tableName(), t.purpose(), properties(catalog.path(t))));
    }
    List<TableHistoryPlanner.TablePlan> plans;
    try {
      plans = TableHistoryPlanner.plan(current, catalog.config().get(Settings.CATALOG_HISTORY_RETENTION),
          catalog.config().get(Settings.CATALOG_WORKING_RETENTION));
    } catch (IllegalArgumentException e) {
      throw LakevaultException.usage(e.getMessage());
    }
    List<TableOutcome> out = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      CatalogTable t = tables.get(i);
      TableHistoryPlanner.TablePlan p = plans.get(i);
      String path = catalog.path(t);
      if (p.refused() != null) {
        LOG.warn("catalog vacuum: {} refused: {}", t.tableName(), p.refused());
        out.add(outcome(p, false, 0, 0));
        continue;
      }
      if (lease != null) lease.check("vacuum " + t.tableName());
      boolean old = !youngerThan(path, p.deleted(), now);
      long[] doomed = old ? dryRun(spark, path, p.deleted()) : new long[2];
      if (lease != null) {
        if (p.changes()) {
          Map<String, String> set = new LinkedHashMap<>(p.set());
          set.put("lakevault.history", t.purpose().label());
          StringBuilder sql = new StringBuilder("ALTER TABLE delta.`" + path + "` SET TBLPROPERTIES (");
          set.forEach((k, v) -> sql.append(sql.charAt(sql.length() - 1) == '(' ? "" : ", ")
              .append('\'').append(k).append("' = '").append(v).append('\''));
          spark.sql(sql.append(')').toString());
        }
        if (old) {
          try (Listing l = new Listing(spark)) {
            spark.sql("VACUUM delta.`" + path + "` RETAIN " + p.deleted().toHours() + " HOURS");
          }
        }
        LOG.info("catalog vacuum: {} ({}): {} file(s), {} bytes deleted", t.tableName(), t.purpose().label(), doomed[0],
            doomed[1]);
      }
      out.add(outcome(p, old, doomed[0], doomed[1]));
    }
    return new Result(runId, lease == null, now, out);
  }

  private static TableOutcome outcome(TableHistoryPlanner.TablePlan p, boolean listed, long files, long bytes) {
    return new TableOutcome(p.table(), p.purpose().label(), text(p.logNow()), text(p.log()), text(p.deletedNow()),
        text(p.deleted()), p.set(), p.refused(), listed, files, bytes);
  }

  private static String text(Duration d) {
    return d == null ? null : Durations.format(d);
  }

  /** The table's properties from its latest snapshot (what DESCRIBE DETAIL shows, without planning a query). */
  private Map<String, String> properties(String path) {
    org.apache.spark.sql.delta.DeltaLog log = org.apache.spark.sql.delta.DeltaLog.forTable(catalog.spark(), path);
    return scala.collection.JavaConverters.mapAsJavaMap(
        log.update(false, scala.Option.empty(), scala.Option.empty()).metadata().configuration());
  }

  /** Whether the table's first commit is more recent than {@code retention} ago: then no file of it is older. */
  private boolean youngerThan(String path, Duration retention, Instant now) {
    Path first = new Path(path, "_delta_log/" + String.format("%020d", 0) + ".json");
    try {
      FileSystem fs = first.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration());
      if (!fs.exists(first)) return false; // its early log was cleaned: it is old
      return Instant.ofEpochMilli(fs.getFileStatus(first).getModificationTime()).isAfter(now.minus(retention));
    } catch (IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot read the log of " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Files and bytes VACUUM would delete at {@code retention}: Delta's dry run, sized on the executors. The
   * dry run deletes nothing, so Delta's check against a retention shorter than the table's property (a
   * working table's first vacuum, before its property is lowered) is off for it alone.
   */
  private long[] dryRun(SparkSession spark, String path, Duration retention) {
    String before = spark.conf().get(SAFETY_CHECK, "true");
    spark.conf().set(SAFETY_CHECK, "false");
    try (Listing l = new Listing(spark)) {
      Broadcast<SerializableConfiguration> conf = JavaSparkContext.fromSparkContext(spark.sparkContext())
          .broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
      Row sum = spark.sql("VACUUM delta.`" + path + "` RETAIN " + retention.toHours() + " HOURS DRY RUN")
          .select("path").mapPartitions((MapPartitionsFunction<Row, Long>) rows -> sizes(conf, rows), Encoders.LONG())
          .selectExpr("count(*)", "coalesce(sum(value), 0)").first();
      return new long[] {sum.getLong(0), sum.getLong(1)};
    } finally {
      spark.conf().set(SAFETY_CHECK, before);
    }
  }

  /** The sizes of the listed paths that are files: Delta lists directories too (it removes the empty ones). */
  private static Iterator<Long> sizes(Broadcast<SerializableConfiguration> conf, Iterator<Row> rows) throws IOException {
    List<Long> out = new ArrayList<>();
    while (rows.hasNext()) {
      Path p = new Path(rows.next().getString(0));
      FileSystem fs = p.getFileSystem(conf.value().value());
      FileStatus st = fs.exists(p) ? fs.getFileStatus(p) : null;
      if (st != null && !st.isDirectory()) out.add(st.getLen());
    }
    return out.iterator();
  }

  /**
   * VACUUM lists a table's folders in {@code spark.sql.sources.parallelPartitionDiscovery.parallelism}
   * tasks, 10,000 by default: 40-50 s for an empty table on two cores. For its calls, a few tasks per core
   * of the cluster instead.
   */
  private static final class Listing implements AutoCloseable {
    private static final String KEY = "spark.sql.sources.parallelPartitionDiscovery.parallelism";
    private final SparkSession spark;
    private final String before;

    Listing(SparkSession spark) {
      this.spark = spark;
      this.before = spark.conf().get(KEY, null);
      spark.conf().set(KEY, String.valueOf(Math.max(8, 4 * spark.sparkContext().defaultParallelism())));
    }

    @Override
    public void close() {
      if (before == null) spark.conf().unset(KEY); else spark.conf().set(KEY, before);
    }
  }

  /** The JSON report: the run and every table's outcome. */
  public static String json(Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("dry_run", r.dryRun());
    m.put("at", Times.iso(r.at()));
    m.put("files", r.files());
    m.put("bytes", r.bytes());
    m.put("refused", r.refused());
    List<Map<String, Object>> tables = new ArrayList<>();
    for (TableOutcome t : r.tables()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("table", t.table());
      x.put("purpose", t.purpose());
      x.put("log_retention", Map.of("before", t.logBefore(), "after", t.refused() == null ? t.logAfter() : t.logBefore()));
      x.put("deleted_file_retention", Map.of("before", t.deletedBefore(),
          "after", t.refused() == null ? t.deletedAfter() : t.deletedBefore()));
      x.put("set", t.set());
      x.put("refused", t.refused());
      x.put("listed", t.listed());
      x.put("files", t.files());
      x.put("bytes", t.bytes());
      tables.add(x);
    }
    m.put("tables", tables);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The text the command prints. */
  public static String text(Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append(r.dryRun() ? "Dry run: nothing changed.\n" : "");
    for (TableOutcome t : r.tables()) {
      sb.append(String.format(java.util.Locale.ROOT, "%-22s %-8s removed files kept %s%s", t.table(), t.purpose(),
          t.deletedBefore(), t.refused() == null && !t.deletedBefore().equals(t.deletedAfter())
              ? " -> " + t.deletedAfter() : ""));
      if (t.refused() != null) {
        sb.append("  REFUSED: ").append(t.refused());
      } else if (!t.listed()) {
        sb.append("  (younger than that: nothing to delete)");
      } else {
        sb.append(String.format(java.util.Locale.ROOT, "  %,d file(s), %,d bytes %s", t.files(), t.bytes(),
            r.dryRun() ? "to delete" : "deleted"));
      }
      sb.append('\n');
    }
    if (r.refused() > 0) {
      sb.append(r.refused()).append(" table(s) refused and left alone: see above; the others were ")
          .append(r.dryRun() ? "planned" : "vacuumed").append(".\n");
    }
    return sb.toString();
  }
}
