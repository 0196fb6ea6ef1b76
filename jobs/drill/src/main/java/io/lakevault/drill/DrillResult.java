package io.lakevault.drill;

import io.lakevault.core.drill.DrillPlan.Level;
import io.lakevault.core.drill.DrillPlan.Outcome;
import io.lakevault.core.store.RestoreTier;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A drill after one run: every (class, level) with its state, the drill's id, and whether its scratch target
 * was cleaned. Runs of the same command share the drill id.
 *
 * @param cleaned whether this run removed what the drill restored (it does once every level is finished)
 */
public record DrillResult(String drillId, String runId, boolean dryRun, long seed, String target, List<LevelResult> levels,
    boolean cleaned, String reportUri) {

  /**
   * One (class, level): a row of the {@code drills} table.
   *
   * @param selectors the restore selections, canonical, one per bucket
   * @param elapsedSeconds from the level's first restore request to its verification (a dry run: the typical thaw)
   * @param phases seconds per phase: find, plan, thaw-request, thaw-wait, read, write, verify
   */
  public record LevelResult(String drillId, String retentionClass, Level level, long seed, Instant asOf,
      List<String> selectors, long objects, long bytes, long packs, RestoreTier tier, Outcome outcome, List<String> reasons,
      Duration rto, double elapsedSeconds, boolean metRto, long restoreRequests, long getRequests, double cost,
      Map<String, Double> phases, List<String> restoreIds, String target, Instant startedAt, Instant completedAt,
      Instant cleanedAt, String runId) {

    LevelResult withCleaned(Instant at) {
      return new LevelResult(drillId, retentionClass, level, seed, asOf, selectors, objects, bytes, packs, tier, outcome,
          reasons, rto, elapsedSeconds, metRto, restoreRequests, getRequests, cost, phases, restoreIds, target, startedAt,
          completedAt, cleanedAt == null ? at : cleanedAt, runId);
    }
  }

  public long count(Outcome o) {
    return levels.stream().filter(l -> l.outcome() == o).count();
  }

  /** Packs are thawing somewhere: run the same command again later (exit 3). */
  public boolean thawing() {
    return count(Outcome.THAWING) > 0;
  }

  /**
   * What a scheduler reads: {@code planned} (dry run), {@code thawing}, {@code failed} (a level failed or
   * missed its RTO: the drill found a restore that does not work as promised), or {@code passed}.
   */
  public String status() {
    if (dryRun) return "planned";
    if (thawing()) return "thawing";
    return count(Outcome.FAILED) + count(Outcome.RTO_MISSED) > 0 ? "failed" : "passed";
  }
}
