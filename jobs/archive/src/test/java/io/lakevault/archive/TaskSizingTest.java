package io.lakevault.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How many pack tasks a run gets: about one pack each, from a laptop's lake to a data lake's first run. */
class TaskSizingTest {
  static final long GIB = 1L << 30;

  @Test
  void aTaskHoldsAboutOnePackAtAnyLakeSize() {
    for (long bytes : new long[] {200 * GIB, 10_000 * GIB, 80L * 1000 * 1000 * 1000 * 1000}) {
      int tasks = ArchiveJob.tasks(bytes / 8192, bytes, GIB, 64);
      double perTask = (double) bytes / tasks;
      assertTrue(perTask <= GIB && perTask >= 0.8 * GIB * 0.85, bytes + " bytes in " + tasks + " tasks: " + perTask);
      assertEquals(0, tasks % 64, "a multiple of the cores: " + tasks);
    }
    // 80 TB in 1 GiB packs: about 88,000 tasks of under a gigabyte (4,000 tasks of 20 GB before).
    int tasks = ArchiveJob.tasks(10_000_000_000L, 80L * 1000 * 1000 * 1000 * 1000, GIB, 64);
    assertTrue(tasks > 80_000 && tasks < 100_000, Integer.toString(tasks));
  }

  @Test
  void smallRunsAndTheBound() {
    assertEquals(1, ArchiveJob.tasks(0, 0, GIB, 8), "an empty run still has a task");
    assertEquals(1, ArchiveJob.tasks(600, 3_000_000, GIB, 2), "a few hundred objects: one task, not one per core");
    assertEquals(ArchiveJob.MAX_TASKS, ArchiveJob.tasks(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, GIB, 64),
        "past the bound a task holds more than a pack, and the run still plans");
    assertEquals(8, ArchiveJob.tasks(10_000, 5 * GIB, GIB, 8), "6 packs' worth rounded up to the 8 cores");
  }
}
