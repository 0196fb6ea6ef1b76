package io.lakevault.core.policy;

import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A calendar length of time: months and days, as retention law states it ("seven years", "six
 * years", "30 days"). Years are twelve months.
 *
 * <p>Arithmetic is in UTC: months are added first, then days, and a day of month the target month
 * lacks is clamped to its last day (2020-02-29 plus one year is 2021-02-28). Spark's
 * {@code timestampadd} does the same, which is what keeps the classify job and {@code explain}
 * in agreement.
 */
public record Period(int months, int days) implements Serializable {
  private static final Pattern PART = Pattern.compile(
      "(\\d+)\\s*(years|year|yrs|yr|y|months|month|mon|mo|weeks|week|wk|w|days|day|d)(?![a-z])");

  public Period {
    if (months < 0 || days < 0) throw new IllegalArgumentException("a period cannot be negative");
  }

  /**
   * Parses {@code 7y}, {@code 6 years}, {@code 18mo}, {@code 2w}, {@code 30d}, combinations such as
   * {@code 1y 6mo}, or ISO-8601 {@code P7Y}, {@code P1Y6M}, {@code P30D}. A bare {@code m} is refused:
   * it reads as minutes to some and months to others.
   */
  public static Period parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("p")) {
      try {
        java.time.Period p = java.time.Period.parse(t.toUpperCase(Locale.ROOT));
        if (p.isNegative()) throw new IllegalArgumentException("'" + text + "' is negative");
        return new Period(Math.toIntExact(p.toTotalMonths()), p.getDays());
      } catch (java.time.format.DateTimeParseException e) {
        throw bad(text);
      }
    }
    Matcher m = PART.matcher(t);
    int pos = 0;
    long months = 0;
    long days = 0;
    boolean any = false;
    while (pos < t.length()) {
      if (t.charAt(pos) == ' ' || t.charAt(pos) == ',') {
        pos++;
        continue;
      }
      if (!m.find(pos) || m.start() != pos) throw bad(text);
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2);
      if (unit.startsWith("y")) months += 12 * n;
      else if (unit.startsWith("mo")) months += n;
      else if (unit.startsWith("w")) days += 7 * n;
      else days += n;
      pos = m.end();
      any = true;
    }
    if (!any || months > 12 * 1000 || days > 366 * 1000) throw bad(text);
    return new Period((int) months, (int) days);
  }

  private static IllegalArgumentException bad(String text) {
    return new IllegalArgumentException("'" + text + "' is not a period; write e.g. 7y, 6 years, 18mo, 90d, 2w or P7Y"
        + (text.trim().toLowerCase(Locale.ROOT).matches("\\d+\\s*m") ? " ('m' is ambiguous: write mo for months)" : ""));
  }

  public static Period ofDays(int days) {
    return new Period(0, days);
  }

  /** {@code t} plus this period, in UTC. */
  public Instant addTo(Instant t) {
    return t.atZone(ZoneOffset.UTC).plusMonths(months).plusDays(days).toInstant();
  }

  /** {@code t} minus this period, in UTC (months first, then days, mirroring {@link #addTo}). */
  public Instant subtractFrom(Instant t) {
    return t.atZone(ZoneOffset.UTC).minusMonths(months).minusDays(days).toInstant();
  }

  /** Length in days, months counted as 30.436875 (the Gregorian mean); for estimates only. */
  public double approximateDays() {
    return months * 30.436875 + days;
  }

  public boolean isZero() {
    return months == 0 && days == 0;
  }

  /** The shortest form {@link #parse} reads back: {@code 7y}, {@code 18mo}, {@code 30d}, {@code 1y 6mo 3d}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    if (months / 12 > 0) b.append(months / 12).append('y');
    if (months % 12 > 0) b.append(b.length() > 0 ? " " : "").append(months % 12).append("mo");
    if (days > 0 || b.length() == 0) b.append(b.length() > 0 ? " " : "").append(days).append('d');
    return b.toString();
  }
}
