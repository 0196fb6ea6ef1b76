package io.lakevault.core.inventory;

import java.io.Serializable;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the lines of a CSV inventory data file (gzip already undone): fields quoted or not, columns
 * in {@code fileSchema} order, keys URL-decoded ({@code +} is a space), booleans in any case,
 * timestamps as AWS writes them, the empty VersionId as the {@code null} version. Values are
 * canonical ({@link InventoryValues}).
 *
 * <p>Thread-safe. Parsing is pure: a bad line raises {@link BadRowException} with the reason, and
 * the caller decides between quarantine and failure.
 */
public final class CsvInventoryParser implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int FIELDS = InventoryField.values().length;

  private final FileSchema schema;
  private final String sourceBucket;

  public CsvInventoryParser(FileSchema schema, String sourceBucket) {
    this.schema = schema;
    this.sourceBucket = sourceBucket;
  }

  /** A line that cannot be parsed, with the reason. */
  public static final class BadRowException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadRowException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Parses one line into values indexed by {@link InventoryField#ordinal()}: String, Boolean, Long or
   * {@link Instant}; {@code null} where the report has no such column or the value is empty.
   */
  public Object[] parse(String line) throws BadRowException {
    List<String> raw = split(line);
    if (raw.size() != schema.columns().size()) {
      throw new BadRowException("has " + raw.size() + " fields but the fileSchema lists " + schema.columns().size());
    }
    Object[] out = new Object[FIELDS];
    for (int i = 0; i < raw.size(); i++) {
      InventoryField f = schema.columns().get(i);
      if (f == null) continue; // a column S3 added after this build: ignored
      String v = raw.get(i);
      try {
        out[f.ordinal()] = switch (f.type()) {
          case STRING -> string(f, v);
          case BOOLEAN -> InventoryValues.bool(v);
          case LONG -> v.isEmpty() ? null : Long.valueOf(v.trim());
          case TIMESTAMP -> v.isEmpty() ? null : timestamp(v);
        };
      } catch (NumberFormatException e) {
        throw new BadRowException(f.csvName() + " '" + v + "' is not a whole number");
      } catch (DateTimeException e) {
        throw new BadRowException(f.csvName() + " '" + v + "' is not a timestamp like 2024-08-21T15:28:26.000Z");
      } catch (IllegalArgumentException e) {
        throw new BadRowException(f.csvName() + " " + e.getMessage());
      }
    }
    Object bucket = out[InventoryField.BUCKET.ordinal()];
    if (bucket == null || !bucket.equals(sourceBucket)) {
      throw new BadRowException("Bucket is '" + bucket + "' but the manifest's sourceBucket is '" + sourceBucket + "'");
    }
    if (out[InventoryField.KEY.ordinal()] == null) {
      throw new BadRowException("Key is empty");
    }
    if (schema.allVersions() && out[InventoryField.VERSION_ID.ordinal()] == null) {
      out[InventoryField.VERSION_ID.ordinal()] = InventoryValues.NULL_VERSION;
    }
    return out;
  }

  private static String string(InventoryField f, String v) {
    if (f == InventoryField.KEY) {
      if (v.isEmpty()) return null;
      // Most keys need no decoding, or only '+' for spaces; URLDecoder is kept for %XX sequences, since
      // it is a measurable share of a CSV parse.
      if (v.indexOf('%') >= 0) return URLDecoder.decode(v, StandardCharsets.UTF_8);
      return v.indexOf('+') < 0 ? v : v.replace('+', ' ');
    }
    return InventoryValues.canonical(f, v);
  }

  /**
   * AWS writes {@code 2024-08-21T15:28:26.000Z}; that exact shape is parsed by hand (a third of the
   * cost of {@link Instant#parse}, which takes any other shape).
   */
  static Instant timestamp(String v) {
    if (v.length() == 24 && v.charAt(4) == '-' && v.charAt(7) == '-' && v.charAt(10) == 'T' && v.charAt(13) == ':'
        && v.charAt(16) == ':' && v.charAt(19) == '.' && v.charAt(23) == 'Z') {
      int y = digits(v, 0, 4);
      int mo = digits(v, 5, 2);
      int d = digits(v, 8, 2);
      int h = digits(v, 11, 2);
      int mi = digits(v, 14, 2);
      int se = digits(v, 17, 2);
      int ms = digits(v, 20, 3);
      if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0
          && se < 60 && ms >= 0) {
        long days = java.time.LocalDate.of(y, mo, d).toEpochDay();
        return Instant.ofEpochMilli(((days * 24 + h) * 60 + mi) * 60_000L + se * 1000L + ms);
      }
    }
    return Instant.parse(v.trim());
  }

  private static int digits(String s, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Splits one CSV line; fields may be quoted with '"' and quotes doubled inside. */
  static List<String> split(String line) throws BadRowException {
    List<String> out = new ArrayList<>(32);
    int n = line.length();
    int i = 0;
    while (true) {
      if (i < n && line.charAt(i) == '"') {
        // AWS quotes every field and keys are URL-encoded, so a quote inside a field is rare: take the
        // field as one substring, and copy character by character only when a doubled quote appears.
        int close = line.indexOf('"', i + 1);
        if (close > 0 && (close + 1 == n || line.charAt(close + 1) != '"')) {
          out.add(line.substring(i + 1, close));
          i = close + 1;
          if (i == n) return out;
          if (line.charAt(i) != ',') throw new BadRowException("has text after a closing quote at column " + (i + 1));
          i++;
          continue;
        }
        StringBuilder sb = new StringBuilder();
        i++;
        while (true) {
          if (i >= n) throw new BadRowException("has an unterminated quoted field");
          char c = line.charAt(i);
          if (c == '"') {
            if (i + 1 < n && line.charAt(i + 1) == '"') {
              sb.append('"');
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            sb.append(c);
            i++;
          }
        }
        out.add(sb.toString());
        if (i == n) return out;
        if (line.charAt(i) != ',') throw new BadRowException("has text after a closing quote at column " + (i + 1));
        i++;
      } else {
        int comma = line.indexOf(',', i);
        if (comma < 0) {
          out.add(line.substring(i));
          return out;
        }
        out.add(line.substring(i, comma));
        i = comma + 1;
      }
    }
  }
}
