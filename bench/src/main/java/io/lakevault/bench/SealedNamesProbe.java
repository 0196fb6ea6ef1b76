package io.lakevault.bench;

import io.lakevault.core.pack.EntrySource;
import io.lakevault.core.pack.KeyEncryptionKey;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.pack.PackKeys;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.PackWriter;
import io.lakevault.core.pack.RangeSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * What sealing names costs (pack format 2): the same members written as an unencrypted pack (names in
 * plaintext, compressed with the index) and as an encrypted one (each name sealed under a key of its
 * own, size and SHA-256 under the bytes' key); the index and key file per entry of each, then the time
 * to open every entry's name with the keys (median of {@code --runs}). Members are {@code --size} bytes
 * of four-letter text under keys shaped like a partitioned lake's, with S3-like version ids.
 *
 * <pre>bench/run SealedNamesProbe [--entries N] [--size BYTES] [--runs K]</pre>
 */
public final class SealedNamesProbe {
  private SealedNamesProbe() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--entries", "10000", "--size", "8192", "--runs", "5"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    int n = Integer.parseInt(a.get("--entries"));
    int size = Integer.parseInt(a.get("--size"));
    int runs = Integer.parseInt(a.get("--runs"));
    Path dir = Files.createTempDirectory("sealed-names-probe");
    LocalKeyRing ring = new LocalKeyRing(dir);
    ring.createIfMissing("local:probe");
    KeyEncryptionKey kek = ring.resolve("local:probe");
    System.out.printf(Locale.ROOT, "%,d entries of %,d bytes%n", n, size);
    for (boolean encrypted : new boolean[] {false, true}) {
      UUID id = UUID.randomUUID();
      PackWriter.Options o = PackWriter.Options.of(id, "probe", "DEEP_ARCHIVE");
      if (encrypted) o = o.withKeys(PackKeys.create(id, kek));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PackWriter.Summary s;
      Random r = new Random(7);
      try (PackWriter w = new PackWriter(out, o)) {
        for (int i = 0; i < n; i++) {
          byte[] b = new byte[size];
          for (int j = 0; j < size; j++) b[j] = (byte) ('a' + r.nextInt(4));
          String key = "app=settlement/dt=2026-11-" + (10 + i % 20) + "/part-" + String.format(Locale.ROOT, "%05d", i)
              + "-c000.snappy.json";
          w.add(new EntrySource("acme-trading-logs", key, "3HL4kqtJlcpXroDTDmJ.VUG" + i,
              "\"0123456789abcdef0123456789abcdef\"", Instant.now(), size, Instant.now(), "application/json", Map.of(),
              null), new ByteArrayInputStream(b));
        }
        s = w.finish();
      }
      byte[] pack = out.toByteArray();
      long index = ByteBuffer.wrap(pack, pack.length - 100 + 8, 8).getLong();
      long keyFile = s.keyFile() == null ? 0 : s.keyFile().encode().length;
      System.out.printf(Locale.ROOT, "  %-12s pack %,d bytes; index %,d bytes (%,d an entry); key file %,d bytes (%,d an entry)%n",
          encrypted ? "encrypted" : "unencrypted", pack.length, index, index / n, keyFile, keyFile / n);
      if (!encrypted) continue;
      double[] us = new double[runs + 1];
      for (int round = 0; round <= runs; round++) { // round 0 warms up
        PackReader reader = PackReader.open(RangeSource.of(pack), "probe");
        long t0 = System.nanoTime();
        reader.withKeys(s.keyFile(), kek).entries();
        us[round] = (System.nanoTime() - t0) / 1e3 / n;
      }
      double[] measured = Arrays.copyOfRange(us, 1, us.length);
      Arrays.sort(measured);
      System.out.printf(Locale.ROOT, "  opening every name: median %.1f us an entry (min %.1f, max %.1f over %d runs)%n",
          measured[measured.length / 2], measured[0], measured[measured.length - 1], runs);
    }
  }
}
