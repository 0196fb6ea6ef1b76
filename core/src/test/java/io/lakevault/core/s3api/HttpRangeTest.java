package io.lakevault.core.s3api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HttpRangeTest {
  @Test
  void readsTheThreeFormsAndClampsTheEnd() {
    assertEquals(new HttpRange(0, 9), HttpRange.parse("bytes=0-9", 100));
    assertEquals(new HttpRange(90, 99), HttpRange.parse("bytes=90-", 100));
    assertEquals(new HttpRange(90, 99), HttpRange.parse("bytes=-10", 100));
    assertEquals(new HttpRange(0, 99), HttpRange.parse("bytes=-1000", 100));
    assertEquals(new HttpRange(50, 99), HttpRange.parse("bytes=50-5000", 100));
    assertEquals("bytes 50-99/100", HttpRange.parse("bytes=50-5000", 100).contentRange(100));
    assertEquals(50, HttpRange.parse("bytes=50-", 100).length());
  }

  @Test
  void ignoresWhatS3IgnoresAndRefusesWhatItRefuses() {
    assertNull(HttpRange.parse(null, 100));
    assertNull(HttpRange.parse("items=0-9", 100));
    assertNull(HttpRange.parse("bytes=9-0", 100));
    assertNull(HttpRange.parse("bytes=a-b", 100));
    assertNull(HttpRange.parse("bytes=0-1,5-6", 100));
    assertEquals(416, assertThrows(S3Error.class, () -> HttpRange.parse("bytes=100-", 100)).status());
    assertEquals("InvalidRange", assertThrows(S3Error.class, () -> HttpRange.parse("bytes=-0", 100)).code());
    assertEquals("InvalidRange", assertThrows(S3Error.class, () -> HttpRange.parse("bytes=0-0", 0)).code());
  }
}
