package io.lakevault.archive;

import io.lakevault.core.cost.CostModel;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an archive run did (or, for a dry run, would do).
 *
 * @param classes per retention class
 * @param skipped sources not archived: changed or vanished since the inventory, or unreadable (403, SSE-C, archived,
 *     unavailable after retries); every run tries them again
 * @param skipReasons how many were skipped for each kind of reason (the reason up to its first colon)
 * @param skippedExamples a few of each kind, with their full reasons
 * @param housekeeping what the run found left over by earlier runs and cleaned up
 * @param unlockedPacks packs and key files cataloged but not yet locked (this run's, and those of earlier runs
 *     whose locks it retried): reported, and retried by every later run until they hold
 */
public record ArchiveResult(String runId, Instant startedAt, boolean dryRun, String policySha256,
    List<ClassLine> classes, long deleteMarkers, long skipped, Map<String, Long> skipReasons, List<Skip> skippedExamples,
    Housekeeping housekeeping, List<String> lockProblems, String reportUri, long unlockedPacks) {

  /**
   * One class. In a dry run, {@code packs} and {@code storedBytes} are estimates from the cost model.
   *
   * @param objects objects archived with their bytes (data entries)
   * @param references objects recorded as references to bytes archived before (deduplicated)
   */
  public record ClassLine(String retentionClass, String storageClass, long packs, long objects, long references,
      long originalBytes, long storedBytes, CostModel.Comparison cost) {

    public double compression() {
      return storedBytes == 0 ? 0 : (double) originalBytes / storedBytes;
    }
  }

  public record Skip(String bucket, String key, String versionId, String reason) {}

  /**
   * @param recoveredRuns earlier runs whose staged results this run committed
   * @param abandonedRuns earlier runs that stopped before staging; their packs are orphans
   * @param orphanPacks pack and key files no committed run knows, removed
   * @param abortedUploads multipart uploads left dangling, aborted
   */
  public record Housekeeping(List<String> recoveredRuns, List<String> abandonedRuns, List<String> orphanPacks,
      List<String> abortedUploads) {
    public static final Housekeeping NONE = new Housekeeping(List.of(), List.of(), List.of(), List.of());

    public boolean isEmpty() {
      return recoveredRuns.isEmpty() && abandonedRuns.isEmpty() && orphanPacks.isEmpty() && abortedUploads.isEmpty();
    }
  }

  public long packs() {
    return classes.stream().mapToLong(ClassLine::packs).sum();
  }

  public long objects() {
    return classes.stream().mapToLong(c -> c.objects() + c.references()).sum();
  }

  public long originalBytes() {
    return classes.stream().mapToLong(ClassLine::originalBytes).sum();
  }

  public long storedBytes() {
    return classes.stream().mapToLong(ClassLine::storedBytes).sum();
  }
}
