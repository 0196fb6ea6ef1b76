package io.lakevault.drill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.core.Times;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.drill.DrillPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A drill's outcome for people (a table per class and level) and for schedulers (JSON). */
public final class DrillReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final List<String> PHASES = List.of("find", "plan", "thaw-request", "thaw-wait", "read", "write", "verify");

  private DrillReport() {}

  public static String text(DrillResult r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "drill %s (seed %d)%s into %s%n", r.drillId(), r.seed(),
        r.dryRun() ? " (dry run: nothing restored)" : "", r.target()));
    b.append(String.format(Locale.ROOT, "  %-18s %-9s %-11s %8s %10s %10s %9s %9s%n", "class", "level", "state", "objects",
        "bytes", r.dryRun() ? "est. time" : "elapsed", "rto", "cost"));
    for (DrillResult.LevelResult l : r.levels()) {
      b.append(String.format(Locale.ROOT, "  %-18s %-9s %-11s %,8d %10s %10s %9s %9s%n", l.retentionClass(),
          l.level().cliName(), l.outcome(), l.objects(), Sizes.format(l.bytes()),
          DrillPlan.human(Duration.ofMillis((long) (l.elapsedSeconds() * 1000))),
          l.rto() == null ? "-" : DrillPlan.human(l.rto()), String.format(Locale.ROOT, "$%.4f", l.cost())));
      if (l.asOf() != null && !l.selectors().isEmpty()) {
        b.append("      as of ").append(Times.iso(l.asOf())).append(": ").append(String.join(" | ", l.selectors()))
            .append('\n');
      }
      for (String why : l.reasons()) b.append("      ").append(why).append('\n');
    }
    if (r.dryRun()) {
      b.append("Run without --dry-run to restore the samples (exit 3 while packs thaw: run the same command again).\n");
    } else if (r.thawing()) {
      b.append("Packs are thawing: run the same command again later; the drill resumes with the same sample.\n");
    } else {
      b.append(r.cleaned() ? "Restored files removed from the scratch target.\n" : "");
      b.append("Result: ").append(r.status()).append(r.reportUri() == null ? "" : "; report " + r.reportUri()).append('\n');
    }
    return b.toString();
  }

  public static String json(DrillResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("drill_id", r.drillId());
    m.put("run_id", r.runId());
    m.put("status", r.status());
    m.put("seed", r.seed());
    m.put("target", r.target());
    m.put("cleaned", r.cleaned());
    List<Object> levels = new ArrayList<>();
    for (DrillResult.LevelResult l : r.levels()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("class", l.retentionClass());
      x.put("level", l.level().cliName());
      x.put("state", l.outcome().name().toLowerCase(Locale.ROOT));
      x.put("as_of", l.asOf() == null ? null : Times.iso(l.asOf()));
      x.put("selectors", l.selectors());
      x.put("objects", l.objects());
      x.put("bytes", l.bytes());
      x.put("packs", l.packs());
      x.put("tier", l.tier() == null ? null : l.tier().name());
      x.put("rto_seconds", l.rto() == null ? null : l.rto().getSeconds());
      x.put("elapsed_seconds", l.elapsedSeconds());
      x.put("met_rto", l.metRto());
      x.put("restore_requests", l.restoreRequests());
      x.put("get_requests", l.getRequests());
      x.put("cost_usd", l.cost());
      Map<String, Double> phases = new LinkedHashMap<>();
      for (String p : PHASES) {
        if (l.phases().containsKey(p)) phases.put(p, l.phases().get(p));
      }
      x.put("phase_seconds", phases);
      x.put("reasons", l.reasons());
      x.put("restore_ids", l.restoreIds());
      levels.add(x);
    }
    m.put("levels", levels);
    try {
      return JSON.writeValueAsString(m) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
