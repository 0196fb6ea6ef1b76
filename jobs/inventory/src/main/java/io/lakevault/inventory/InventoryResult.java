package io.lakevault.inventory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What an inventory run did: one entry per report. */
public record InventoryResult(String runId, boolean dryRun, List<Report> reports) {

  /** One report's outcome. */
  public record Report(String source, String manifestUri, String sourceBucket, String configId, Instant reportTime,
      String format, boolean allVersions, int files, long dataBytes, long rows, long badRows,
      Instant previousReportTime, long newVersions, long changed, long deleted, List<String> ignoredFields) {}

  public long rows() {
    return reports.stream().mapToLong(Report::rows).sum();
  }

  public long dataBytes() {
    return reports.stream().mapToLong(Report::dataBytes).sum();
  }

  /** Counts for the runs table. */
  public Map<String, Long> counts() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("reports", (long) reports.size());
    m.put("files", reports.stream().mapToLong(Report::files).sum());
    m.put("rows", rows());
    m.put("bad_rows", reports.stream().mapToLong(Report::badRows).sum());
    m.put("new_versions", reports.stream().mapToLong(Report::newVersions).sum());
    m.put("changed", reports.stream().mapToLong(Report::changed).sum());
    m.put("deleted", reports.stream().mapToLong(Report::deleted).sum());
    return m;
  }
}
