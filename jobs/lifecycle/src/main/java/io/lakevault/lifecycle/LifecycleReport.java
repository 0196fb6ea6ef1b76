package io.lakevault.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.core.config.Sizes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text and JSON reports of {@code hold}, {@code expire} and {@code erase}. */
public final class LifecycleReport {
  private LifecycleReport() {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static String text(HoldJob.Result r) {
    StringBuilder b = new StringBuilder();
    if (r.action().equals("place")) {
      b.append(String.format(Locale.ROOT, "case %s %s: %s%n", r.caseId(), r.resumed() ? "was open; its holds set again"
          : "placed", r.selector()));
      b.append(String.format(Locale.ROOT, "  %,d archived version(s) selected, in %,d pack(s); legal hold set on %,d%n",
          r.versions(), r.packs(), r.holds().done()));
      if (r.disposedSelected() > 0) {
        b.append(String.format(Locale.ROOT, "  %,d selected version(s) were already disposed of (retention ended): nothing"
            + " left to hold%n", r.disposedSelected()));
      }
    } else {
      b.append(String.format(Locale.ROOT, "case %s %s%n", r.caseId(), r.resumed() ? "was released already; its holds"
          + " removed again where no open case needs them" : "released"));
      b.append(String.format(Locale.ROOT, "  legal hold removed from %,d pack(s); %,d kept held for other open cases%n",
          r.holds().done(), r.keptForOtherCases()));
    }
    if (r.holds().failed() > 0) {
      b.append(String.format(Locale.ROOT, "  %,d pack(s) failed (run the same command again to retry):%n", r.holds().failed()));
      r.holds().examples().forEach(e -> b.append("    ").append(e).append('\n'));
    }
    return b.toString();
  }

  public static String text(List<HoldJob.Case> cases) {
    if (cases.isEmpty()) return "no legal-hold case\n";
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-20s %-8s %8s %10s  %-24s %-20s %s%n", "case", "state", "packs", "versions",
        "placed", "by", "selection / reason"));
    for (HoldJob.Case c : cases) {
      b.append(String.format(Locale.ROOT, "%-20s %-8s %,8d %,10d  %-24s %-20s %s: %s%n", c.caseId(),
          c.releasedAt() == null ? "open" : "released", c.packsHeld(), c.versionsHeld(), c.placedAt(), c.placedBy(),
          c.selector(), c.reason()));
      if (c.releasedAt() != null) {
        b.append(String.format(Locale.ROOT, "%-20s released %s by %s: %s%n", "", c.releasedAt(), c.releasedBy(),
            c.releaseReason()));
      }
    }
    return b.toString();
  }

  public static String text(ExpireJob.Result r) {
    StringBuilder b = new StringBuilder();
    b.append(r.dryRun() ? "expire (dry run: nothing deleted) as of " : "expire as of ").append(r.asOf()).append('\n');
    b.append(String.format(Locale.ROOT, "  %-18s %8s %12s%n", "packs", "count", "bytes"));
    for (Map.Entry<String, Long> e : r.packs().entrySet()) {
      b.append(String.format(Locale.ROOT, "  %-18s %,8d %12s%n", e.getKey().toLowerCase(Locale.ROOT).replace('_', ' '),
          e.getValue(), Sizes.format(r.bytes().getOrDefault(e.getKey(), 0L))));
    }
    b.append(String.format(Locale.ROOT, "  %s %,d pack(s), %s, $%.4f a month of storage freed%n",
        r.dryRun() ? "would delete" : "deleted", r.deleted(), Sizes.format(r.bytesDeleted()), r.monthlyCostFreed()));
    if (!r.dryRun()) b.append(String.format(Locale.ROOT, "  %,d version(s) marked disposed%n", r.versionsDisposed()));
    for (Map.Entry<String, List<String>> e : r.examples().entrySet()) {
      if (e.getKey().equals("DELETE") && !r.dryRun()) continue;
      b.append("  ").append(e.getKey().equals("DELETE") ? "to delete" : "held back, " + e.getKey().toLowerCase(Locale.ROOT)
          .replace('_', ' ')).append(":\n");
      e.getValue().forEach(x -> b.append("    ").append(x).append('\n'));
    }
    if (r.packs().containsKey("MIXED")) {
      b.append(String.format(Locale.ROOT, "  mixed packs hold %s past retention; a rewrite would pay for %,d of them%n",
          Sizes.format(r.mixedDeadBytes()), r.rewritesThatPay()));
      r.rewriteExamples().forEach(x -> b.append("    ").append(x).append('\n'));
    }
    if (!r.problems().isEmpty()) {
      b.append("  not deleted, or deleted with a warning:\n");
      r.problems().forEach(x -> b.append("    ").append(x).append('\n'));
    }
    return b.toString();
  }

  public static String json(HoldJob.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("case", r.caseId());
    m.put("action", r.action());
    m.put("selector", r.selector());
    m.put("resumed", r.resumed());
    m.put("versions", r.versions());
    m.put("packs", r.packs());
    m.put("holds_done", r.holds().done());
    m.put("holds_failed", r.holds().failed());
    m.put("failures", r.holds().examples());
    m.put("kept_for_other_cases", r.keptForOtherCases());
    m.put("disposed_selected", r.disposedSelected());
    return write(m);
  }

  public static String json(List<HoldJob.Case> cases) {
    List<Object> out = new java.util.ArrayList<>();
    for (HoldJob.Case c : cases) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("case", c.caseId());
      m.put("state", c.releasedAt() == null ? "open" : "released");
      m.put("selector", c.selector());
      m.put("reason", c.reason());
      m.put("placed_by", c.placedBy());
      m.put("placed_at", str(c.placedAt()));
      m.put("released_at", str(c.releasedAt()));
      m.put("released_by", c.releasedBy());
      m.put("release_reason", c.releaseReason());
      m.put("packs_held", c.packsHeld());
      m.put("versions_held", c.versionsHeld());
      out.add(m);
    }
    return write(Map.of("cases", out));
  }

  public static String json(ExpireJob.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("dry_run", r.dryRun());
    m.put("as_of", str(r.asOf()));
    m.put("packs_by_verdict", r.packs());
    m.put("bytes_by_verdict", r.bytes());
    m.put("examples", r.examples());
    m.put("deleted", r.deleted());
    m.put("bytes_deleted", r.bytesDeleted());
    m.put("monthly_cost_freed", r.monthlyCostFreed());
    m.put("versions_disposed", r.versionsDisposed());
    m.put("mixed_dead_bytes", r.mixedDeadBytes());
    m.put("rewrites_that_pay", r.rewritesThatPay());
    m.put("rewrite_examples", r.rewriteExamples());
    m.put("problems", r.problems());
    return write(m);
  }

  public static String text(EraseJob.Result r) {
    StringBuilder b = new StringBuilder();
    if (r.alreadyCompleted()) {
      b.append(String.format(Locale.ROOT, "erasure request %s was completed at %s: nothing to do%n", r.requestId(),
          r.completedAt()));
    } else {
      b.append(String.format(Locale.ROOT, "erasure request %s%s%n", r.requestId(), r.dryRun() ? " (dry run: nothing erased)"
          : ": " + r.state()));
    }
    b.append(String.format(Locale.ROOT, "  %s %,d archived version(s) and %,d delete marker(s); %,d key(s) %s%n",
        r.dryRun() ? "would erase" : "erased", r.versionsErased(), r.markersErased(),
        r.dryRun() ? r.keysPlanned() : r.keysDestroyed(), r.dryRun() ? "to destroy" : "destroyed of " + r.keysPlanned()));
    if (r.contentsKept() > 0) {
      b.append(String.format(Locale.ROOT, "  %,d of them by name only: a kept version has the same bytes"
          + " (deduplication), which stay for it%n", r.contentsKept()));
    }
    if (!r.toErase().isEmpty()) {
      b.append("  to erase:\n");
      r.toErase().forEach(x -> b.append("    ").append(x).append('\n'));
    }
    if (!r.refused().isEmpty()) {
      b.append("  refused, kept as they are:\n");
      r.refused().forEach((k, v) -> b.append(String.format(Locale.ROOT, "    %-14s %,d%n",
          k.toLowerCase(Locale.ROOT).replace('_', ' '), v)));
      r.refusedExamples().forEach(x -> b.append("    ").append(x).append('\n'));
    }
    if (r.purgeDue() != null) {
      b.append(String.format(Locale.ROOT, "  the catalog's older files still hold the erased rows: run `lakevault catalog"
          + " purge` before %s%n", r.purgeDue()));
    }
    if (!r.problems().isEmpty()) {
      b.append("  not finished (run the same command again):\n");
      r.problems().forEach(x -> b.append("    ").append(x).append('\n'));
    }
    return b.toString();
  }

  /** The stored report: counts, refusals and problems; a dry run's list of what it would erase is left out. */
  public static String json(EraseJob.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("request", r.requestId());
    m.put("run_id", r.runId());
    m.put("dry_run", r.dryRun());
    m.put("state", r.state());
    m.put("already_completed", r.alreadyCompleted());
    m.put("requested_at", str(r.requestedAt()));
    m.put("completed_at", str(r.completedAt()));
    m.put("purge_due", str(r.purgeDue()));
    m.put("versions_erased", r.versionsErased());
    m.put("markers_erased", r.markersErased());
    m.put("contents_kept", r.contentsKept());
    m.put("keys_planned", r.keysPlanned());
    m.put("keys_destroyed", r.keysDestroyed());
    m.put("refused", r.refused());
    m.put("refused_examples", r.refusedExamples());
    m.put("problems", r.problems());
    return write(m);
  }

  public static String text(PurgeJob.Result r) {
    StringBuilder b = new StringBuilder();
    if (r.requests().isEmpty()) {
      return "catalog purge: no completed erasure request waits for a purge\n";
    }
    b.append(String.format(Locale.ROOT, "catalog purge%s: %,d erasure request(s), %,d erased version(s)%n",
        r.dryRun() ? " (dry run: nothing rewritten)" : "", r.requests().size(), r.versions()));
    for (io.lakevault.core.lifecycle.PurgePlanner.Finished f : r.requests()) {
      b.append(String.format(Locale.ROOT, "  %-24s completed %s, purge due %s%s%n", f.requestId(), f.completedAt(),
          f.purgeDue(), f.late() ? (r.dryRun() ? "  OVERDUE" : "  purged LATE") : ""));
    }
    b.append(String.format(Locale.ROOT, "  %-22s %10s %10s %10s %8s%n", "table", r.dryRun() ? "files" : "rewritten",
        "rows", "names", "commits"));
    for (PurgeJob.TableOutcome t : r.tables()) {
      if (t.filesRewritten() == 0 && t.commitsCorrected() == 0) continue;
      b.append(String.format(Locale.ROOT, "  %-22s %,10d %,10d %,10d %,8d%n", t.table(), t.filesRewritten(),
          t.rowsRemoved(), t.stringsRedacted(), t.commitsCorrected()));
    }
    if (r.textFiles() > 0) {
      b.append(String.format(Locale.ROOT, "  %,d report or keys file(s) %s%n", r.textFiles(),
          r.dryRun() ? "name an erased object" : "redacted"));
    }
    if (r.dryRun()) b.append("  run `lakevault catalog purge` to rewrite them; time travel to earlier versions then"
        + " reads them without the erased rows\n");
    return b.toString();
  }

  /** The stored report: requests, deadlines and counts per table (it names no object). */
  public static String json(PurgeJob.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("dry_run", r.dryRun());
    m.put("at", str(r.at()));
    List<Map<String, Object>> requests = new java.util.ArrayList<>();
    for (io.lakevault.core.lifecycle.PurgePlanner.Finished f : r.requests()) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("request", f.requestId());
      q.put("completed_at", str(f.completedAt()));
      q.put("purge_due", str(f.purgeDue()));
      q.put("late", f.late());
      requests.add(q);
    }
    m.put("requests", requests);
    m.put("late", r.late());
    m.put("versions", r.versions());
    List<Map<String, Object>> tables = new java.util.ArrayList<>();
    for (PurgeJob.TableOutcome t : r.tables()) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("table", t.table());
      q.put("files_rewritten", t.filesRewritten());
      q.put("rows_removed", t.rowsRemoved());
      q.put("strings_redacted", t.stringsRedacted());
      q.put("commits_corrected", t.commitsCorrected());
      tables.add(q);
    }
    m.put("tables", tables);
    m.put("text_files", r.textFiles());
    return write(m);
  }

  private static String str(java.time.Instant t) {
    return io.lakevault.core.Times.iso(t);
  }

  private static String write(Object o) {
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
