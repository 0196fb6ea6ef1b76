package io.lakevault.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PurgePlannerTest {
  private static final Instant NOW = Instant.parse("2026-12-04T00:00:00Z");

  @Test
  void requestsAreFinishedByDeadlineAndThoseAfterItAreLate() {
    List<PurgePlanner.Finished> f = PurgePlanner.finish(List.of(
        new PurgePlanner.Request("B", NOW.minusSeconds(86400), NOW.plusSeconds(3600)),
        new PurgePlanner.Request("A", NOW.minusSeconds(40 * 86400), NOW.minusSeconds(86400)),
        new PurgePlanner.Request("C", NOW, null)), NOW);
    assertEquals(List.of("A", "B", "C"), f.stream().map(PurgePlanner.Finished::requestId).toList());
    assertEquals(List.of(true, false, false), f.stream().map(PurgePlanner.Finished::late).toList());
  }

  @Test
  void theFingerprintIsTheOneErasedVersionsKeeps() {
    // printf 'b\nk\nnull' | sha256sum; ErasureTest pins that Spark's sha2(concat_ws("\n", ...), 256) agrees.
    assertEquals("cd5aa012e068e2f5f076a41ed67406a0d050bff912fd319d149025357447326f",
        PurgePlanner.versionSha256("b", "k", null));
    assertEquals(PurgePlanner.versionSha256("b", "k", "null"), PurgePlanner.versionSha256("b", "k", null));
    assertEquals("558f536b9430baa3a3ff0059f290bc5fecc0f6b11c207c33e69e51394ca7ddee",
        PurgePlanner.versionSha256("b", "k/\u00e9", "v"), "UTF-8");
  }

  @Test
  void textNamingAnErasedObjectIsRedactedWholeAndOtherTextIsLeftAlone() {
    List<String> forms = PurgePlanner.textForms(List.of("src/users/alice.json", "src/a.txt"));
    assertEquals(List.of("src/users/alice.json", "users/alice.json", "src/a.txt"), forms,
        "bucket/key first; a short key without a slash is not looked for on its own");
    assertEquals("restore s3://[erased] to /tmp", PurgePlanner.redact("restore s3://src/users/alice.json to /tmp", forms));
    assertEquals("bucket=src;prefix=[erased];", PurgePlanner.redact("bucket=src;prefix=users/alice.json;", forms));
    String other = "bucket=src;prefix=users/bob.json;a.txt";
    assertSame(other, PurgePlanner.redact(other, forms), "unchanged text is the same instance");
  }

  @Test
  void aLogLineOfARewrittenFileGetsItsNewSizeAndLosesItsStatistics() {
    String add = "{\"add\":{\"path\":\"bucket=a%253Db/part-0.parquet\",\"partitionValues\":{\"bucket\":\"a=b\"},\"size\":100,"
        + "\"modificationTime\":1,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":3,\\\"minValues\\\":{\\\"key\\\":\\\"users/al\\\"}}\"}}";
    String out = PurgePlanner.scrubLogLine(add, Map.of("bucket=a%3Db/part-0.parquet", 80L));
    assertTrue(out.contains("\"size\":80") && !out.contains("stats") && !out.contains("users/al"), out);
    assertTrue(out.contains("\"partitionValues\":{\"bucket\":\"a=b\"}"), "the rest of the action is kept: " + out);
    assertSame(add, PurgePlanner.scrubLogLine(add, Map.of("other.parquet", 80L)));
    String remove = "{\"remove\":{\"path\":\"part-1.parquet\",\"deletionTimestamp\":5,\"dataChange\":true,\"size\":10}}";
    assertTrue(PurgePlanner.scrubLogLine(remove, Map.of("part-1.parquet", 7L)).contains("\"size\":7"));
    String commit = "{\"commitInfo\":{\"operation\":\"WRITE\"}}";
    assertSame(commit, PurgePlanner.scrubLogLine(commit, Map.of("part-1.parquet", 7L)));
    assertThrows(IllegalArgumentException.class, () -> PurgePlanner.scrubLogLine("{not json", Map.of("x", 1L)));
  }

  @Test
  void aDeletionVectorOnAFileToRewriteIsSeen() {
    String dv = "{\"add\":{\"path\":\"p.parquet\",\"size\":1,\"deletionVector\":{\"storageType\":\"u\"}}}";
    assertTrue(PurgePlanner.hasDeletionVector(dv, Set.of("p.parquet")));
    assertFalse(PurgePlanner.hasDeletionVector(dv, Set.of("q.parquet")));
  }
}
