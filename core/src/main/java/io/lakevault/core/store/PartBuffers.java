package io.lakevault.core.store;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Part-size arrays handed from one multipart stream to the next in the same JVM. An executor writes
 * pack after pack, each holding two parts of 64 MiB: allocated afresh for every pack, they were two
 * humongous G1 allocations (which start concurrent cycles) and 128 MiB zeroed, often in memory the
 * process had not touched yet (on the benchmark machine, about 1.6 CPU-seconds a run in zeroing and
 * page faults; bench/README.md). Arrays are held through soft references, so a JVM short of memory
 * takes them back; at most {@code capacity} are kept, two per core, what the executor's concurrent
 * streams use at once.
 *
 * <p>An array taken from here holds a previous stream's bytes: callers track how much of it they
 * filled and never send past that. Thread-safe.
 */
public final class PartBuffers {
  /** The JVM's pool, used by {@link MultipartOutputStream}. */
  public static final PartBuffers SHARED = new PartBuffers(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));

  private final int capacity;
  private final Deque<SoftReference<byte[]>> free = new ArrayDeque<>();

  PartBuffers(int capacity) {
    this.capacity = capacity;
  }

  /** An array of exactly {@code size} bytes: a kept one if there is one, else a new one. Its contents are undefined. */
  public byte[] take(int size) {
    synchronized (free) {
      for (Iterator<SoftReference<byte[]>> it = free.iterator(); it.hasNext(); ) {
        byte[] b = it.next().get();
        if (b == null) {
          it.remove(); // collected under memory pressure
        } else if (b.length == size) {
          it.remove();
          return b;
        }
      }
    }
    return new byte[size];
  }

  /**
   * Keeps {@code b} for a later {@link #take} of its size. The caller must be done with it: nothing may
   * read or write it after this call. Dropped when the pool is full.
   */
  public void give(byte[] b) {
    if (b == null) return;
    synchronized (free) {
      free.removeIf(r -> r.get() == null);
      if (free.size() < capacity) {
        free.push(new SoftReference<>(b));
      }
    }
  }

  /** Arrays kept now (for tests and diagnostics). */
  int kept() {
    synchronized (free) {
      free.removeIf(r -> r.get() == null);
      return free.size();
    }
  }
}
