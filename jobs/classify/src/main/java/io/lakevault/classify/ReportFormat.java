package io.lakevault.classify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.cost.CostModel;
import io.lakevault.core.policy.RetentionClass;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The classification report as a table for people and as JSON for programs (its fields: docs/policy.md). */
public final class ReportFormat {
  private ReportFormat() {}

  public static String text(ClassifyResult r) {
    StringBuilder b = new StringBuilder();
    long all = r.totals().values().stream().mapToLong(ClassifyResult.Volume::objects).sum();
    long allBytes = r.totals().values().stream().mapToLong(ClassifyResult.Volume::bytes).sum();
    b.append(String.format(Locale.ROOT, "%s %,d object versions (%s) as of %s with %s (sha256 %s)%n",
        r.dryRun() ? "Would classify" : "Classified", all, Sizes.format(allBytes), r.asOf(), r.policySource(),
        r.policySha256().substring(0, 12)));
    b.append("from ").append(r.inventory().size()).append(" inventory report(s):");
    for (LatestInventory.Report i : r.inventory()) {
      b.append(String.format(Locale.ROOT, " %s/%s@%s", i.sourceBucket(), i.configId(), i.reportTime()));
    }
    b.append('\n');
    for (String d : List.of(Classifier.ARCHIVE, Classifier.EXCLUDE, Classifier.UNMATCHED)) {
      ClassifyResult.Volume v = r.total(d);
      b.append(String.format(Locale.ROOT, "  %-10s %,14d %12s%n", d.toLowerCase(Locale.ROOT), v.objects(), Sizes.format(v.bytes())));
    }
    b.append(String.format(Locale.ROOT, "pending for the next archive run: %,d object versions (%s)%n",
        r.pending().versions(), r.pending().plan().all() ? "all to archive: " + r.pending().plan().reason() : r.pending().plan().reason()));

    b.append(String.format(Locale.ROOT, "%nPer class (sizes of the object versions):%n"));
    b.append(String.format(Locale.ROOT, "%-22s %-13s %-8s %-10s %12s %11s", "class", "storage", "retain", "lock", "objects", "bytes"));
    List<ClassifyResult.Bin> header = r.classes().isEmpty() ? List.of() : r.classes().get(0).histogram();
    for (ClassifyResult.Bin bin : header) b.append(String.format(Locale.ROOT, " %10s", shortLabel(bin.label())));
    b.append('\n');
    for (ClassifyResult.ClassSummary c : r.classes()) {
      RetentionClass rc = c.retentionClass();
      b.append(String.format(Locale.ROOT, "%-22s %-13s %-8s %-10s %,12d %11s", rc.name(), rc.storageClass(), rc.retain(),
          rc.lockMode().toLowerCase(Locale.ROOT), c.volume().objects(), Sizes.format(c.volume().bytes())));
      for (ClassifyResult.Bin bin : c.histogram()) b.append(String.format(Locale.ROOT, " %,10d", bin.objects()));
      b.append('\n');
    }

    b.append(String.format(Locale.ROOT, "%nCost to archive, at %s (one-time: PUT requests; per month: storage now;"
        + " total: both until retain-until, at least the minimum duration):%n", r.priceTable()));
    b.append(String.format(Locale.ROOT, "%-22s | %-45s | %-45s | %s%n", "", "as-is (one archive object per version)",
        "packed (lakevault packs, estimated)", "saved"));
    b.append(String.format(Locale.ROOT, "%-22s | %12s %10s %10s %10s | %12s %10s %10s %10s |%n", "class",
        "objects", "one-time", "per month", "total", "packs", "one-time", "per month", "total"));
    for (ClassifyResult.ClassSummary c : r.classes()) {
      CostModel.Way a = c.cost().asIs();
      CostModel.Way p = c.cost().packed();
      b.append(String.format(Locale.ROOT, "%-22s | %,12d %10s %10s %10s | %,12d %10s %10s %10s | %5.1f%%%n",
          c.retentionClass().name(), a.archiveObjects(), money(a.oneTime()), money(a.monthly()), money(a.total()),
          p.archiveObjects(), money(p.oneTime()), money(p.monthly()), money(p.total()), 100 * c.cost().savedFraction()));
    }

    b.append(String.format(Locale.ROOT, "%nPer rule (in the order they are tried):%n"));
    for (ClassifyResult.RuleSummary rule : r.rules()) {
      b.append(String.format(Locale.ROOT, "  %-32s %-22s %,12d %11s%n", rule.ruleId(), rule.action(),
          rule.volume().objects(), Sizes.format(rule.volume().bytes())));
    }
    ClassifyResult.Unmatched u = r.unmatched();
    if (u.volume().objects() > 0) {
      b.append(String.format(Locale.ROOT, "%nUnmatched: %,d object versions (%s) no rule decides; they are not archived."
          + " Add rules for them (or an exclusion). Where they are:%n", u.volume().objects(), Sizes.format(u.volume().bytes())));
      for (ClassifyResult.PrefixCount p : u.topPrefixes()) {
        b.append(String.format(Locale.ROOT, "  %-64s %,10d %11s%n",
            abbreviate("s3://" + p.bucket() + "/" + (p.prefix().isEmpty() ? "" : p.prefix() + "/"), 64),
            p.objects(), Sizes.format(p.bytes())));
      }
      b.append("For example:\n");
      for (String e : u.examples()) b.append("  ").append(abbreviate(e, 160)).append('\n');
    }
    if (r.reportUri() != null) b.append(String.format(Locale.ROOT, "%nReport: %s%n", r.reportUri()));
    return b.toString();
  }

  /** Long keys (up to 1,024 bytes) keep their start and end, which say the most. */
  static String abbreviate(String s, int max) {
    if (s.length() <= max) return s;
    int head = max * 2 / 3;
    return s.substring(0, head) + "..." + s.substring(s.length() - (max - head - 3));
  }

  private static String shortLabel(String label) {
    return label.replace(" - ", "-").replace(" ", "");
  }

  /** Money for reading: cents, or four decimals for sub-cent amounts; k and M for large ones. */
  public static String money(double v) {
    if (v >= 1_000_000) return String.format(Locale.ROOT, "$%.2fM", v / 1e6);
    if (v >= 10_000) return String.format(Locale.ROOT, "$%.1fk", v / 1e3);
    if (v >= 100) return String.format(Locale.ROOT, "$%.0f", v);
    if (v >= 0.01 || v == 0) return String.format(Locale.ROOT, "$%.2f", v);
    return String.format(Locale.ROOT, "$%.4f", v);
  }

  /** The report as JSON; sizes in bytes, money in the price table's currency, instants in ISO-8601 UTC. */
  public static String json(ClassifyResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("as_of", io.lakevault.core.Times.iso(r.asOf()));
    m.put("dry_run", r.dryRun());
    m.put("policy", Map.of("source", r.policySource(), "sha256", r.policySha256()));
    m.put("price_table", r.priceTable());
    List<Object> inv = new ArrayList<>();
    for (LatestInventory.Report i : r.inventory()) {
      inv.add(map("source_bucket", i.sourceBucket(), "config_id", i.configId(), "report_time", io.lakevault.core.Times.iso(i.reportTime()),
          "all_versions", i.allVersions(), "rows", i.rows()));
    }
    m.put("inventory_reports", inv);
    Map<String, Object> totals = new LinkedHashMap<>();
    for (String d : List.of(Classifier.ARCHIVE, Classifier.EXCLUDE, Classifier.UNMATCHED)) {
      totals.put(d.toLowerCase(Locale.ROOT), volume(r.total(d)));
    }
    m.put("totals", totals);
    io.lakevault.core.archive.ArchiveFrontier.Plan plan = r.pending().plan();
    List<Object> whole = new ArrayList<>();
    for (var c : plan.configs()) {
      whole.add(map("source_bucket", c.sourceBucket(), "config_id", c.configId(), "mode", c.mode().name(), "change_sets",
          c.changeSets().size(), "reason", c.reason()));
    }
    m.put("archive_pending", map("versions", r.pending().versions(), "all", plan.all(), "reason", plan.reason(),
        "configurations", whole));
    List<Object> classes = new ArrayList<>();
    for (ClassifyResult.ClassSummary c : r.classes()) {
      RetentionClass rc = c.retentionClass();
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("name", rc.name());
      cm.put("storage_class", rc.storageClass().name());
      cm.put("retain", rc.retain().toString());
      cm.put("from", rc.anchor() == RetentionClass.Anchor.ARCHIVED ? "archive" : "last-modified");
      cm.put("lock", rc.lockMode());
      cm.put("encrypted", rc.encrypted());
      cm.put("pack_size", rc.packSize());
      cm.put("objects", c.volume().objects());
      cm.put("bytes", c.volume().bytes());
      List<Object> hist = new ArrayList<>();
      for (ClassifyResult.Bin bin : c.histogram()) hist.add(map("bin", bin.label(), "objects", bin.objects(), "bytes", bin.bytes()));
      cm.put("size_histogram", hist);
      cm.put("as_is", way(c.cost().asIs()));
      cm.put("packed", way(c.cost().packed()));
      cm.put("saved_fraction", round(c.cost().savedFraction()));
      classes.add(cm);
    }
    m.put("classes", classes);
    List<Object> rules = new ArrayList<>();
    for (ClassifyResult.RuleSummary rule : r.rules()) {
      rules.add(map("id", rule.ruleId(), "action", rule.action(), "objects", rule.volume().objects(), "bytes", rule.volume().bytes()));
    }
    m.put("rules", rules);
    List<Object> top = new ArrayList<>();
    for (ClassifyResult.PrefixCount p : r.unmatched().topPrefixes()) {
      top.add(map("bucket", p.bucket(), "prefix", p.prefix(), "objects", p.objects(), "bytes", p.bytes()));
    }
    m.put("unmatched", map("objects", r.unmatched().volume().objects(), "bytes", r.unmatched().volume().bytes(),
        "top_prefixes", top, "examples", r.unmatched().examples()));
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }

  private static Map<String, Object> volume(ClassifyResult.Volume v) {
    return map("objects", v.objects(), "bytes", v.bytes());
  }

  /** A cost way as JSON fields. */
  public static Map<String, Object> way(CostModel.Way w) {
    return map("archive_objects", w.archiveObjects(), "requests", w.requests(), "stored_bytes", Math.round(w.storedBytes()),
        "one_time", round(w.oneTime()), "per_month", round(w.monthly()), "total", round(w.total()));
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }
}
