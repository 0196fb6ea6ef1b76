package io.lakevault.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.archive.VerifyJob.PackResult;
import io.lakevault.archive.VerifyJob.Result;
import io.lakevault.archive.VerifyJob.State;
import io.lakevault.core.config.Sizes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code lakevault verify}'s report: printed, and written as JSON under {@code reports/verify/}. */
public final class VerifyReport {
  private VerifyReport() {}

  /** {@code ok}, {@code failed} (a pack corrupt or missing) or {@code thawing}: what a scheduler acts on. */
  public static String status(Result r) {
    if (r.count(State.CORRUPT) + r.count(State.MISSING) > 0) return "failed";
    return r.count(State.THAWING) > 0 ? "thawing" : "ok";
  }

  public static String text(Result r) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT,
        "Checked %,d pack(s): %,d verified (%,d entries, %s read), %,d corrupt, %,d missing, %,d thawing%n",
        r.total(), r.count(State.VERIFIED), r.entries(), Sizes.format(r.bytesRead()), r.count(State.CORRUPT),
        r.count(State.MISSING), r.count(State.THAWING)));
    long shown = 0;
    for (PackResult p : r.listed()) {
      if (p.state() == State.VERIFIED) continue;
      shown++;
      b.append(String.format("  %-8s %s%n", p.state(), p.uri()));
      for (String problem : p.problems()) b.append(String.format("           %s%n", problem));
    }
    if (shown < r.notVerified()) {
      b.append(String.format(Locale.ROOT, "  ... and %,d more pack(s) not verified: every pack's result is in %s%n",
          r.notVerified() - shown, r.packsUri()));
    }
    b.append(String.format("Report: %s%n", r.reportUri()));
    return b.toString();
  }

  public static String json(Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("status", status(r));
    m.put("packs", r.total());
    Map<String, Long> states = new LinkedHashMap<>();
    for (State s : State.values()) states.put(s.name().toLowerCase(Locale.ROOT), r.count(s));
    m.put("states", states);
    m.put("entries", r.entries());
    m.put("bytes_read", r.bytesRead());
    List<Object> problems = new ArrayList<>();
    for (PackResult p : r.listed()) {
      if (p.state() == State.VERIFIED) continue;
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("pack_id", p.packId());
      pm.put("uri", p.uri());
      pm.put("state", p.state().name());
      pm.put("problems", p.problems());
      problems.add(pm);
    }
    m.put("not_verified", problems);
    m.put("not_verified_listed", problems.size());
    m.put("packs_uri", r.packsUri());
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }
}
