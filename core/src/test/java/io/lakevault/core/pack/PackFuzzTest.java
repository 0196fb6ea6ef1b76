package io.lakevault.core.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.lakevault.core.pack.PackTestSupport.Member;
import io.lakevault.core.pack.PackTestSupport.Written;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Corrupted and truncated packs, fed to the reader: it must either refuse them with a
 * {@link PackFormatException}, or, where the damage is inside an entry, fail that entry's read with one.
 * Nothing else may escape (no index-out-of-bounds, no huge allocation), and nothing wrong may be returned.
 */
class PackFuzzTest {
  @TempDir Path keysDir;

  @ParameterizedTest(name = "encrypted={0}")
  @CsvSource({"false", "true"})
  void corruptPacksFailCleanly(boolean encrypted) throws Exception {
    List<Member> members = PackTestSupport.members(31, 40, 2000);
    UUID id = UUID.randomUUID();
    LocalKeyRing ring = new LocalKeyRing(keysDir);
    ring.createIfMissing("local:fuzz");
    KeyEncryptionKey kek = ring.resolve("local:fuzz");
    PackWriter.Options o = PackTestSupport.options(id)
        .withDictionary(PackDictionary.train(PackTestSupport.samples(members), PackDictionary.DEFAULT_SIZE));
    if (encrypted) o = o.withKeys(PackKeys.create(id, kek));
    Written w = PackTestSupport.write(members, o);
    byte[] good = w.pack();
    long indexOffset = w.entries().isEmpty() ? 0 : good.length - PackFormat.FOOTER_SIZE - 1;
    Random r = new Random(encrypted ? 77 : 78);
    int refused = 0;
    int entryFailures = 0;
    for (int round = 0; round < 3000; round++) {
      byte[] bad = mutate(good, r, round % 6, (int) indexOffset);
      PackReader reader;
      try {
        reader = PackReader.open(RangeSource.of(bad), "fuzz.pack");
        reader.checkHeader();
        if (encrypted) reader.withKeys(w.summary().keyFile(), kek);
      } catch (PackFormatException expected) {
        refused++;
        continue;
      } catch (Throwable t) {
        fail("round " + round + ": the reader threw " + t + " instead of a PackFormatException", t);
        return;
      }
      for (PackEntry e : reader.entries()) {
        try {
          assertArrayEquals(members.get(e.ordinal()).bytes(), reader.readEntry(e), "round " + round + " " + e.describe());
        } catch (PackFormatException expected) {
          entryFailures++;
        } catch (Throwable t) {
          if (t instanceof AssertionError a) throw a;
          fail("round " + round + ": reading " + e.describe() + " threw " + t + " instead of a PackFormatException", t);
        }
      }
    }
    if (refused < 1000 || entryFailures < 50) {
      fail("the mutations did not exercise the reader: " + refused + " refused, " + entryFailures + " entry failures");
    }
  }

  private static byte[] mutate(byte[] good, Random r, int kind, int tailStart) {
    switch (kind) {
      case 0: // truncated anywhere
        return Arrays.copyOf(good, r.nextInt(good.length));
      case 1: { // a few bytes flipped in the index or footer
        byte[] b = good.clone();
        int from = Math.max(0, tailStart - 4000);
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) b[from + r.nextInt(b.length - from)] ^= (byte) (1 << r.nextInt(8));
        return b;
      }
      case 2: { // a few bytes flipped anywhere
        byte[] b = good.clone();
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
        return b;
      }
      case 3: { // garbage of any length, sometimes with a valid-looking footer magic
        byte[] b = new byte[r.nextInt(400)];
        r.nextBytes(b);
        if (b.length >= PackFormat.FOOTER_SIZE && r.nextBoolean()) {
          System.arraycopy(PackFormat.END_MAGIC, 0, b, b.length - 8, 8);
        }
        return b;
      }
      case 4: { // bytes appended or a span cut out of the middle
        if (r.nextBoolean()) {
          byte[] b = Arrays.copyOf(good, good.length + 1 + r.nextInt(100));
          return b;
        }
        int at = r.nextInt(good.length - 1);
        int n = 1 + r.nextInt(Math.min(500, good.length - at - 1));
        byte[] b = new byte[good.length - n];
        System.arraycopy(good, 0, b, 0, at);
        System.arraycopy(good, at + n, b, at, good.length - at - n);
        return b;
      }
      default: { // the footer's fields rewritten with a correct CRC: the checks behind the CRC must hold alone
        byte[] b = good.clone();
        int f = b.length - PackFormat.FOOTER_SIZE;
        int field = r.nextInt(4) * 8;
        long v = switch (r.nextInt(4)) {
          case 0 -> r.nextLong();
          case 1 -> -1 - r.nextInt(10);
          case 2 -> b.length + r.nextInt(1000);
          default -> r.nextInt(b.length);
        };
        for (int i = 0; i < 8; i++) b[f + field + i] = (byte) (v >>> (56 - 8 * i));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, f, 88);
        int c = (int) crc.getValue();
        for (int i = 0; i < 4; i++) b[f + 88 + i] = (byte) (c >>> (24 - 8 * i));
        return b;
      }
    }
  }
}
