package io.lakevault.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.lifecycle.TableHistoryPlanner.Purpose;
import io.lakevault.core.lifecycle.TableHistoryPlanner.Table;
import io.lakevault.core.lifecycle.TableHistoryPlanner.TablePlan;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableHistoryPlannerTest {
  private static final Duration TEN_YEARS = Duration.ofDays(3653);
  private static final Duration WEEK = Duration.ofDays(7);

  private static TablePlan one(Purpose purpose, Map<String, String> props, Duration history) {
    return TableHistoryPlanner.plan(List.of(new Table("t", purpose, props)), history, WEEK).get(0);
  }

  @Test
  void deltaIntervalsParseInTheirUsualForms() {
    assertEquals(Duration.ofDays(30), TableHistoryPlanner.parseInterval("interval 30 days"));
    assertEquals(Duration.ofDays(14), TableHistoryPlanner.parseInterval("INTERVAL 2 WEEKS"));
    assertEquals(Duration.ofHours(168), TableHistoryPlanner.parseInterval("168 hours"));
    assertNull(TableHistoryPlanner.parseInterval("interval 1 month"));
    assertEquals("interval 3653 days", TableHistoryPlanner.interval(TEN_YEARS));
    assertEquals("interval 36 hours", TableHistoryPlanner.interval(Duration.ofHours(36)));
  }

  @Test
  void eachPurposeGetsItsRetentionAndOnlyAWorkingTablesRemovedFilesMayShorten() {
    Map<String, String> tenYears = Map.of(TableHistoryPlanner.LOG_RETENTION, "interval 3653 days",
        TableHistoryPlanner.DELETED_FILE_RETENTION, "interval 3653 days");
    TablePlan working = one(Purpose.WORKING, tenYears, TEN_YEARS);
    assertNull(working.refused());
    assertEquals(Map.of(TableHistoryPlanner.DELETED_FILE_RETENTION, "interval 7 days"), working.set());
    TablePlan audit = one(Purpose.AUDIT, tenYears, TEN_YEARS);
    assertNull(audit.refused());
    assertTrue(audit.set().isEmpty());
    // Delta's defaults (30 days of log, 7 of files) are lengthened.
    TablePlan unset = one(Purpose.AUDIT, Map.of(), TEN_YEARS);
    assertEquals(Map.of(TableHistoryPlanner.LOG_RETENTION, "interval 3653 days",
        TableHistoryPlanner.DELETED_FILE_RETENTION, "interval 3653 days"), unset.set());
    // A shorter history setting would cut what auditors have: refused, nothing set.
    TablePlan cut = one(Purpose.AUDIT, tenYears, Duration.ofDays(1000));
    assertNotNull(cut.refused());
    assertTrue(cut.set().isEmpty());
    assertNotNull(one(Purpose.WORKING, tenYears, Duration.ofDays(1000)).refused(), "its log would shorten");
    // What cannot be read is not guessed at.
    assertNotNull(one(Purpose.WORKING, Map.of(TableHistoryPlanner.LOG_RETENTION, "interval 1 month"), TEN_YEARS).refused());
  }

  @Test
  void aWorkingRetentionBelowDeltasSafetyMarginOrAboveTheHistoryIsABadSetting() {
    assertThrows(IllegalArgumentException.class,
        () -> TableHistoryPlanner.plan(List.of(), TEN_YEARS, Duration.ofDays(3)));
    assertThrows(IllegalArgumentException.class,
        () -> TableHistoryPlanner.plan(List.of(), Duration.ofDays(5), WEEK));
  }
}
