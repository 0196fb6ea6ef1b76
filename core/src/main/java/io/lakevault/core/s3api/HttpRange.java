package io.lakevault.core.s3api;

/**
 * A {@code Range} header as S3 reads it: one range of bytes, {@code bytes=a-b}, {@code bytes=a-} or the
 * last n bytes, {@code bytes=-n}. A header that is not one such range is ignored (S3 then sends the
 * whole object); a range that starts beyond the object is {@code InvalidRange} (416).
 *
 * @param first the first byte, {@code last} the last, inclusive
 */
public record HttpRange(long first, long last) {

  public long length() {
    return last - first + 1;
  }

  /** {@code bytes a-b/size}, for Content-Range. */
  public String contentRange(long size) {
    return "bytes " + first + "-" + last + "/" + size;
  }

  /**
   * The range of an object of {@code size} bytes the header asks for; null for the whole object (no
   * header, or one S3 would ignore).
   */
  public static HttpRange parse(String header, long size) {
    if (header == null) return null;
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) return null;
    String spec = h.substring("bytes=".length()).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) return null;
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    try {
      if (a.isEmpty()) {
        if (b.isEmpty()) return null;
        long n = Long.parseLong(b);
        if (n < 0) return null;
        if (n == 0 || size == 0) throw unsatisfiable(header, size);
        return new HttpRange(Math.max(0, size - n), size - 1);
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
      if (first < 0 || last < first) return null; // malformed: S3 sends the whole object
      if (first >= size) throw unsatisfiable(header, size);
      return new HttpRange(first, Math.min(last, size - 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static S3Error unsatisfiable(String header, long size) {
    return new S3Error(416, "InvalidRange", "The requested range is not satisfiable: " + header + " of an object of "
        + size + " bytes");
  }
}
