package io.lakevault.core.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.drill.DrillPlan.Findings;
import io.lakevault.core.drill.DrillPlan.Level;
import io.lakevault.core.drill.DrillPlan.Outcome;
import io.lakevault.core.policy.Period;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.StorageClass;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrillPlanTest {
  static RetentionClass cls(StorageClass sc, Duration rto) {
    return new RetentionClass("c", "", Period.parse("1y"), RetentionClass.Anchor.LAST_MODIFIED, sc, "NONE", false, null,
        null, null, 1 << 20, rto, false);
  }

  @Test
  void levelsParseFromTheCommandLineAndRefuseUnknownOnes() {
    assertEquals(List.of(Level.values()), Level.parse(List.of()));
    assertEquals(List.of(Level.OBJECT, Level.PREFIXES), Level.parse(List.of("prefixes,object")));
    assertEquals(List.of(Level.values()), Level.parse(List.of("all")));
    LakevaultException e = assertThrows(LakevaultException.class, () -> Level.parse(List.of("folder")));
    assertTrue(e.getMessage().contains("--levels folder"), e.getMessage());
  }

  @Test
  void theSampleIsAFunctionOfTheSeedClassAndLevel() {
    Instant from = Instant.parse("2020-01-01T00:00:00Z");
    Instant now = Instant.parse("2026-12-01T00:00:00Z");
    Instant a = DrillPlan.asOf(7, "finra-7y", Level.PREFIX, from, now);
    assertEquals(a, DrillPlan.asOf(7, "finra-7y", Level.PREFIX, from, now));
    assertFalse(a.isBefore(from) || a.isAfter(now));
    assertNotEquals(a, DrillPlan.asOf(8, "finra-7y", Level.PREFIX, from, now));
    assertNotEquals(a, DrillPlan.asOf(7, "finra-7y", Level.BUCKET, from, now));
    assertEquals(now, DrillPlan.asOf(7, "x", Level.OBJECT, now, now));
    assertEquals(DrillPlan.rank(1, "c", Level.OBJECT, "b/k"), DrillPlan.rank(1, "c", Level.OBJECT, "b/k"));
    assertNotEquals(DrillPlan.rank(1, "c", Level.OBJECT, "b/k"), DrillPlan.rank(2, "c", Level.OBJECT, "b/k"));
    assertEquals(DrillPlan.drillId(1, List.of("b", "a"), Level.parse(List.of()), null, "/t"),
        DrillPlan.drillId(1, List.of("a", "b"), Level.parse(List.of()), null, "/t"));
    assertNotEquals(DrillPlan.drillId(1, List.of("a"), Level.parse(List.of()), null, "/t"),
        DrillPlan.drillId(2, List.of("a"), Level.parse(List.of()), null, "/t"));
    assertEquals("a/b/", DrillPlan.parent("a/b/c.json"));
    assertEquals("top.json", DrillPlan.parent("top.json"));
  }

  @Test
  void theTierIsTheCheapestThatMeetsTheRto() {
    PriceTable prices = PriceTable.builtIn();
    // Deep Archive: Bulk 48 h, Standard 12 h, no Expedited.
    assertEquals(RestoreTier.BULK, DrillPlan.tier(cls(StorageClass.DEEP_ARCHIVE, Duration.ofHours(72)), prices).tier());
    assertEquals(RestoreTier.STANDARD, DrillPlan.tier(cls(StorageClass.DEEP_ARCHIVE, Duration.ofHours(12)), prices).tier());
    DrillPlan.Choice none = DrillPlan.tier(cls(StorageClass.DEEP_ARCHIVE, Duration.ofHours(1)), prices);
    assertEquals(RestoreTier.STANDARD, none.tier(), "the fastest there is");
    assertFalse(none.meetsRto());
    assertEquals(RestoreTier.BULK, DrillPlan.tier(cls(StorageClass.DEEP_ARCHIVE, null), prices).tier());
    assertTrue(DrillPlan.tier(cls(StorageClass.GLACIER_IR, Duration.ofMinutes(1)), prices).meetsRto(), "no thaw needed");
  }

  @Test
  void aLevelPassesFailsOrMissesItsRto() {
    Duration rto = Duration.ofHours(12);
    assertEquals(Outcome.PASSED, DrillPlan.judge(new Findings(5, 5, 0, 5, List.of(), Duration.ofHours(3)), rto).outcome());
    DrillPlan.Verdict late = DrillPlan.judge(new Findings(5, 5, 0, 5, List.of(), Duration.ofHours(49)), rto);
    assertEquals(Outcome.RTO_MISSED, late.outcome());
    assertTrue(late.reasons().get(0).contains("2d 1h") && late.reasons().get(0).contains("12h 0m"), late.reasons().toString());
    DrillPlan.Verdict broken = DrillPlan.judge(new Findings(5, 5, 0, 4,
        List.of("s3://b/k v1: corrupt"), Duration.ofHours(1)), rto);
    assertEquals(Outcome.FAILED, broken.outcome());
    assertTrue(broken.reasons().contains("s3://b/k v1: corrupt"), broken.reasons().toString());
    assertEquals(Outcome.FAILED, DrillPlan.judge(new Findings(5, 6, 1, 5, List.of(), Duration.ZERO), rto).outcome());
    assertTrue(Outcome.RTO_MISSED.finished() && !Outcome.THAWING.finished());
  }
}
