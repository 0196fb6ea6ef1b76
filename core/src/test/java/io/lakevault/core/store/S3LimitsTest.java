package io.lakevault.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Part sizes: a pack of any object S3 can hold fits in its 10,000 parts (issue 19, defect 6). */
class S3LimitsTest {
  private static final long MIB = 1L << 20;

  @Test
  void partsFollowTheUploadsSizeUpToS3sLargestObject() {
    assertEquals(64 * MIB, S3Limits.partSizeFor(1L << 30, 64 * MIB), "a 1 GiB pack keeps the preferred 64 MiB parts");
    assertEquals(64 * MIB, S3Limits.partSizeFor(625L << 30, 64 * MIB), "625 GiB is exactly 10,000 parts of 64 MiB");
    long big = S3Limits.partSizeFor(626L << 30, 64 * MIB);
    assertTrue(big > 64 * MIB && big * S3Limits.MAX_PARTS >= (626L << 30), "past 625 GiB the parts grow: " + big);
    long largest = S3Limits.partSizeFor(S3Limits.MAX_OBJECT_SIZE, 64 * MIB);
    assertTrue(largest * S3Limits.MAX_PARTS >= S3Limits.MAX_OBJECT_SIZE && largest <= S3Limits.MAX_PART_SIZE
        && largest < Integer.MAX_VALUE, "5 TiB in 10,000 parts a part buffer can hold: " + largest);
    assertEquals(5 * MIB, S3Limits.partSizeFor(1, 1), "never under S3's 5 MiB minimum");
    assertThrows(IllegalArgumentException.class, () -> S3Limits.partSizeFor(S3Limits.MAX_PART_SIZE * S3Limits.MAX_PARTS + 1, 1));
  }
}
