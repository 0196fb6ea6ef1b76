package io.lakevault.core.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where the last complete archive run left off: the classification it archived (its run, the time it
 * decided as of, its policy and the inventory reports it read) and the sources it skipped. From it,
 * {@link #plan} says which rows the next classification must mark {@code archive_pending}, so that the
 * next archive run reads the day's changes instead of the whole catalog (docs/archive.md, "Daily runs").
 *
 * <p>An archive candidate is a version decided ARCHIVE that is not in {@code objects}. Relative to the
 * frontier, a version can only become one by:
 * <ul>
 *   <li>appearing or changing in the inventory, or a sibling version of its key changing (which may flip
 *       its {@code is_latest}): the keys of the change sets ingested since, per report configuration;
 *   <li>its decision turning to ARCHIVE as time passed (age rules): the same rules evaluated as of the
 *       frontier's time;
 *   <li>having been skipped by the frontier's run (unreadable, or changed under it): its skipped list.
 * </ul>
 * Anything the frontier cannot vouch for is marked whole: no frontier, another policy, a configuration
 * it did not read, an older report, or a change-set chain with a gap. Marking too much costs a lookup;
 * marking too little would leave a version unarchived, so every doubt resolves to "all".
 */
public record ArchiveFrontier(String archiveRunId, Classification classification, String skippedUri) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ArchiveFrontier {
    Objects.requireNonNull(archiveRunId, "archiveRunId");
    Objects.requireNonNull(classification, "classification");
  }

  /** An inventory report a classification read. */
  public record Report(String sourceBucket, String configId, Instant reportTime) {}

  /** One classification: kept in the commit that wrote {@code classified}, so it cannot disagree with the rows. */
  public record Classification(String runId, Instant classifiedAt, String policySha256, List<Report> reports) {
    public Classification {
      reports = List.copyOf(reports);
    }

    public ObjectNode toJson() {
      ObjectNode n = JSON.createObjectNode();
      n.put("lakevault", "classify");
      n.put("run_id", runId);
      n.put("classified_at", classifiedAt.toString());
      n.put("policy_sha256", policySha256);
      ArrayNode rs = n.putArray("reports");
      for (Report r : reports) {
        rs.addObject().put("source_bucket", r.sourceBucket()).put("config_id", r.configId())
            .put("report_time", r.reportTime().toString());
      }
      return n;
    }

    /** The classification a commit's metadata names, or {@code null} when it names none (another writer's commit). */
    public static Classification fromJson(String json) {
      if (json == null || json.isBlank()) return null;
      try {
        JsonNode n = JSON.readTree(json);
        if (!"classify".equals(n.path("lakevault").asText())) return null;
        return of(n);
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    private static Classification of(JsonNode n) {
      List<Report> reports = new ArrayList<>();
      for (JsonNode r : n.withArray("reports")) {
        reports.add(new Report(text(r, "source_bucket"), text(r, "config_id"), Instant.parse(text(r, "report_time"))));
      }
      return new Classification(text(n, "run_id"), Instant.parse(text(n, "classified_at")), text(n, "policy_sha256"), reports);
    }
  }

  /** An ingested report as the {@code inventory_reports} ledger lists it. */
  public record Ingested(String sourceBucket, String configId, Instant reportTime, Instant previousReportTime) {}

  /** How a report configuration's rows are marked. */
  public enum Mode {
    /** Every row decided ARCHIVE is pending. */
    ALL,
    /** Rows whose key is in one of {@link ConfigPlan#changeSets}, or whose decision turned to ARCHIVE. */
    CHANGES,
    /** The same report as the frontier's: only rows whose decision turned to ARCHIVE (or skipped ones). */
    SAME
  }

  /** One report configuration of the classification, and why it is marked as it is. */
  public record ConfigPlan(String sourceBucket, String configId, Mode mode, List<Instant> changeSets, String reason) {
    public ConfigPlan {
      changeSets = List.copyOf(changeSets);
    }
  }

  /**
   * What a classification marks pending.
   *
   * @param all every ARCHIVE row, for {@code reason}
   * @param baselineAsOf the frontier's time, at which rules are evaluated again; {@code null} when {@code all}
   * @param skippedUri the frontier run's skipped sources (a Parquet folder), or {@code null}
   */
  public record Plan(boolean all, String reason, Instant baselineAsOf, List<ConfigPlan> configs, String skippedUri) {
    public Plan {
      configs = List.copyOf(configs);
    }

    /** The configurations whose change sets are read. */
    public List<ConfigPlan> withChanges() {
      return configs.stream().filter(c -> c.mode() == Mode.CHANGES).toList();
    }

    /** The configurations marked whole although the plan is not. */
    public List<ConfigPlan> whole() {
      return configs.stream().filter(c -> c.mode() == Mode.ALL).toList();
    }
  }

  /**
   * @param frontier the last complete archive run's frontier, or {@code null}
   * @param policySha256 the policy about to classify
   * @param current the reports about to be classified
   * @param ledger every ingested report (one row per report: thousands over years)
   */
  public static Plan plan(ArchiveFrontier frontier, String policySha256, List<Report> current, List<Ingested> ledger) {
    if (frontier == null) return all("no archive run has completed a full run yet");
    Classification f = frontier.classification();
    if (!f.policySha256().equals(policySha256)) {
      return all("the policy changed since archive run " + frontier.archiveRunId() + " (it archived policy "
          + f.policySha256().substring(0, Math.min(12, f.policySha256().length())) + ")");
    }
    Map<String, Instant> archived = new HashMap<>();
    for (Report r : f.reports()) archived.put(id(r.sourceBucket(), r.configId()), r.reportTime());
    Map<String, Ingested> byTime = new HashMap<>();
    for (Ingested i : ledger) byTime.put(id(i.sourceBucket(), i.configId()) + "\u0000" + i.reportTime(), i);
    List<ConfigPlan> configs = new ArrayList<>();
    for (Report r : current) {
      configs.add(config(r, archived.get(id(r.sourceBucket(), r.configId())), byTime, frontier.archiveRunId()));
    }
    return new Plan(false, "changes since archive run " + frontier.archiveRunId(), f.classifiedAt(), configs,
        frontier.skippedUri());
  }

  private static ConfigPlan config(Report r, Instant archivedTime, Map<String, Ingested> byTime, String run) {
    String id = id(r.sourceBucket(), r.configId());
    if (archivedTime == null) {
      return whole(r, "configuration " + r.configId() + " of bucket " + r.sourceBucket() + " was not read by archive run " + run);
    }
    if (r.reportTime().equals(archivedTime)) return new ConfigPlan(r.sourceBucket(), r.configId(), Mode.SAME, List.of(), "same report");
    if (r.reportTime().isBefore(archivedTime)) {
      return whole(r, "report " + r.reportTime() + " is older than the one archive run " + run + " read (" + archivedTime + ")");
    }
    // Walk back from the current report to the archived one; every step must have its own change set. Change
    // sets are kept one per report date, so two steps on one date mean the earlier one's set was replaced.
    List<Instant> steps = new ArrayList<>();
    Set<LocalDate> dates = new HashSet<>();
    Instant t = r.reportTime();
    while (t.isAfter(archivedTime)) {
      Ingested i = byTime.get(id + "\u0000" + t);
      if (i == null || i.previousReportTime() == null) {
        return whole(r, "the change sets between reports " + archivedTime + " and " + r.reportTime() + " have a gap at " + t);
      }
      if (!dates.add(LocalDate.ofInstant(t, ZoneOffset.UTC))) {
        return whole(r, "two reports between " + archivedTime + " and " + r.reportTime() + " share the date of " + t
            + ", so one change set replaced the other");
      }
      steps.add(t);
      t = i.previousReportTime();
    }
    if (!t.equals(archivedTime)) {
      return whole(r, "the change sets from report " + r.reportTime() + " lead to " + t + ", not to " + archivedTime);
    }
    java.util.Collections.reverse(steps);
    return new ConfigPlan(r.sourceBucket(), r.configId(), Mode.CHANGES, steps, steps.size() + " change set(s)");
  }

  private static ConfigPlan whole(Report r, String reason) {
    return new ConfigPlan(r.sourceBucket(), r.configId(), Mode.ALL, List.of(), reason);
  }

  /** A plan that marks every ARCHIVE row, for {@code reason}. */
  public static Plan all(String reason) {
    return new Plan(true, reason, null, List.of(), null);
  }

  private static String id(String bucket, String config) {
    return bucket + "\u0000" + config;
  }

  // ------------------------------------------------------------------ the frontier file

  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("archive_run_id", archiveRunId);
    n.set("classification", classification.toJson());
    if (skippedUri != null) n.put("skipped_uri", skippedUri);
    return n.toPrettyString();
  }

  /** @throws IllegalArgumentException naming what is wrong, when the text is not a frontier */
  public static ArchiveFrontier parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      JsonNode skipped = n.get("skipped_uri");
      return new ArchiveFrontier(text(n, "archive_run_id"), Classification.of(n.path("classification")),
          skipped == null || skipped.isNull() ? null : skipped.asText());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not an archive frontier: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull() || !v.isTextual()) throw new IllegalArgumentException("missing field " + field);
    return v.asText();
  }
}
