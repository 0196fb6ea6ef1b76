package io.lakevault.core.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RangePlannerTest {
  @Test
  void neighboursShareAGetAndSparseEntriesReadLittleMoreThanTheyNeed() {
    RangePlanner p = RangePlanner.DEFAULT;
    // Adjacent entries: one GET.
    List<RangePlanner.Range> dense = p.plan(new long[] {0, 100, 200}, new long[] {100, 100, 100}, 3);
    assertEquals(List.of(new RangePlanner.Range(0, 300, 0, 2, 300)), dense);
    // Far apart: separate GETs.
    assertEquals(2, p.plan(new long[] {0, 10_000_000}, new long[] {100, 100}, 2).size());
    // A shared (deduplicated) entry listed twice is read once.
    List<RangePlanner.Range> shared = p.plan(new long[] {0, 0, 50}, new long[] {50, 50, 50}, 3);
    assertEquals(1, shared.size());
    assertEquals(100, shared.get(0).length());
  }

  @Test
  void wasteStaysUnderItsBoundWhateverTheSpacing() {
    Random r = new Random(3);
    for (int round = 0; round < 200; round++) {
      int n = 1 + r.nextInt(500);
      long[] off = new long[n];
      long[] len = new long[n];
      long pos = 0;
      long useful = 0;
      for (int i = 0; i < n; i++) {
        pos += r.nextInt(4) == 0 ? r.nextInt(2_000_000) : r.nextInt(5000);
        off[i] = pos;
        len[i] = 1 + r.nextInt(64 << 10);
        pos += len[i];
        useful += len[i];
      }
      long read = 0;
      int covered = 0;
      for (RangePlanner.Range g : RangePlanner.DEFAULT.plan(off, len, n)) {
        read += g.length();
        covered += g.last() - g.first() + 1;
        assertTrue(g.length() <= 64L << 20);
      }
      assertEquals(n, covered);
      assertTrue(read <= useful * 1.1 + 1, "read " + read + " for " + useful + " useful bytes");
    }
  }
}
