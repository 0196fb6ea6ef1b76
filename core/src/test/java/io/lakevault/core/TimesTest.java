package io.lakevault.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimesTest {
  @Test
  void everyInstantIsWrittenInUtcWithMilliseconds() {
    assertEquals("2026-12-03T14:47:34.000Z", Times.iso(Instant.parse("2026-12-03T14:47:34Z")));
    assertEquals("2026-12-03T14:47:34.123Z", Times.iso(Instant.parse("2026-12-03T14:47:34.123456789Z")));
    assertEquals("1999-01-01T00:00:00.000Z", Times.iso(Instant.parse("1999-01-01T01:00:00+01:00")));
    assertNull(Times.iso(null));
    assertEquals(Instant.parse("2026-12-03T14:47:34.120Z"), Instant.parse(Times.iso(Instant.parse("2026-12-03T14:47:34.12Z"))));
  }
}
