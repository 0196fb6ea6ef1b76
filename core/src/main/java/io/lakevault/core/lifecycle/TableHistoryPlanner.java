package io.lakevault.core.lifecycle;

import io.lakevault.core.config.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long each catalog table keeps its history, and what {@code catalog vacuum} may delete (docs/catalog.md,
 * "History retention"). Pure: given each table's purpose and its Delta properties now, the properties it
 * should have and whether the plan may go ahead.
 *
 * <p>Two purposes. An {@link Purpose#AUDIT} table is the archive's record (objects, packs, runs, holds,
 * erasures...): auditors time-travel it, so its removed files stay for {@code catalog.history-retention}.
 * A {@link Purpose#WORKING} table is recomputed from the source (inventory rows, change sets, classified):
 * its old files protect nothing the next run would not rebuild, so they go after
 * {@code catalog.working-retention}. Every table keeps its log for the history retention: the log is small,
 * records which run did what, and {@code catalog purge} rewrites logs only from version 0.
 *
 * <p>Nothing is shortened that could be an auditor's: a table whose history would become shorter than it is
 * now is refused, unless it is a working table's removed-file retention, whose shortening is the point.
 */
public final class TableHistoryPlanner {
  private TableHistoryPlanner() {}

  /** Delta's own table properties for the two horizons. */
  public static final String LOG_RETENTION = "delta.logRetentionDuration";
  public static final String DELETED_FILE_RETENTION = "delta.deletedFileRetentionDuration";
  /** Delta's defaults when a table does not set them. */
  static final Duration DELTA_LOG_DEFAULT = Duration.ofDays(30);
  static final Duration DELTA_DELETED_FILE_DEFAULT = Duration.ofDays(7);
  /** The shortest removed-file retention Delta's VACUUM accepts with its safety check on (lakevault keeps it on). */
  public static final Duration MIN_WORKING = Duration.ofDays(7);

  public enum Purpose {
    AUDIT, WORKING;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A table as it is: its purpose and its properties now. */
  public record Table(String name, Purpose purpose, Map<String, String> properties) {}

  /**
   * What to do with one table.
   *
   * @param logNow the log retention the table has now (Delta's default where unset)
   * @param deletedNow the removed-file retention it has now
   * @param set properties to set before vacuuming (empty: none)
   * @param refused why the table is left alone, or {@code null}
   */
  public record TablePlan(String table, Purpose purpose, Duration logNow, Duration log, Duration deletedNow,
      Duration deleted, Map<String, String> set, String refused) {
    public boolean changes() {
      return !set.isEmpty();
    }
  }

  /** The properties a table of this purpose is created with (besides lakevault's own markers). */
  public static Map<String, String> properties(Purpose purpose, Duration history, Duration working) {
    return Map.of(LOG_RETENTION, interval(history), DELETED_FILE_RETENTION,
        interval(purpose == Purpose.AUDIT ? history : working));
  }

  public static List<TablePlan> plan(List<Table> tables, Duration history, Duration working) {
    if (working.compareTo(MIN_WORKING) < 0) {
      throw new IllegalArgumentException("catalog.working-retention is " + Durations.format(working)
          + ": Delta's VACUUM keeps at least 7d of removed files (readers of an older snapshot still need them)");
    }
    if (working.compareTo(history) > 0) {
      throw new IllegalArgumentException("catalog.working-retention (" + Durations.format(working)
          + ") is longer than catalog.history-retention (" + Durations.format(history) + ")");
    }
    List<TablePlan> out = new ArrayList<>();
    for (Table t : tables) {
      Duration log = history;
      Duration deleted = t.purpose() == Purpose.AUDIT ? history : working;
      String logText = t.properties().get(LOG_RETENTION);
      String deletedText = t.properties().get(DELETED_FILE_RETENTION);
      Duration logNow = logText == null ? DELTA_LOG_DEFAULT : parseInterval(logText);
      Duration deletedNow = deletedText == null ? DELTA_DELETED_FILE_DEFAULT : parseInterval(deletedText);
      String refused = null;
      if (logNow == null || deletedNow == null) {
        refused = "its retention properties cannot be read (" + LOG_RETENTION + "=" + logText + ", "
            + DELETED_FILE_RETENTION + "=" + deletedText + "): set them to 'interval N days' by hand, then run again";
      } else if (log.compareTo(logNow) < 0) {
        refused = "keeps its log " + Durations.format(logNow) + ", longer than catalog.history-retention ("
            + Durations.format(log) + "): lakevault does not shorten a catalog table's history; raise the setting back, or"
            + " change " + LOG_RETENTION + " by hand knowing that auditors lose that history";
      } else if (t.purpose() == Purpose.AUDIT && deleted.compareTo(deletedNow) < 0) {
        refused = "keeps removed files " + Durations.format(deletedNow) + ", longer than catalog.history-retention ("
            + Durations.format(deleted) + "): lakevault does not shorten an audit table's history; raise the setting"
            + " back, or change " + DELETED_FILE_RETENTION + " by hand knowing that auditors lose that history";
      }
      Map<String, String> set = new java.util.LinkedHashMap<>();
      if (refused == null) {
        if (!log.equals(logNow)) set.put(LOG_RETENTION, interval(log));
        if (!deleted.equals(deletedNow)) set.put(DELETED_FILE_RETENTION, interval(deleted));
      }
      out.add(new TablePlan(t.name(), t.purpose(), logNow, log, deletedNow, deleted, Map.copyOf(set), refused));
    }
    return out;
  }

  /** Delta's interval text for a whole number of days, or hours when shorter than a day's multiple. */
  public static String interval(Duration d) {
    return d.toHours() % 24 == 0 ? "interval " + d.toDays() + " days" : "interval " + d.toHours() + " hours";
  }

  private static final Pattern INTERVAL = Pattern.compile(
      "(?i)\\s*(?:interval\\s+)?(\\d+)\\s+(week|weeks|day|days|hour|hours|minute|minutes|second|seconds)\\s*");

  /** Delta's interval text ({@code interval 30 days}) as a duration; {@code null} when it is not of that form. */
  public static Duration parseInterval(String text) {
    Matcher m = INTERVAL.matcher(text);
    if (!m.matches()) return null;
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toLowerCase(Locale.ROOT).replaceAll("s$", "")) {
      case "week" -> Duration.ofDays(7 * n);
      case "day" -> Duration.ofDays(n);
      case "hour" -> Duration.ofHours(n);
      case "minute" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
