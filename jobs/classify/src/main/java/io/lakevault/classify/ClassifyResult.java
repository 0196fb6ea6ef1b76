package io.lakevault.classify;

import io.lakevault.core.cost.CostModel;
import io.lakevault.core.policy.RetentionClass;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a classification decided, per class and per rule, with the cost comparison; printed as a
 * table and written as JSON ({@link ReportFormat}).
 *
 * @param totals objects and bytes per decision (ARCHIVE, EXCLUDE, UNMATCHED)
 * @param reportUri where the JSON report was written, or {@code null}
 */
public record ClassifyResult(String runId, Instant asOf, boolean dryRun, String policySource, String policySha256,
    String priceTable, List<LatestInventory.Report> inventory, Map<String, Volume> totals, List<ClassSummary> classes,
    List<RuleSummary> rules, Unmatched unmatched, Pending pending, String reportUri) {

  /** The versions the next archive run looks at ({@code archive_pending}) and why those. */
  public record Pending(long versions, io.lakevault.core.archive.ArchiveFrontier.Plan plan) {}

  /** A count of object versions and their bytes. */
  public record Volume(long objects, long bytes) {
    static final Volume ZERO = new Volume(0, 0);

    Volume plus(long o, long b) {
      return new Volume(objects + o, bytes + b);
    }
  }

  /** One retention class: its volume, size histogram and the cost of archiving it as-is and packed. */
  public record ClassSummary(RetentionClass retentionClass, Volume volume, List<Bin> histogram,
      CostModel.Comparison cost) {}

  /** One size bin of a histogram: [from, below) bytes; delete markers (no size) have their own bin. */
  public record Bin(String label, long objects, long bytes) {}

  /** How many object versions a rule decided. */
  public record RuleSummary(String ruleId, String action, Volume volume) {}

  /** The unmatched versions: where they are, and a few of them. */
  public record Unmatched(Volume volume, List<PrefixCount> topPrefixes, List<String> examples) {}

  /** Object versions under a bucket and key prefix. */
  public record PrefixCount(String bucket, String prefix, long objects, long bytes) {}

  public Volume total(String decision) {
    return totals.getOrDefault(decision, Volume.ZERO);
  }

  /** Counts for the runs table. */
  public Map<String, Long> counts() {
    return Map.of("objects", total(Classifier.ARCHIVE).objects() + total(Classifier.EXCLUDE).objects()
            + total(Classifier.UNMATCHED).objects(),
        "archive", total(Classifier.ARCHIVE).objects(), "excluded", total(Classifier.EXCLUDE).objects(),
        "unmatched", total(Classifier.UNMATCHED).objects(), "classes", (long) classes.size(), "archive_pending", pending.versions());
  }
}
