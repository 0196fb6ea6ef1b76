package io.lakevault.core.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelectorTest {
  private static Selector s(List<String> buckets, List<String> prefixes, Instant asOf) {
    return new Selector(buckets, prefixes, null, List.of(), List.of(), List.of(), null, null, null, null, asOf, List.of(), false);
  }

  @Test
  void theCanonicalFormDoesNotDependOnOptionOrder() {
    Instant t = Instant.parse("2024-03-01T00:00:00Z");
    assertEquals(s(List.of("bbb", "aaa"), List.of("x/", "s3://aaa/y/"), t).canonical(null),
        s(List.of("aaa", "bbb"), List.of("s3://aaa/y/", "x/"), t).canonical(null));
    assertEquals("bucket=aaa;prefix=p\\,q/;as-of=2024-03-01T00:00:00Z;", s(List.of("aaa"), List.of("p,q/"), t).canonical(null));
    assertEquals(Selector.Mode.AS_OF, s(List.of("a"), List.of(), t).mode());
    assertEquals(Selector.Mode.LATEST, s(List.of("a"), List.of(), null).mode());
    assertEquals(new Selector.Prefix("aaa", "y/"), s(List.of(), List.of("s3://aaa/y/"), null).parsedPrefixes().get(0));
  }

  @Test
  void aCanonicalLineParsesBackToTheSameSelection() {
    Selector full = new Selector(List.of("b1", "b2"), List.of("p,q;r/", "s3://b1/x\\y/"), "/tmp/k.txt", List.of("**/*.json"),
        List.of("finra-7y"), List.of("r1"), 10L, 2000L, Instant.parse("2020-01-01T00:00:00Z"),
        Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2024-06-30T12:00:00Z"), List.of(), true);
    String line = full.canonical("abc123");
    Selector back = Selector.parseCanonical(line, digest -> "/catalog/holds/keys/" + digest + ".txt");
    assertEquals(line, back.canonical("abc123"));
    assertEquals("/catalog/holds/keys/abc123.txt", back.keysFile());
    assertEquals(full.prefixes(), back.prefixes());
    Selector versions = new Selector(List.of("b"), List.of(), null, List.of(), List.of(), List.of(), null, null, null, null,
        null, List.of("v2", "v1"), false);
    assertEquals(versions, Selector.parseCanonical(versions.canonical(null), d -> null));
    assertThrows(IllegalArgumentException.class, () -> Selector.parseCanonical("bucket=b", d -> null));
  }

  @Test
  void emptyOrContradictorySelectionsAreUsageErrors() {
    assertTrue(assertThrows(LakevaultException.class, () -> s(List.of(), List.of(), null).validate()).getMessage()
        .contains("say what to select"));
    Selector both = new Selector(List.of("a"), List.of(), null, List.of(), List.of(), List.of(), null, null, null, null,
        Instant.EPOCH, List.of("v1"), false);
    assertThrows(LakevaultException.class, both::validate);
    Selector sizes = new Selector(List.of("aaa"), List.of(), null, List.of(), List.of(), List.of(), 10L, 5L, null, null, null,
        List.of(), false);
    assertTrue(assertThrows(LakevaultException.class, sizes::validate).getMessage().contains("--max-size"));
  }

  @Test
  void timesAndKeyLinesParseAsUsersWriteThem() {
    assertEquals(Instant.parse("2024-03-01T00:00:00Z"), Selector.parseTime("--as-of", "2024-03-01"));
    assertEquals(Instant.parse("2024-03-01T08:30:00Z"), Selector.parseTime("--as-of", "2024-03-01T09:30:00+01:00"));
    assertThrows(LakevaultException.class, () -> Selector.parseTime("--as-of", "last tuesday"));
    assertEquals(new Selector.Prefix(null, "a b.json"), Selector.keyLine("a b.json\r"));
    assertEquals(new Selector.Prefix("bkt", "k/x"), Selector.keyLine("s3://bkt/k/x"));
    assertNull(Selector.keyLine(""));
  }
}
