package io.lakevault.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One way to write an instant in every report, manifest and JSON answer: UTC, always milliseconds, a
 * {@code Z} ({@code 2026-12-03T14:47:34.120Z}). {@code Instant.toString} drops a zero fraction and keeps
 * up to nanoseconds, so two reports of one run could not be compared as text.
 */
public final class Times {
  private Times() {}

  public static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  /** The instant in the reports' format, or {@code null}. */
  public static String iso(Instant t) {
    return t == null ? null : ISO.format(t);
  }
}
