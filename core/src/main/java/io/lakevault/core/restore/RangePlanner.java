package io.lakevault.core.restore;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the entries a restore needs from one pack into byte-range GETs. Neighbouring entries are read
 * with one GET when the bytes between them are few: at most {@code maxGap} per gap, and at most
 * {@code maxWaste} of the useful bytes of the range overall. So a dense restore makes few requests
 * while a sparse one reads at most {@code 1 + maxWaste} times the bytes it needs (S3 cannot read
 * several ranges in one GET). A range never grows past {@code maxRange}, which bounds what one task
 * holds in flight.
 */
public final class RangePlanner {
  /** The defaults: gaps up to 256 KiB, 10% waste at most, ranges up to 64 MiB. */
  public static final RangePlanner DEFAULT = new RangePlanner(256 << 10, 0.10, 64L << 20);

  private final long maxGap;
  private final double maxWaste;
  private final long maxRange;

  public RangePlanner(long maxGap, double maxWaste, long maxRange) {
    if (maxGap < 0 || maxWaste < 0 || maxRange < 1) throw new IllegalArgumentException("invalid range planner limits");
    this.maxGap = maxGap;
    this.maxWaste = maxWaste;
    this.maxRange = maxRange;
  }

  /**
   * One GET: bytes {@code [offset, offset + length)} of the pack, holding the entries {@code first}
   * to {@code last} (inclusive indices into the planned list).
   *
   * @param useful bytes of the range that belong to requested entries
   */
  public record Range(long offset, long length, int first, int last, long useful) {
    public long end() {
      return offset + length;
    }
  }

  /**
   * Plans the GETs for entries given as {@code offsets[i], lengths[i]}, sorted by offset. Entries
   * listed twice (two objects sharing a deduplicated entry) are read once.
   */
  public List<Range> plan(long[] offsets, long[] lengths, int count) {
    List<Range> out = new ArrayList<>();
    int i = 0;
    while (i < count) {
      long start = offsets[i];
      long end = offsets[i] + lengths[i];
      long useful = lengths[i];
      int first = i;
      int last = i;
      int j = i + 1;
      while (j < count) {
        if (offsets[j] < offsets[j - 1]) throw new IllegalArgumentException("entries must be sorted by offset");
        long nextEnd = offsets[j] + lengths[j];
        if (offsets[j] < end) { // the same entry again (or an overlap): already covered
          end = Math.max(end, nextEnd);
          last = j++;
          continue;
        }
        long gap = offsets[j] - end;
        long waste = (end - start) - useful + gap;
        if (gap > maxGap || waste > maxWaste * (useful + lengths[j]) || nextEnd - start > maxRange) break;
        end = nextEnd;
        useful += lengths[j];
        last = j++;
      }
      out.add(new Range(start, end - start, first, last, useful));
      i = last + 1;
    }
    return out;
  }
}
