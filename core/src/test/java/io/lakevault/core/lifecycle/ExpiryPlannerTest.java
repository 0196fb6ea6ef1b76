package io.lakevault.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.lifecycle.ExpiryPlanner.Decision;
import io.lakevault.core.lifecycle.ExpiryPlanner.PackFacts;
import io.lakevault.core.lifecycle.ExpiryPlanner.Verdict;
import io.lakevault.core.store.StorageClass;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpiryPlannerTest {
  private static final Instant NOW = Instant.parse("2030-06-01T00:00:00Z");
  private final ExpiryPlanner planner = new ExpiryPlanner(PriceTable.builtIn());

  private static PackFacts pack(StorageClass sc, Instant created, Instant lock, Instant latest, long members, long expired,
      List<String> holds) {
    return new PackFacts("p", "s3://a/p.lvp", "c", sc, created, lock, latest, members, expired, 1L << 30, 1L << 29, holds);
  }

  @Test
  void aPackGoesOnlyWhenEveryConditionHoldsAndTheFirstReasonToKeepItIsReported() {
    Instant old = NOW.minus(400, ChronoUnit.DAYS);
    Instant past = NOW.minus(1, ChronoUnit.DAYS);
    assertEquals(Verdict.DELETE, planner.decide(pack(StorageClass.DEEP_ARCHIVE, old, past, past, 3, 3, List.of()), NOW).verdict());
    Decision held = planner.decide(pack(StorageClass.DEEP_ARCHIVE, old, past, past, 3, 3, List.of("case-1", "case-2")), NOW);
    assertEquals(Verdict.HELD, held.verdict());
    assertTrue(held.reason().contains("case-1, case-2"), held.reason());
    assertEquals(Verdict.RETAINED, planner.decide(pack(StorageClass.DEEP_ARCHIVE, old, past, NOW.plusSeconds(60), 3, 0, List.of()), NOW).verdict());
    assertEquals(Verdict.RETAINED, planner.decide(pack(StorageClass.DEEP_ARCHIVE, old, null, null, 3, 0, List.of()), NOW).verdict());
    assertEquals(Verdict.LOCKED, planner.decide(pack(StorageClass.DEEP_ARCHIVE, old, NOW.plusSeconds(1), past, 3, 3, List.of()), NOW).verdict());
    // Deep Archive bills 180 days: a pack 100 days old waits, a GLACIER_IR one (90 days) does not.
    Instant young = NOW.minus(100, ChronoUnit.DAYS);
    Decision minimum = planner.decide(pack(StorageClass.DEEP_ARCHIVE, young, null, past, 3, 3, List.of()), NOW);
    assertEquals(Verdict.MINIMUM_DURATION, minimum.verdict());
    assertTrue(minimum.reason().contains("180 days"), minimum.reason());
    assertEquals(Verdict.DELETE, planner.decide(pack(StorageClass.GLACIER_IR, young, null, past, 3, 3, List.of()), NOW).verdict());
  }

  @Test
  void aMixedPackIsKeptAndTheRewriteIsWeighed() {
    Instant old = NOW.minus(400, ChronoUnit.DAYS);
    // Half a GiB dead for nine more years in Deep Archive saves less than its thaw and PUT cost.
    Decision soon = planner.decide(pack(StorageClass.DEEP_ARCHIVE, old, null, NOW.plus(30, ChronoUnit.DAYS), 4, 2, List.of()), NOW);
    assertEquals(Verdict.MIXED, soon.verdict());
    assertFalse(soon.rewrite().pays(), soon.rewrite().toString());
    // In GLACIER_IR (read without a thaw), half a GiB dead for nine years pays for a rewrite.
    Decision standard = planner.decide(pack(StorageClass.GLACIER_IR, old, null, NOW.plus(3300, ChronoUnit.DAYS), 4, 2, List.of()), NOW);
    assertTrue(standard.rewrite().pays(), standard.rewrite().toString());
    assertTrue(standard.rewrite().savedPerMonth() > 0);
  }
}
