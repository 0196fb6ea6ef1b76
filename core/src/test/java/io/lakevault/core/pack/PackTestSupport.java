package io.lakevault.core.pack;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/** Deterministic pack contents for the pack tests and the golden files. */
final class PackTestSupport {
  private PackTestSupport() {}

  /** One object to pack and what it must read back as. */
  record Member(EntrySource source, byte[] bytes) {}

  static final String[] TRICKY_KEYS = {
    "logs/2024/01/01/app.json", "a b+c/%20 literally.csv", "ünïcödé/日本語/ключ.txt", "deep/" + "x/".repeat(40) + "leaf",
    "trailing/slash/", "sensor/records/0001.csv", "emoji/📦.json", "dots/../not/a/parent.txt",
  };

  /** JSON-ish records with shared structure, so a dictionary helps; some binary noise; a few large. */
  static byte[] content(Random r, int size, boolean random) {
    byte[] b = new byte[size];
    if (random) {
      r.nextBytes(b);
      return b;
    }
    StringBuilder sb = new StringBuilder(size + 200);
    while (sb.length() < size) {
      sb.append("{\"ts\":\"2024-0").append(1 + r.nextInt(9)).append("-1").append(r.nextInt(10))
          .append("T12:").append(10 + r.nextInt(50)).append(":00Z\",\"device\":\"sensor-").append(r.nextInt(500))
          .append("\",\"reading\":").append(r.nextInt(100000)).append(",\"unit\":\"kPa\",\"ok\":true}\n");
    }
    byte[] s = sb.toString().getBytes(StandardCharsets.UTF_8);
    System.arraycopy(s, 0, b, 0, size);
    return b;
  }

  static List<Member> members(long seed, int count, int maxSize) {
    Random r = new Random(seed);
    List<Member> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int size = i % 17 == 3 ? 0 : 1 + r.nextInt(maxSize);
      boolean random = i % 5 == 4;
      String key = i < TRICKY_KEYS.length ? TRICKY_KEYS[i] : "data/part-" + i + (random ? ".bin" : ".json");
      Map<String, String> meta = new LinkedHashMap<>();
      if (i % 3 == 0) {
        meta.put("owner", "team-" + (i % 4));
        meta.put("x-source", "ingest ü " + i);
      }
      Instant modified = Instant.parse("2024-01-01T00:00:00Z").plusSeconds(3600L * i);
      EntrySource src = new EntrySource(i % 2 == 0 ? "acme-logs" : "acme-sensors", key,
          i % 4 == 1 ? null : "v" + Long.toHexString(seed) + "." + i, "\"etag" + i + "\"", modified, size,
          modified.plusSeconds(86400L * 365 * 7), random ? "application/octet-stream" : "application/json", meta, null);
      out.add(new Member(src, content(r, size, random)));
    }
    return out;
  }

  static PackWriter.Options options(UUID id) {
    return PackWriter.Options.of(id, "finra-7y", "DEEP_ARCHIVE").withCreatedAt(Instant.parse("2026-01-02T03:04:05Z"))
        .withLock("COMPLIANCE", Instant.parse("2033-02-01T00:00:00Z"));
  }

  /** A written pack and its key file. */
  record Written(byte[] pack, PackWriter.Summary summary, List<PackEntry> entries) {}

  static Written write(List<Member> members, PackWriter.Options o) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<PackEntry> entries = new ArrayList<>();
    PackWriter.Summary s;
    try (PackWriter w = new PackWriter(out, o)) {
      for (Member m : members) {
        entries.add(w.add(m.source(), new ByteArrayInputStream(m.bytes())));
      }
      s = w.finish();
    }
    return new Written(out.toByteArray(), s, entries);
  }

  static List<byte[]> samples(List<Member> members) {
    List<byte[]> s = new ArrayList<>();
    for (Member m : members) s.add(m.bytes());
    return s;
  }

  /** Asserts that {@code call} throws {@code type} with a message containing every fragment. */
  static <T extends Throwable> T assertFails(Class<T> type, org.junit.jupiter.api.function.Executable call,
      String... fragments) {
    T e = org.junit.jupiter.api.Assertions.assertThrows(type, call);
    for (String f : fragments) {
      org.junit.jupiter.api.Assertions.assertTrue(String.valueOf(e.getMessage()).contains(f),
          () -> "message lacks '" + f + "': " + e.getMessage());
    }
    return e;
  }
}
