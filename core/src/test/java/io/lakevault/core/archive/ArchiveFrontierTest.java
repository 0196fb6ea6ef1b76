package io.lakevault.core.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.archive.ArchiveFrontier.Classification;
import io.lakevault.core.archive.ArchiveFrontier.Ingested;
import io.lakevault.core.archive.ArchiveFrontier.Mode;
import io.lakevault.core.archive.ArchiveFrontier.Plan;
import io.lakevault.core.archive.ArchiveFrontier.Report;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchiveFrontierTest {
  static final Instant D1 = Instant.parse("2026-11-01T01:00:00Z");
  static final Instant D2 = Instant.parse("2026-11-02T01:00:00Z");
  static final Instant D3 = Instant.parse("2026-11-03T01:00:00Z");
  static final Instant D3_LATER = Instant.parse("2026-11-03T13:00:00Z");

  static ArchiveFrontier frontier(String sha, Report... reports) {
    return new ArchiveFrontier("a1", new Classification("c1", D1.plusSeconds(3600), sha, List.of(reports)), "cat/reports/archive/a1.skipped");
  }

  static final List<Ingested> LEDGER = List.of(new Ingested("lake", "all", D1, null), new Ingested("lake", "all", D2, D1),
      new Ingested("lake", "all", D3, D2), new Ingested("other", "cur", D1, null));

  @Test
  void noFrontierOrAnotherPolicyMarksEverything() {
    Plan p = ArchiveFrontier.plan(null, "p1", List.of(new Report("lake", "all", D2)), LEDGER);
    assertTrue(p.all());
    p = ArchiveFrontier.plan(frontier("p0", new Report("lake", "all", D1)), "p1", List.of(new Report("lake", "all", D2)), LEDGER);
    assertTrue(p.all());
    assertTrue(p.reason().contains("policy changed"), p.reason());
  }

  @Test
  void changeSetsSinceTheArchivedReportInOrder() {
    Plan p = ArchiveFrontier.plan(frontier("p1", new Report("lake", "all", D1), new Report("other", "cur", D1)), "p1",
        List.of(new Report("lake", "all", D3), new Report("other", "cur", D1)), LEDGER);
    assertFalse(p.all());
    assertEquals(D1.plusSeconds(3600), p.baselineAsOf());
    assertEquals("cat/reports/archive/a1.skipped", p.skippedUri());
    assertEquals(Mode.CHANGES, p.configs().get(0).mode());
    assertEquals(List.of(D2, D3), p.configs().get(0).changeSets());
    assertEquals(Mode.SAME, p.configs().get(1).mode());
    assertEquals(1, p.withChanges().size());
    assertTrue(p.whole().isEmpty());
  }

  @Test
  void anythingTheFrontierCannotVouchForIsWhole() {
    // a configuration the archived run did not read
    Plan p = ArchiveFrontier.plan(frontier("p1", new Report("lake", "all", D1)), "p1",
        List.of(new Report("lake", "all", D1), new Report("other", "cur", D1)), LEDGER);
    assertEquals(Mode.SAME, p.configs().get(0).mode());
    assertEquals(Mode.ALL, p.configs().get(1).mode());
    // an older report than the archived one
    p = ArchiveFrontier.plan(frontier("p1", new Report("lake", "all", D2)), "p1", List.of(new Report("lake", "all", D1)), LEDGER);
    assertEquals(Mode.ALL, p.configs().get(0).mode());
    // a gap in the chain: D3's previous report is not in the ledger
    p = ArchiveFrontier.plan(frontier("p1", new Report("lake", "all", D1)), "p1", List.of(new Report("lake", "all", D3)),
        List.of(new Ingested("lake", "all", D3, D2)));
    assertEquals(Mode.ALL, p.configs().get(0).mode());
    assertTrue(p.configs().get(0).reason().contains("gap"), p.configs().get(0).reason());
    // a chain that passes the archived report without meeting it
    p = ArchiveFrontier.plan(frontier("p1", new Report("lake", "all", D1.plusSeconds(60))), "p1",
        List.of(new Report("lake", "all", D2)), LEDGER);
    assertEquals(Mode.ALL, p.configs().get(0).mode());
    // two reports on one date: the later one's change set replaced the earlier one's
    List<Ingested> sameDay = List.of(new Ingested("lake", "all", D2, D1), new Ingested("lake", "all", D3, D2),
        new Ingested("lake", "all", D3_LATER, D3));
    p = ArchiveFrontier.plan(frontier("p1", new Report("lake", "all", D1)), "p1", List.of(new Report("lake", "all", D3_LATER)), sameDay);
    assertEquals(Mode.ALL, p.configs().get(0).mode());
    assertTrue(p.configs().get(0).reason().contains("share the date"), p.configs().get(0).reason());
  }

  @Test
  void frontierAndClassificationRoundTrip() {
    ArchiveFrontier f = frontier("p1", new Report("lake", "all", D1), new Report("other", "cur", D2));
    assertEquals(f, ArchiveFrontier.parse(f.toJson()));
    assertEquals(f.classification(), Classification.fromJson(f.classification().toJson().toString()));
    ArchiveFrontier noSkips = new ArchiveFrontier("a2", f.classification(), null);
    assertNull(ArchiveFrontier.parse(noSkips.toJson()).skippedUri());
    assertNull(Classification.fromJson("{\"engineInfo\":\"x\"}"));
    assertNull(Classification.fromJson(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArchiveFrontier.parse("{\"archive_run_id\":1}"));
    assertTrue(e.getMessage().contains("archive_run_id"), e.getMessage());
  }
}
