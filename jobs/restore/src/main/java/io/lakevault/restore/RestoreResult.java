package io.lakevault.restore;

import io.lakevault.core.cost.RestoreCost;
import io.lakevault.core.store.RestoreTier;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one run of a restore or export request: the plan, the thaw, and what became of each
 * object. Runs of the same request share its {@code restoreId}.
 *
 * @param objects versions selected
 * @param bytes their original bytes
 * @param packs packs holding them
 * @param packStates packs by state after this run: DONE (extracted, now or before), READY, THAWING, MISSING, FAILED
 * @param ranges GETs planned over the packs (entries coalesced)
 * @param rangeBytes bytes those GETs read
 * @param estimates cost and time per tier of thawing the packs still cold when the run began
 * @param objectStates objects by {@link Extracted.State}, over every run of the request so far
 * @param failures the first failures, each naming the object and the reason
 * @param bytesRestored original bytes written by this run
 * @param bytesRead bytes this run read from packs: ranges, plus footers, indexes, key files and dictionaries in {@code metadataBytes}
 * @param phases seconds per phase: find, plan, thaw, thaw-wait, read, write, commit
 * @param manifestSha256 SHA-256 of manifest.csv and manifest.json, for an export that completed
 */
public record RestoreResult(String restoreId, String runId, Instant startedAt, boolean dryRun, boolean export,
    String selector, String target, RestoreTier tier, int days, long objects, long bytes, long packs,
    Map<String, Long> packStates, long ranges, long rangeBytes, List<RestoreCost.Estimate> estimates,
    Map<String, Long> objectStates, List<Failure> failures, long bytesRestored, long bytesRead, long metadataBytes,
    Map<String, Double> phases, Map<String, String> manifestSha256, String reportUri) {

  /** One object that was not restored, and why. */
  public record Failure(String bucket, String key, String versionId, String state, String reason) {}

  public long packs(String state) {
    return packStates.getOrDefault(state, 0L);
  }

  public long objectsIn(Extracted.State state) {
    return objectStates.getOrDefault(state.name(), 0L);
  }

  /** Packs are still thawing: run the same command again later. */
  public boolean thawing() {
    return packs("THAWING") > 0;
  }

  /**
   * The request's outcome as schedulers read it from the JSON report: {@code planned} (dry run),
   * {@code failed} (some selected version was not written, or a pack is missing or unreadable),
   * {@code thawing} (run the same command again later), {@code done}, or {@code incomplete}.
   */
  public String status() {
    if (dryRun) return "planned";
    long notRestored = objectsIn(Extracted.State.FAILED) + objectsIn(Extracted.State.UNSAFE_KEY)
        + objectsIn(Extracted.State.KEPT_NEWER) + packs("MISSING") + packs("FAILED");
    if (notRestored > 0) return "failed";
    if (thawing()) return "thawing";
    return complete() ? "done" : "incomplete";
  }

  /** Every selected object is at the target (restored now or before), nothing failed or is pending. */
  public boolean complete() {
    return !dryRun && packs("DONE") == packs && objectsIn(Extracted.State.RESTORED) + objectsIn(Extracted.State.PRESENT) == objects;
  }
}
