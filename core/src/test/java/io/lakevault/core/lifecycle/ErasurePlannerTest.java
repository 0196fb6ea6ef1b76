package io.lakevault.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.lifecycle.ErasurePlanner.Verdict;
import io.lakevault.core.lifecycle.ErasurePlanner.VersionFacts;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErasurePlannerTest {
  static final Instant UNTIL = Instant.parse("2031-05-01T00:00:00Z");
  final ErasurePlanner planner = new ErasurePlanner();

  static VersionFacts facts(Boolean erasable, boolean marker, Instant disposed, int format, boolean encrypted,
      List<String> cases) {
    return new VersionFacts("crm", UNTIL, erasable, marker, disposed, format, encrypted, false, cases);
  }

  @Test
  void anErasableSealedVersionIsErased() {
    assertEquals(Verdict.ERASE, planner.decide(facts(true, false, null, 2, true, List.of())).verdict());
    assertEquals(Verdict.ERASE_MARKER, planner.decide(facts(true, true, null, 0, false, List.of())).verdict());
  }

  @Test
  void aHoldComesFirstAndNamesItsCases() {
    ErasurePlanner.Decision d = planner.decide(facts(false, false, Instant.EPOCH, 1, false, List.of("LIT-2", "SEC-1")));
    assertEquals(Verdict.HELD, d.verdict());
    assertTrue(d.reason().contains("LIT-2, SEC-1"), d.reason());
  }

  @Test
  void aClassKeptByLawIsRefusedWithItsRetainUntilAndAnUnknownClassToo() {
    ErasurePlanner.Decision d = planner.decide(facts(false, false, null, 2, true, List.of()));
    assertEquals(Verdict.NOT_ERASABLE, d.verdict());
    assertTrue(d.reason().contains("class crm is not erasable") && d.reason().contains("17(3)(b)")
        && d.reason().contains(UNTIL.toString()), d.reason());
    ErasurePlanner.Decision unknown = planner.decide(facts(null, false, null, 2, true, List.of()));
    assertEquals(Verdict.NOT_ERASABLE, unknown.verdict());
    assertTrue(unknown.reason().contains("not in the current policy"), unknown.reason());
    // A delete marker of a class kept by law is kept too: its row is part of the record.
    assertEquals(Verdict.NOT_ERASABLE, planner.decide(facts(false, true, null, 0, false, List.of())).verdict());
  }

  @Test
  void disposedAndUnsealedVersionsAreRefused() {
    assertEquals(Verdict.DISPOSED, planner.decide(facts(true, false, Instant.EPOCH, 2, true, List.of())).verdict());
    ErasurePlanner.Decision v1 = planner.decide(facts(true, false, null, 1, true, List.of()));
    assertEquals(Verdict.NOT_SEALED, v1.verdict());
    assertTrue(v1.reason().contains("format version 1") && v1.reason().contains("re-archive"), v1.reason());
    assertTrue(planner.decide(facts(true, false, null, 2, false, List.of())).reason().contains("not encrypted"));
    for (Boolean dictionary : new Boolean[] {true, null}) {
      ErasurePlanner.Decision d = planner.decide(new VersionFacts("crm", UNTIL, true, false, null, 2, true, dictionary,
          List.of()));
      assertEquals(Verdict.NOT_SEALED, d.verdict());
      assertTrue(d.reason().contains("dictionary") && d.reason().contains("re-archive"), d.reason());
    }
  }
}
