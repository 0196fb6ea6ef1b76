package io.lakevault.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.classify.ReportFormat;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.cost.CostModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The archive report as a table for people and as JSON for programs (fields: docs/archive.md). */
public final class ArchiveReport {
  private ArchiveReport() {}

  public static String text(ArchiveResult r) {
    StringBuilder b = new StringBuilder();
    ArchiveResult.Housekeeping h = r.housekeeping();
    if (!h.recoveredRuns().isEmpty()) {
      b.append("Committed what earlier runs staged but did not commit: ").append(String.join(", ", h.recoveredRuns())).append('\n');
    }
    if (!h.abandonedRuns().isEmpty()) {
      b.append("Earlier runs stopped before staging (their packs were orphans): ").append(String.join(", ", h.abandonedRuns())).append('\n');
    }
    if (!h.orphanPacks().isEmpty()) {
      b.append(String.format(Locale.ROOT, "Removed %d pack file(s) no committed run knows, e.g. %s%n", h.orphanPacks().size(),
          h.orphanPacks().get(0)));
    }
    if (!h.abortedUploads().isEmpty()) {
      b.append(String.format(Locale.ROOT, "Aborted %d dangling multipart upload(s), e.g. %s%n", h.abortedUploads().size(),
          h.abortedUploads().get(0)));
    }
    b.append(String.format(Locale.ROOT, "%s %,d object versions (%s) into %,d packs (%s)%s%n",
        r.dryRun() ? "Would archive" : "Archived", r.objects(), Sizes.format(r.originalBytes()), r.packs(),
        Sizes.format(r.storedBytes()), r.dryRun() ? ", estimated" : ""));
    if (r.deleteMarkers() > 0) {
      b.append(String.format(Locale.ROOT, "and %,d delete markers (cataloged, no bytes)%n", r.deleteMarkers()));
    }
    if (r.classes().isEmpty()) {
      b.append("Nothing to archive: every classified version is archived already.\n");
    } else {
      b.append(String.format(Locale.ROOT, "%n%-22s %-13s %8s %12s %10s %11s %11s %7s%n", "class", "storage", "packs",
          "objects", "deduped", "original", "stored", "ratio"));
      for (ArchiveResult.ClassLine c : r.classes()) {
        b.append(String.format(Locale.ROOT, "%-22s %-13s %,8d %,12d %,10d %11s %11s %6.2fx%n", c.retentionClass(),
            c.storageClass(), c.packs(), c.objects(), c.references(), Sizes.format(c.originalBytes()),
            Sizes.format(c.storedBytes()), c.compression()));
      }
      b.append(String.format(Locale.ROOT, "%nCost against archiving the same versions one by one (one-time: PUTs; total: "
          + "storage until retain-until, at least the minimum duration)%s:%n", r.dryRun() ? ", estimated" : ", as written"));
      b.append(String.format(Locale.ROOT, "%-22s | %12s %10s %10s | %12s %10s %10s | %s%n", "class", "as-is objects",
          "one-time", "total", "packs", "one-time", "total", "saved"));
      for (ArchiveResult.ClassLine c : r.classes()) {
        CostModel.Way a = c.cost().asIs();
        CostModel.Way p = c.cost().packed();
        b.append(String.format(Locale.ROOT, "%-22s | %,12d %10s %10s | %,12d %10s %10s | %5.1f%%%n", c.retentionClass(),
            a.archiveObjects(), ReportFormat.money(a.oneTime()), ReportFormat.money(a.total()), p.archiveObjects(),
            ReportFormat.money(p.oneTime()), ReportFormat.money(p.total()), 100 * c.cost().savedFraction()));
      }
    }
    if (r.skipped() > 0) {
      b.append(String.format(Locale.ROOT, "%nSkipped %,d source(s) that changed, vanished or cannot be read since the "
          + "inventory; the next inventory and archive run pick up what is there then:%n", r.skipped()));
      r.skipReasons().forEach((reason, n) -> {
        b.append(String.format(Locale.ROOT, "  %,d %s, e.g.%n", n, reason));
        r.skippedExamples().stream().filter(s -> s.reason().startsWith(reason)).limit(3).forEach(s -> b.append(String.format(
            Locale.ROOT, "    s3://%s/%s%s%s%n", s.bucket(), s.key(), s.versionId() == null ? "" : " (version " + s.versionId() + ")",
            s.reason().length() > reason.length() ? s.reason().substring(reason.length()) : "")));
      });
    }
    for (String p : r.lockProblems()) b.append("Warning: ").append(p).append('\n');
    if (r.reportUri() != null) b.append(String.format(Locale.ROOT, "%nReport: %s%n", r.reportUri()));
    return b.toString();
  }

  public static String json(ArchiveResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("started_at", io.lakevault.core.Times.iso(r.startedAt()));
    m.put("dry_run", r.dryRun());
    m.put("policy_sha256", r.policySha256());
    m.put("packs", r.packs());
    m.put("objects", r.objects());
    m.put("delete_markers", r.deleteMarkers());
    m.put("original_bytes", r.originalBytes());
    m.put("stored_bytes", r.storedBytes());
    List<Object> classes = new ArrayList<>();
    for (ArchiveResult.ClassLine c : r.classes()) {
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("name", c.retentionClass());
      cm.put("storage_class", c.storageClass());
      cm.put("packs", c.packs());
      cm.put("objects", c.objects());
      cm.put("deduplicated", c.references());
      cm.put("original_bytes", c.originalBytes());
      cm.put("stored_bytes", c.storedBytes());
      cm.put("as_is", ReportFormat.way(c.cost().asIs()));
      cm.put("packed", ReportFormat.way(c.cost().packed()));
      cm.put("saved_fraction", Math.round(c.cost().savedFraction() * 10_000) / 10_000.0);
      classes.add(cm);
    }
    m.put("classes", classes);
    List<Object> skipped = new ArrayList<>();
    for (ArchiveResult.Skip s : r.skippedExamples()) {
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put("bucket", s.bucket());
      sm.put("key", s.key());
      sm.put("version_id", s.versionId());
      sm.put("reason", s.reason());
      skipped.add(sm);
    }
    m.put("skipped", Map.of("count", r.skipped(), "reasons", r.skipReasons(), "examples", skipped));
    ArchiveResult.Housekeeping h = r.housekeeping();
    m.put("housekeeping", Map.of("recovered_runs", h.recoveredRuns(), "abandoned_runs", h.abandonedRuns(),
        "orphan_packs_removed", h.orphanPacks(), "uploads_aborted", h.abortedUploads()));
    m.put("unlocked", r.unlockedPacks());
    m.put("warnings", r.lockProblems());
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }
}
