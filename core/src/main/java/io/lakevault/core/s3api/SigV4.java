package io.lakevault.core.s3api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks AWS Signature Version 4 on a request, as S3 does, for both forms clients use: the
 * {@code Authorization} header (the AWS CLI, boto3, the SDKs, S3A) and a presigned URL's query
 * ({@code X-Amz-Signature}). The server recomputes the signature from the secret of the access key
 * the request names; the secret never travels. Only reads are served, so the payload hash is taken as
 * the client declares it ({@code x-amz-content-sha256}); a body is never read.
 */
public final class SigV4 {
  public static final String ALGORITHM = "AWS4-HMAC-SHA256";
  /** S3 refuses requests signed more than 15 minutes from its clock. */
  static final Duration MAX_SKEW = Duration.ofMinutes(15);
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  /**
   * What the check reads of a request.
   *
   * @param rawPath the path as sent, still percent-encoded; {@code rawQuery} the query as sent, or null
   * @param headers header names lower-cased, each with its values in order
   */
  public record Request(String method, String rawPath, String rawQuery, Map<String, List<String>> headers) {
    String header(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }

  private final Map<String, String> secrets;
  private final Clock clock;

  /** @param secrets secret access key by access key id */
  public SigV4(Map<String, String> secrets, Clock clock) {
    this.secrets = Map.copyOf(secrets);
    this.clock = clock;
  }

  /**
   * Access keys from a file of {@code ACCESS_KEY_ID SECRET_ACCESS_KEY} lines ({@code #} starts a comment),
   * kept out of lakevault.yaml so the configuration can be committed.
   */
  public static Map<String, String> loadCredentials(Path file) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#")) continue;
      String[] parts = s.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(file + " line " + n + ": expected 'ACCESS_KEY_ID SECRET_ACCESS_KEY'");
      }
      out.put(parts[0], parts[1]);
    }
    if (out.isEmpty()) throw new IllegalArgumentException(file + " holds no access keys");
    return out;
  }

  /** Whether the request carries a signature in either form. */
  public static boolean signed(Request r) {
    Map<String, String> q = queryParams(r.rawQuery());
    return r.header("authorization") != null || q.containsKey("X-Amz-Signature") || q.containsKey("Signature");
  }

  /**
   * Checks the request's signature.
   *
   * @return the access key id that signed it
   * @throws S3Error AccessDenied (unsigned, or an algorithm other than SigV4), InvalidAccessKeyId,
   *     SignatureDoesNotMatch, RequestTimeTooSkewed, or an expired presigned URL
   */
  public String authenticate(Request r) {
    Map<String, String> query = queryParams(r.rawQuery());
    String auth = r.header("authorization");
    String credential;
    String signedHeaders;
    String signature;
    String amzDate;
    String payloadHash;
    boolean presigned = auth == null;
    if ((auth != null && auth.startsWith("AWS ")) || (presigned && query.containsKey("AWSAccessKeyId"))) {
      throw S3Error.accessDenied("Signature Version 2 is not accepted, only " + ALGORITHM + " (Signature Version 4); "
          + "boto3 presigns with it given Config(signature_version='s3v4')");
    }
    if (!presigned) {
      if (!auth.startsWith(ALGORITHM + " ")) {
        throw S3Error.accessDenied("only " + ALGORITHM + " (Signature Version 4) is accepted");
      }
      Map<String, String> parts = new TreeMap<>();
      for (String p : auth.substring(ALGORITHM.length() + 1).split(",")) {
        int eq = p.indexOf('=');
        if (eq > 0) parts.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
      }
      credential = parts.get("Credential");
      signedHeaders = parts.get("SignedHeaders");
      signature = parts.get("Signature");
      amzDate = r.header("x-amz-date");
      String declared = r.header("x-amz-content-sha256");
      payloadHash = declared == null ? EMPTY_SHA256 : declared;
    } else {
      if (!query.containsKey("X-Amz-Signature")) throw S3Error.accessDenied("the request is not signed; this endpoint needs "
          + "AWS Signature Version 4 with an access key it was given (or was started with --anonymous)");
      if (!ALGORITHM.equals(query.get("X-Amz-Algorithm"))) {
        throw S3Error.accessDenied("only " + ALGORITHM + " (Signature Version 4) is accepted");
      }
      credential = query.get("X-Amz-Credential");
      signedHeaders = query.get("X-Amz-SignedHeaders");
      signature = query.get("X-Amz-Signature");
      amzDate = query.get("X-Amz-Date");
      payloadHash = "UNSIGNED-PAYLOAD";
    }
    if (credential == null || signedHeaders == null || signature == null) {
      throw S3Error.accessDenied("the signature is incomplete: Credential, SignedHeaders and Signature are all needed");
    }
    String[] scope = credential.split("/", 2);
    if (scope.length != 2 || scope[1].split("/").length != 4) {
      throw S3Error.accessDenied("malformed credential scope " + credential + " (expected KEY/DATE/REGION/s3/aws4_request)");
    }
    String secret = secrets.get(scope[0]);
    if (secret == null) {
      throw new S3Error(403, "InvalidAccessKeyId", "The access key id " + scope[0] + " is not one this endpoint was given");
    }
    if (amzDate == null && !presigned) amzDate = r.header("date");
    Instant signedAt = parseDate(amzDate);
    Instant now = clock.instant();
    if (presigned) {
      long expires = parseLong(query.get("X-Amz-Expires"), "X-Amz-Expires");
      if (now.isAfter(signedAt.plusSeconds(expires))) throw S3Error.accessDenied("Request has expired");
    }
    if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0 && !presigned) {
      throw new S3Error(403, "RequestTimeTooSkewed", "The difference between the request time (" + amzDate
          + ") and this server's time (" + AMZ_DATE.format(now) + ") is more than 15 minutes");
    }
    String[] scopeParts = scope[1].split("/");
    if (!amzDate.startsWith(scopeParts[0])) {
      throw S3Error.accessDenied("the credential scope's date " + scopeParts[0] + " is not the request's " + amzDate);
    }
    byte[] key = signingKey(secret, scopeParts[0], scopeParts[1], scopeParts[2]);
    // Clients encode the path their own way; the canonical path is either the bytes sent or AWS's encoding of the key.
    String canonicalQuery = canonicalQuery(r.rawQuery(), presigned);
    String headers = canonicalHeaders(r, signedHeaders);
    for (String path : List.of(r.rawPath(), encode(decode(r.rawPath()), false))) {
      String canonical = r.method() + "\n" + path + "\n" + canonicalQuery + "\n" + headers + "\n" + signedHeaders + "\n"
          + payloadHash;
      String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope[1] + "\n" + hex(sha256(canonical));
      if (MessageDigest.isEqual(hex(hmac(key, toSign)).getBytes(StandardCharsets.US_ASCII),
          signature.getBytes(StandardCharsets.US_ASCII))) {
        return scope[0];
      }
    }
    throw new S3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you "
        + "provided. Check your key and signing method.");
  }

  /** The query's parameters, decoded (a name without {@code =} has the empty value). */
  public static Map<String, String> queryParams(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) return out;
    for (String p : rawQuery.split("&")) {
      if (p.isEmpty()) continue;
      int eq = p.indexOf('=');
      String name = decode(eq < 0 ? p : p.substring(0, eq));
      String value = eq < 0 ? "" : decode(p.substring(eq + 1));
      out.putIfAbsent(name, value);
    }
    return out;
  }

  private static String canonicalQuery(String rawQuery, boolean presigned) {
    if (rawQuery == null || rawQuery.isEmpty()) return "";
    List<String[]> pairs = new ArrayList<>();
    for (String p : rawQuery.split("&")) {
      if (p.isEmpty()) continue;
      int eq = p.indexOf('=');
      String name = decode(eq < 0 ? p : p.substring(0, eq));
      if (presigned && name.equals("X-Amz-Signature")) continue;
      pairs.add(new String[] {encode(name, true), encode(eq < 0 ? "" : decode(p.substring(eq + 1)), true)});
    }
    pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    StringBuilder b = new StringBuilder();
    for (String[] p : pairs) {
      if (b.length() > 0) b.append('&');
      b.append(p[0]).append('=').append(p[1]);
    }
    return b.toString();
  }

  private static String canonicalHeaders(Request r, String signedHeaders) {
    StringBuilder b = new StringBuilder();
    for (String name : signedHeaders.split(";")) {
      List<String> values = r.headers().get(name);
      if (values == null) throw S3Error.accessDenied("the signed header " + name + " is not in the request");
      List<String> trimmed = new ArrayList<>(values.size());
      for (String v : values) trimmed.add(v.strip().replaceAll(" +", " "));
      b.append(name).append(':').append(String.join(",", trimmed)).append('\n');
    }
    return b.toString();
  }

  static byte[] signingKey(String secret, String date, String region, String service) {
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, region);
    k = hmac(k, service);
    return hmac(k, "aws4_request");
  }

  private static Instant parseDate(String amzDate) {
    if (amzDate == null) throw S3Error.accessDenied("the request has no X-Amz-Date");
    try {
      return Instant.from(AMZ_DATE.parse(amzDate));
    } catch (DateTimeParseException e) {
      throw S3Error.accessDenied("X-Amz-Date " + amzDate + " is not yyyyMMddTHHmmssZ");
    }
  }

  private static long parseLong(String s, String name) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException | NullPointerException e) {
      throw S3Error.accessDenied(name + " is missing or not a number");
    }
  }

  /** Percent-decoding only: a {@code +} in a path or query stays a plus, as S3 reads it in SigV4 requests. */
  public static String decode(String s) {
    if (s.indexOf('%') < 0) return s;
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** AWS's URI encoding: unreserved characters kept, {@code /} kept in paths, every other byte %XX. */
  public static String encode(String s, boolean encodeSlash) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
          || c == '~' || (c == '/' && !encodeSlash)) {
        b.append(c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit((x >> 4) & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(x & 0xf, 16)));
      }
    }
    return b.toString();
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
