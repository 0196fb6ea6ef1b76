package io.lakevault.classify;

import static org.apache.spark.sql.functions.col;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.archive.ArchiveFrontier;
import io.lakevault.core.config.Settings;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyException;
import io.lakevault.core.policy.PolicyLinter;
import io.lakevault.core.policy.PolicyProblem;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classify job: the latest inventory of every source bucket, through the policy, into the
 * {@code classified} table, with a per-class report and cost comparison.
 *
 * <p>Every run classifies the whole latest inventory and replaces the table in one Delta commit:
 * rules on age change their verdict as time passes with no change in the inventory, and a new
 * version turns the previous one noncurrent without changing it, so the change set alone would
 * leave stale decisions. The rule evaluation itself is a projection (no shuffle), so a run costs about one
 * scan of the inventory and one write. What did change since the last complete archive run is marked
 * {@code archive_pending} ({@link PendingFlags}), from the change sets joined in as a broadcast of their keys:
 * the archive reads that partition alone.
 */
public final class ClassifyJob {
  private static final Logger LOG = LoggerFactory.getLogger(ClassifyJob.class);

  /**
   * @param policy the parsed policy; it must also pass {@link PolicyLinter} without errors
   * @param policyBytes the policy file as read, kept in the catalog beside the decisions it made
   * @param reportFile where to write the JSON report as well (a Hadoop path or URI), or {@code null}
   */
  public record Request(Policy policy, byte[] policyBytes, PriceTable prices, boolean dryRun, String reportFile) {}

  private final Catalog catalog;
  private final Clock clock;

  public ClassifyJob(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  public ClassifyResult run(Request req, String runId) {
    Policy policy = req.policy();
    List<PolicyProblem> errors = PolicyLinter.lint(policy).stream().filter(PolicyProblem::isError).toList();
    if (!errors.isEmpty()) throw new PolicyException(errors);
    Instant asOf = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    LatestInventory inventory = LatestInventory.of(catalog);
    ArchiveFrontier.Plan pendingPlan = PendingFlags.plan(catalog, policy, inventory);
    Dataset<Row> decisions = Classifier.classify(PendingFlags.mark(catalog, pendingPlan, inventory.rows()), policy, asOf,
        runId, pendingPlan);
    String reportUri = null;
    ClassificationReport.Aggregates agg;
    long pending;
    if (req.dryRun()) {
      Dataset<Row> cached = decisions.persist(StorageLevel.MEMORY_AND_DISK());
      try {
        agg = SparkErrors.surfacing(() -> RuleCompiler.evaluate(catalog.spark(),
            () -> ClassificationReport.compute(cached, policy, req.prices(), asOf)));
        pending = cached.where(col("archive_pending")).count();
      } finally {
        cached.unpersist();
      }
    } else {
      catalog.ensure(CatalogTable.CLASSIFIED);
      savePolicy(policy, req.policyBytes());
      long start = System.nanoTime();
      // The classification is kept in the commit itself, so the archive run that reads these rows knows what
      // they were decided from, and where its frontier moves to (ArchiveFrontiers.classified).
      String classification = new ArchiveFrontier.Classification(runId, asOf, policy.sha256(),
          PendingFlags.reports(inventory)).toJson().toString();
      SparkErrors.surfacing(() -> RuleCompiler.evaluate(catalog.spark(), () -> {
        // overwriteSchema: a catalog written before archive_pending was partitioned by class alone; the table
        // is rewritten whole every run anyway.
        decisions.write().format("delta").mode("overwrite").option("overwriteSchema", "true")
            .option("userMetadata", classification)
            .partitionBy(CatalogTable.CLASSIFIED.partitionColumns().toArray(new String[0]))
            .save(catalog.path(CatalogTable.CLASSIFIED));
        return null;
      }));
      LOG.info("classified table written in {} ms", (System.nanoTime() - start) / 1_000_000);
      Dataset<Row> written = catalog.read(CatalogTable.CLASSIFIED);
      agg = ClassificationReport.compute(written, policy, req.prices(), asOf);
      pending = written.where(col("archive_pending")).count(); // one partition
      reportUri = catalog.config().get(Settings.CATALOG_URI) + "/reports/classify/" + runId + ".json";
    }
    ClassifyResult result = new ClassifyResult(runId, asOf, req.dryRun(), policy.source(), policy.sha256(),
        req.prices().source() + " (" + req.prices().region() + ", " + req.prices().currency() + ")", inventory.reports(),
        agg.totals(), agg.classes(), agg.rules(), agg.unmatched(), new ClassifyResult.Pending(pending, pendingPlan),
        reportUri);
    byte[] json = ReportFormat.json(result).getBytes(StandardCharsets.UTF_8);
    if (reportUri != null) write(catalog.locations().hadoopPath(reportUri), json);
    if (req.reportFile() != null) write(catalog.locations().hadoopPath(req.reportFile()), json);
    return result;
  }

  /** The policy file, content-addressed beside the decisions, so an auditor can read the rules that made them. */
  private void savePolicy(Policy policy, byte[] bytes) {
    String uri = catalog.config().get(Settings.CATALOG_URI) + "/policies/" + policy.sha256() + ".yaml";
    write(catalog.locations().hadoopPath(uri), bytes);
  }

  private void write(String location, byte[] bytes) {
    Path p = new Path(location);
    try {
      FileSystem fs = p.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration());
      io.lakevault.spark.SmallFiles.write(fs, p, bytes);
    } catch (IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot write " + location + ": " + e.getMessage(), e);
    }
  }
}
