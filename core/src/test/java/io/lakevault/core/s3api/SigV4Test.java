package io.lakevault.core.s3api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The signature examples of AWS's S3 SigV4 documentation, and what a tampered request gets. */
class SigV4Test {
  private static final String ID = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final Instant SIGNED = Instant.parse("2013-05-24T00:00:00Z");

  private static SigV4 at(Instant now) {
    return new SigV4(Map.of(ID, SECRET), Clock.fixed(now, ZoneOffset.UTC));
  }

  private static SigV4.Request get(String path, String query, String signedHeaders, String signature, String range) {
    Map<String, List<String>> h = new TreeMap<>();
    h.put("host", List.of("examplebucket.s3.amazonaws.com"));
    h.put("x-amz-date", List.of("20130524T000000Z"));
    h.put("x-amz-content-sha256", List.of(EMPTY));
    if (range != null) h.put("range", List.of(range));
    h.put("authorization", List.of(SigV4.ALGORITHM + " Credential=" + ID + "/20130524/us-east-1/s3/aws4_request,SignedHeaders="
        + signedHeaders + ",Signature=" + signature));
    return new SigV4.Request("GET", path, query, h);
  }

  @Test
  void acceptsTheDocumentedGetObject() {
    SigV4.Request r = get("/test.txt", null, "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", "bytes=0-9");
    assertTrue(SigV4.signed(r));
    assertEquals(ID, at(SIGNED.plusSeconds(60)).authenticate(r));
  }

  @Test
  void acceptsTheDocumentedListObjects() {
    SigV4.Request r = get("/", "max-keys=2&prefix=J", "host;x-amz-content-sha256;x-amz-date",
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7", null);
    assertEquals(ID, at(SIGNED).authenticate(r));
  }

  @Test
  void acceptsTheDocumentedPresignedUrl() {
    String query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + ID + "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    SigV4.Request r = new SigV4.Request("GET", "/test.txt", query,
        Map.of("host", List.of("examplebucket.s3.amazonaws.com")));
    assertTrue(SigV4.signed(r));
    assertEquals(ID, at(SIGNED.plusSeconds(3600)).authenticate(r));
    S3Error expired = assertThrows(S3Error.class, () -> at(SIGNED.plusSeconds(86401)).authenticate(r));
    assertEquals("AccessDenied", expired.code());
  }

  @Test
  void refusesTamperingUnknownKeysAndSkew() {
    // The range was signed as 0-9; asking for more must not pass.
    SigV4.Request tampered = get("/test.txt", null, "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", "bytes=0-99");
    assertEquals("SignatureDoesNotMatch", assertThrows(S3Error.class, () -> at(SIGNED).authenticate(tampered)).code());
    SigV4.Request other = get("/other.txt", null, "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", "bytes=0-9");
    assertEquals("SignatureDoesNotMatch", assertThrows(S3Error.class, () -> at(SIGNED).authenticate(other)).code());
    SigV4 stranger = new SigV4(Map.of("AKIDOTHER", SECRET), Clock.fixed(SIGNED, ZoneOffset.UTC));
    SigV4.Request ok = get("/test.txt", null, "host;range;x-amz-content-sha256;x-amz-date",
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", "bytes=0-9");
    assertEquals("InvalidAccessKeyId", assertThrows(S3Error.class, () -> stranger.authenticate(ok)).code());
    assertEquals("RequestTimeTooSkewed",
        assertThrows(S3Error.class, () -> at(SIGNED.plusSeconds(16 * 60)).authenticate(ok)).code());
    SigV4.Request v2 = new SigV4.Request("GET", "/test.txt", "AWSAccessKeyId=" + ID + "&Signature=abc%3D&Expires=1",
        Map.of("host", List.of("h")));
    assertTrue(SigV4.signed(v2));
    S3Error old = assertThrows(S3Error.class, () -> at(SIGNED).authenticate(v2));
    assertTrue(old.getMessage().contains("Signature Version 2 is not accepted"), old.getMessage());
    SigV4.Request unsigned = new SigV4.Request("GET", "/test.txt", null, Map.of("host", List.of("h")));
    assertFalse(SigV4.signed(unsigned));
    assertEquals("AccessDenied", assertThrows(S3Error.class, () -> at(SIGNED).authenticate(unsigned)).code());
  }

  @Test
  void encodesAndDecodesAsAws() {
    assertEquals("a%20b/c%2Bd~e_%C3%B1", SigV4.encode("a b/c+d~e_ñ", false));
    assertEquals("a%2Fb", SigV4.encode("a/b", true));
    assertEquals("a b/c+d/ñ/%zz", SigV4.decode("a%20b/c+d/%C3%B1/%zz"));
    assertEquals(Map.of("versions", "", "prefix", "a b", "list-type", "2"),
        SigV4.queryParams("versions&prefix=a%20b&list-type=2"));
  }
}
