package io.lakevault.core.inventory;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * Parses the lines of a CSV inventory data file (gzip already undone): fields quoted or not, columns
 * in {@code fileSchema} order, keys URL-decoded ({@code +} is a space), booleans in any case,
 * timestamps as AWS writes them, the empty VersionId as the {@code null} version. Values are
 * canonical ({@link InventoryValues}).
 *
 * <p>Lines are parsed as UTF-8 bytes and values handed to a {@link Sink} as bytes, longs and
 * booleans: a reader that builds Spark's rows directly never decodes a line into a {@code String}
 * and encodes it again (on a 20-million-row report the round trip cost as much as the parsing).
 *
 * <p>The parser is immutable and shareable; each thread parses with its own {@link #newLineParser()}.
 * A bad line raises {@link BadRowException} with the reason, and the caller decides between
 * quarantine and failure.
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
   * Receives the values of one line. A field the report lacks, or whose value is empty, gets no call
   * and is null. Byte ranges are valid only during the call.
   */
  public interface Sink {
    void string(InventoryField f, byte[] bytes, int offset, int length);

    void number(InventoryField f, long value);

    void bool(InventoryField f, boolean value);

    /** Microseconds since the epoch (Spark's internal timestamp). */
    void timestamp(InventoryField f, long micros);
  }

  /** A parser with its own scratch space, for one thread. */
  public LineParser newLineParser() {
    return new LineParser();
  }

  /**
   * Parses one line into values indexed by {@link InventoryField#ordinal()}: String, Boolean, Long or
   * {@link Instant}; {@code null} where the report has no such column or the value is empty. The
   * convenient form, for tests and tools; readers of whole files use {@link LineParser}.
   */
  public Object[] parse(String line) throws BadRowException {
    return parse(line.getBytes(StandardCharsets.UTF_8));
  }

  /** The same, for a line as the file holds it (bytes that need not be UTF-8). */
  public Object[] parse(byte[] b) throws BadRowException {
    Object[] out = new Object[FIELDS];
    newLineParser().parse(b, 0, b.length, new Sink() {
      @Override
      public void string(InventoryField f, byte[] bytes, int offset, int length) {
        out[f.ordinal()] = new String(bytes, offset, length, StandardCharsets.UTF_8);
      }

      @Override
      public void number(InventoryField f, long value) {
        out[f.ordinal()] = value;
      }

      @Override
      public void bool(InventoryField f, boolean value) {
        out[f.ordinal()] = value;
      }

      @Override
      public void timestamp(InventoryField f, long micros) {
        out[f.ordinal()] = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
      }
    });
    return out;
  }

  /** Parses lines of one file, one at a time; not thread-safe (it reuses its buffers). */
  public final class LineParser {
    private final InventoryField[] columns = schema.columns().toArray(new InventoryField[0]);
    private final byte[] bucket = sourceBucket.getBytes(StandardCharsets.UTF_8);
    private final byte[] nullVersion = InventoryValues.NULL_VERSION.getBytes(StandardCharsets.UTF_8);
    // Where each field's value lies: in the line itself, or in a copy when it had doubled quotes.
    private final byte[][] source = new byte[columns.length][];
    private final int[] start = new int[columns.length];
    private final int[] end = new int[columns.length];
    private byte[] decoded = new byte[256];

    private LineParser() {}

    /** Parses {@code line[from, to)} (no line terminator) into {@code sink}. */
    public void parse(byte[] line, int from, int to, Sink sink) throws BadRowException {
      split(line, from, to);
      boolean bucketSeen = false;
      boolean keySeen = false;
      boolean versionSeen = false;
      for (int i = 0; i < columns.length; i++) {
        InventoryField f = columns[i];
        if (f == null) continue; // a column S3 added after this build: ignored
        byte[] b = source[i];
        int s = start[i];
        int e = end[i];
        if (s == e) continue; // empty: null
        switch (f.type()) {
          case STRING -> {
            switch (f) {
              case BUCKET -> {
                if (!Arrays.equals(b, s, e, bucket, 0, bucket.length)) {
                  throw new BadRowException("Bucket is '" + text(b, s, e) + "' but the manifest's sourceBucket is '"
                      + sourceBucket + "'");
                }
                bucketSeen = true;
                sink.string(f, b, s, e - s);
              }
              case KEY -> {
                key(b, s, e, sink);
                keySeen = true;
              }
              case VERSION_ID -> {
                versionSeen = true;
                sink.string(f, b, s, e - s);
              }
              default -> {
                if (!f.enumerated() || isCanonical(f, b, s, e)) {
                  sink.string(f, b, s, e - s);
                } else {
                  String c = InventoryValues.canonical(f, text(b, s, e));
                  if (c != null) {
                    byte[] cb = c.getBytes(StandardCharsets.UTF_8);
                    sink.string(f, cb, 0, cb.length);
                  }
                }
              }
            }
          }
          case BOOLEAN -> sink.bool(f, bool(f, b, s, e));
          case LONG -> sink.number(f, number(f, b, s, e));
          case TIMESTAMP -> sink.timestamp(f, micros(f, b, s, e));
        }
      }
      if (!bucketSeen) {
        throw new BadRowException("Bucket is 'null' but the manifest's sourceBucket is '" + sourceBucket + "'");
      }
      if (!keySeen) throw new BadRowException("Key is empty");
      if (schema.allVersions() && !versionSeen) {
        sink.string(InventoryField.VERSION_ID, nullVersion, 0, nullVersion.length);
      }
    }

    /** Finds each field's bounds; fails on a wrong field count before any value is looked at. */
    private void split(byte[] line, int from, int to) throws BadRowException {
      int n = 0;
      int i = from;
      while (true) {
        int s;
        int e;
        byte[] src = line;
        if (i < to && line[i] == '"') {
          // AWS quotes every field and keys are URL-encoded, so a quote inside a field is rare: the field
          // is a range of the line, and is copied only when a doubled quote appears.
          int close = indexOf(line, '"', i + 1, to);
          if (close < 0) throw new BadRowException("has an unterminated quoted field");
          if (close + 1 < to && line[close + 1] == '"') {
            int[] endOut = new int[1];
            src = unquote(line, i + 1, to, endOut);
            s = 0;
            e = src.length;
            i = endOut[0];
          } else {
            s = i + 1;
            e = close;
            i = close + 1;
          }
          if (i < to && line[i] != ',') {
            throw new BadRowException("has text after a closing quote at column " + (i - from + 1));
          }
        } else {
          int comma = indexOf(line, ',', i, to);
          s = i;
          e = comma < 0 ? to : comma;
          i = e;
        }
        if (n < columns.length) {
          source[n] = src;
          start[n] = s;
          end[n] = e;
        }
        n++;
        if (i >= to) break;
        i++; // the comma
      }
      if (n != columns.length) {
        throw new BadRowException("has " + n + " fields but the fileSchema lists " + columns.length);
      }
    }

    /** A quoted field with doubled quotes, from just after its opening quote; sets where parsing resumes. */
    private byte[] unquote(byte[] line, int i, int to, int[] resume) throws BadRowException {
      byte[] out = new byte[to - i];
      int n = 0;
      while (true) {
        if (i >= to) throw new BadRowException("has an unterminated quoted field");
        byte c = line[i];
        if (c == '"') {
          if (i + 1 < to && line[i + 1] == '"') {
            out[n++] = '"';
            i += 2;
            continue;
          }
          resume[0] = i + 1;
          return Arrays.copyOf(out, n);
        }
        out[n++] = c;
        i++;
      }
    }

    /** Keys are URL-encoded ('+' for a space); most need no decoding, so they pass as a range of the line. */
    private void key(byte[] b, int s, int e, Sink sink) throws BadRowException {
      int special = -1;
      boolean rawNonAscii = false;
      for (int i = s; i < e; i++) {
        if (b[i] == '%' || b[i] == '+') {
          special = i;
          break;
        }
        rawNonAscii |= b[i] < 0;
      }
      if (special < 0) {
        // S3 Inventory URL-encodes keys, so raw bytes past ASCII are rare; those that are not UTF-8 name no S3 key.
        if (rawNonAscii && !validUtf8(java.util.Arrays.copyOfRange(b, s, e), e - s)) {
          throw new BadRowException("Key '" + text(b, s, e) + "' is not UTF-8 (S3 keys are UTF-8, and S3 Inventory"
              + " URL-encodes them)");
        }
        sink.string(InventoryField.KEY, b, s, e - s);
        return;
      }
      if (decoded.length < e - s) decoded = new byte[Math.max(e - s, decoded.length * 2)];
      int n = special - s;
      System.arraycopy(b, s, decoded, 0, n);
      boolean nonAscii = false;
      for (int i = special; i < e; i++) {
        byte c = b[i];
        if (c == '+') {
          decoded[n++] = ' ';
        } else if (c == '%') {
          int hi = i + 2 < e ? hex(b[i + 1]) : -1;
          int lo = hi >= 0 ? hex(b[i + 2]) : -1;
          if (lo < 0) {
            throw new BadRowException("Key '" + text(b, s, e) + "' has a '%' that is not followed by two hex digits;"
                + " S3 Inventory URL-encodes keys");
          }
          byte d = (byte) (hi << 4 | lo);
          nonAscii |= d < 0;
          decoded[n++] = d;
          i += 2;
        } else {
          decoded[n++] = c;
        }
      }
      if (nonAscii && !validUtf8(decoded, n)) {
        throw new BadRowException("Key '" + text(b, s, e) + "' is not UTF-8 once URL-decoded");
      }
      sink.string(InventoryField.KEY, decoded, 0, n);
    }
  }

  /** Already upper-case with no surrounding blanks (and, for checksums, no '-'): kept as it is. */
  private static boolean isCanonical(InventoryField f, byte[] b, int s, int e) {
    if (b[s] == ' ' || b[e - 1] == ' ') return false;
    for (int i = s; i < e; i++) {
      byte c = b[i];
      if (c >= 'a' && c <= 'z' || c == '-' && f == InventoryField.CHECKSUM_ALGORITHM) return false;
    }
    return true;
  }

  private static boolean bool(InventoryField f, byte[] b, int s, int e) throws BadRowException {
    if (equalsIgnoreCase(b, s, e, "true")) return true;
    if (equalsIgnoreCase(b, s, e, "false")) return false;
    throw new BadRowException(f.csvName() + " '" + text(b, s, e) + "' is not true or false");
  }

  private static boolean equalsIgnoreCase(byte[] b, int s, int e, String ascii) {
    if (e - s != ascii.length()) return false;
    for (int i = 0; i < ascii.length(); i++) {
      if ((b[s + i] | 0x20) != ascii.charAt(i)) return false;
    }
    return true;
  }

  private static long number(InventoryField f, byte[] b, int s, int e) throws BadRowException {
    if (e - s <= 18) { // digits only: no overflow possible
      long v = 0;
      int i = s;
      for (; i < e; i++) {
        int d = b[i] - '0';
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i == e) return v;
    }
    String t = text(b, s, e);
    long v;
    try {
      v = Long.parseLong(t.trim());
    } catch (NumberFormatException x) {
      throw new BadRowException(f.csvName() + " '" + t + "' is not a whole number");
    }
    if (v < 0) throw new BadRowException(f.csvName() + " '" + t + "' is negative");
    return v;
  }

  /**
   * AWS writes {@code 2024-08-21T15:28:26.000Z}; that exact shape is read straight from the bytes,
   * any other ISO-8601 instant through {@link Instant#parse}.
   */
  private static long micros(InventoryField f, byte[] b, int s, int e) throws BadRowException {
    if (e - s == 24 && b[s + 4] == '-' && b[s + 7] == '-' && b[s + 10] == 'T' && b[s + 13] == ':'
        && b[s + 16] == ':' && b[s + 19] == '.' && b[s + 23] == 'Z') {
      int y = digits(b, s, 4);
      int mo = digits(b, s + 5, 2);
      int d = digits(b, s + 8, 2);
      int h = digits(b, s + 11, 2);
      int mi = digits(b, s + 14, 2);
      int se = digits(b, s + 17, 2);
      int ms = digits(b, s + 20, 3);
      if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0
          && se < 60 && ms >= 0) {
        try {
          long days = LocalDate.of(y, mo, d).toEpochDay(); // knows month lengths and leap years
          return (((days * 24 + h) * 60 + mi) * 60_000L + se * 1000L + ms) * 1000L;
        } catch (DateTimeException x) {
          throw new BadRowException(f.csvName() + " '" + text(b, s, e) + "' is not a timestamp: no such date");
        }
      }
    }
    String t = text(b, s, e);
    try {
      Instant i = Instant.parse(t.trim());
      return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
    } catch (DateTimeException | ArithmeticException x) {
      throw new BadRowException(f.csvName() + " '" + t + "' is not a timestamp like 2024-08-21T15:28:26.000Z");
    }
  }

  private static int digits(byte[] b, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  private static int indexOf(byte[] b, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) return i;
    }
    return -1;
  }

  private static boolean validUtf8(byte[] b, int n) {
    return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b, 0, n), java.nio.CharBuffer.allocate(n),
        true).isUnderflow();
  }

  private static String text(byte[] b, int s, int e) {
    return new String(b, s, e - s, StandardCharsets.UTF_8);
  }
}
