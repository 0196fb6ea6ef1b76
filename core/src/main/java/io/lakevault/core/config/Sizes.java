package io.lakevault.core.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as operators write them: {@code 1048576}, {@code 512 KiB}, {@code 64MiB}, {@code 1 GiB},
 * {@code 2 TiB} (binary units), or {@code 5 MB}, {@code 1 GB} (decimal units, as S3's documentation uses).
 */
public final class Sizes {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]i?b|b)?");
  private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private Sizes() {}

  /** Parses a size; throws {@link IllegalArgumentException} saying what to write instead. */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 4096, 512 KiB, 64 MiB or 1 GiB");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    double factor = switch (unit) {
      case "b" -> 1;
      case "kib" -> 1L << 10;
      case "mib" -> 1L << 20;
      case "gib" -> 1L << 30;
      case "tib" -> 1L << 40;
      case "pib" -> 1L << 50;
      case "kb" -> 1e3;
      case "mb" -> 1e6;
      case "gb" -> 1e9;
      case "tb" -> 1e12;
      default -> 1e15;
    };
    double bytes = n * factor;
    if (bytes != Math.rint(bytes) || bytes > Long.MAX_VALUE) {
      throw new IllegalArgumentException("'" + text + "' is not a whole number of bytes");
    }
    return (long) bytes;
  }

  /** A short human form in binary units, e.g. {@code 1.5 GiB}; exact values print without decimals. */
  public static String format(long bytes) {
    int u = 0;
    double v = bytes;
    while (Math.abs(v) >= 1024 && u < BINARY.length - 1) {
      v /= 1024;
      u++;
    }
    if (u == 0) return bytes + " B";
    return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + BINARY[u];
  }
}
