package io.lakevault.restore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.cost.RestoreCost;
import io.lakevault.spark.Selection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The restore and export report as text for people and JSON for programs (fields: docs/restore.md). */
public final class RestoreReport {
  private RestoreReport() {}

  public static String text(RestoreResult r) {
    StringBuilder b = new StringBuilder();
    String what = r.export() ? "Export" : "Restore";
    b.append(String.format(Locale.ROOT, "%s %s: %,d object version(s), %s, in %,d pack(s) -> %s%n", what, r.restoreId(),
        r.objects(), Sizes.format(r.bytes()), r.packs(), r.target()));
    b.append(String.format(Locale.ROOT, "Selection: %s%n", r.selector()));
    b.append(String.format(Locale.ROOT, "Reads: %,d range GET(s) of %s planned over the packs not yet extracted%n",
        r.ranges(), Sizes.format(r.rangeBytes())));
    b.append("Packs: ").append(states(r.packStates())).append('\n');
    if (r.dryRun() || r.packs("COLD") > 0) {
      b.append(String.format(Locale.ROOT, "%nThawing the %,d cold pack(s) (days kept: %d):%n", r.packs("COLD"), r.days()));
      b.append(String.format(Locale.ROOT, "  %-10s %12s %12s %10s %10s %14s%n", "tier", "retrieval", "copies", "reads", "total",
          "typical time"));
      for (RestoreCost.Estimate e : r.estimates()) {
        if (!e.available()) {
          b.append(String.format(Locale.ROOT, "  %-10s not available for these packs (Deep Archive has no Expedited)%n",
              e.tier().name()));
          continue;
        }
        b.append(String.format(Locale.ROOT, "  %-10s %12s %12s %10s %10s %14s%n", e.tier().name(), money(e.retrieval()),
            money(e.copies()), money(e.reads()), money(e.total()), e.hours() == 0 ? "none" : "up to " + hours(e.hours())));
      }
    }
    if (r.dryRun()) {
      b.append("\nDry run: nothing was requested or written.\n");
      return b.toString();
    }
    b.append(String.format(Locale.ROOT, "%nObjects: %s%n", states(r.objectStates())));
    b.append(String.format(Locale.ROOT, "This run wrote %s and read %s from packs (%s of it footers, indexes and keys)%n",
        Sizes.format(r.bytesRestored()), Sizes.format(r.bytesRead() + r.metadataBytes()), Sizes.format(r.metadataBytes())));
    if (!r.failures().isEmpty()) {
      b.append("\nNot restored:\n");
      for (RestoreResult.Failure f : r.failures()) {
        b.append(String.format(Locale.ROOT, "  %-10s s3://%s/%s%s: %s%n", f.state(), f.bucket(), f.key(),
            f.versionId() == null ? "" : " (version " + f.versionId() + ")", f.reason()));
      }
    }
    b.append("Phases:");
    r.phases().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.1fs", k, v)));
    b.append('\n');
    if (!r.manifestSha256().isEmpty()) {
      b.append("Manifests:");
      r.manifestSha256().forEach((k, v) -> b.append(' ').append(k).append(" sha256:").append(v));
      b.append('\n');
    }
    if (r.thawing()) {
      b.append(String.format(Locale.ROOT, "%n%,d pack(s) are thawing; run the same command again once they are readable "
          + "(typically up to %s for tier %s).%n", r.packs("THAWING"), hours(tierHours(r)), r.tier().name()));
    }
    if (r.reportUri() != null) b.append(String.format(Locale.ROOT, "Report: %s%n", r.reportUri()));
    return b.toString();
  }

  private static double tierHours(RestoreResult r) {
    return r.estimates().stream().filter(e -> e.tier() == r.tier()).mapToDouble(RestoreCost.Estimate::hours).max().orElse(48);
  }

  private static String states(Map<String, Long> states) {
    if (states.isEmpty()) return "none yet";
    List<String> parts = new ArrayList<>();
    states.forEach((k, v) -> parts.add(String.format(Locale.ROOT, "%,d %s", v, k.toLowerCase(Locale.ROOT).replace('_', ' '))));
    return String.join(", ", parts);
  }

  private static String money(double v) {
    return String.format(Locale.ROOT, "$%,.2f", v);
  }

  private static String hours(double h) {
    return h < 1 ? String.format(Locale.ROOT, "%.0f min", h * 60) : String.format(Locale.ROOT, "%.0f h", h);
  }

  public static String json(RestoreResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("restore_id", r.restoreId());
    m.put("run_id", r.runId());
    m.put("started_at", io.lakevault.core.Times.iso(r.startedAt()));
    m.put("kind", r.export() ? "export" : "restore");
    m.put("status", r.status());
    m.put("dry_run", r.dryRun());
    m.put("selection", r.selector());
    m.put("target", r.target());
    m.put("tier", r.tier().name());
    m.put("days", r.days());
    m.put("objects", r.objects());
    m.put("bytes", r.bytes());
    m.put("packs", r.packs());
    m.put("pack_states", r.packStates());
    m.put("ranges", r.ranges());
    m.put("range_bytes", r.rangeBytes());
    List<Object> est = new ArrayList<>();
    for (RestoreCost.Estimate e : r.estimates()) {
      Map<String, Object> em = new LinkedHashMap<>();
      em.put("tier", e.tier().name());
      em.put("available", e.available());
      em.put("retrieval", round(e.retrieval()));
      em.put("restored_copies", round(e.copies()));
      em.put("reads", round(e.reads()));
      em.put("total", round(e.total()));
      em.put("hours", e.hours());
      est.add(em);
    }
    m.put("estimates", est);
    m.put("object_states", r.objectStates());
    m.put("complete", r.complete());
    m.put("bytes_restored", r.bytesRestored());
    m.put("bytes_read", r.bytesRead());
    m.put("metadata_bytes_read", r.metadataBytes());
    List<Object> failures = new ArrayList<>();
    for (RestoreResult.Failure f : r.failures()) {
      Map<String, Object> fm = new LinkedHashMap<>();
      fm.put("bucket", f.bucket());
      fm.put("key", f.key());
      fm.put("version_id", f.versionId());
      fm.put("state", f.state());
      fm.put("reason", f.reason());
      failures.add(fm);
    }
    m.put("failures", failures);
    Map<String, Object> phases = new LinkedHashMap<>();
    r.phases().forEach((k, v) -> phases.put(k, Math.round(v * 1000) / 1000.0));
    m.put("phase_seconds", phases);
    m.put("manifest_sha256", r.manifestSha256());
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
