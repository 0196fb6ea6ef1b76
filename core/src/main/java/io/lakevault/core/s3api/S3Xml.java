package io.lakevault.core.s3api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** S3's XML documents, written by hand: a handful of elements, escaped, in S3's namespace. */
public final class S3Xml {
  public static final String DECLARATION = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  public static final String NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
  /** S3's timestamps in listings: ISO-8601 with milliseconds, UTC. */
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);
  /** HTTP dates (Last-Modified). */
  private static final DateTimeFormatter HTTP = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final StringBuilder out = new StringBuilder(DECLARATION);

  private S3Xml() {}

  /** A document whose root element carries S3's namespace. */
  public static S3Xml document(String root) {
    S3Xml x = new S3Xml();
    x.out.append('<').append(root).append(" xmlns=\"").append(NAMESPACE).append("\">");
    return x;
  }

  public S3Xml open(String element) {
    out.append('<').append(element).append('>');
    return this;
  }

  public S3Xml close(String element) {
    out.append("</").append(element).append('>');
    return this;
  }

  /** An element with text; nothing when the value is null. */
  public S3Xml element(String element, Object value) {
    if (value == null) return this;
    String text = value instanceof Instant i ? iso(i) : value.toString();
    out.append('<').append(element).append('>').append(escape(text)).append("</").append(element).append('>');
    return this;
  }

  public String end(String root) {
    return out.append("</").append(root).append('>').toString();
  }

  public static String iso(Instant t) {
    return ISO.format(t);
  }

  public static String httpDate(Instant t) {
    return HTTP.format(t);
  }

  /**
   * A name as listings give it under {@code encoding-type=url}: form-encoded UTF-8 (space as {@code +}),
   * which the AWS CLI and boto3 ask for and decode, so keys XML 1.0 cannot carry still list.
   */
  public static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Escapes text for an element; characters XML 1.0 cannot carry become U+FFFD (clients asking for url encoding never see them). */
  public static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        case '\r' -> b.append("&#13;");
        default -> {
          if (c < 0x20 && c != '\t' && c != '\n') b.append('\uFFFD'); else b.append(c);
        }
      }
    }
    return b.toString();
  }
}
