package io.lakevault.archive;

import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Row;

/**
 * Reads source objects ahead of the pack writer, in input order, with many GETs in flight (S3 answers
 * small GETs in tens of milliseconds; one at a time would leave the task waiting) and a bound on the
 * bytes held: at most {@code concurrency} requests and {@code byteBudget} bytes at once. Objects larger
 * than {@code inMemoryLimit} are not read ahead: they are opened when their turn comes and streamed.
 */
final class SourceFetcher implements AutoCloseable {

  /**
   * One source, read or failed.
   *
   * @param bytes the whole object when small; {@code null} for a large one, read from {@link #open()}
   * @param missing why the version cannot be read (gone, or a delete marker), or {@code null}
   */
  record Fetched(Row row, ObjectMetadata metadata, byte[] bytes, String missing, ObjectStore store, ObjectRef ref) {
    ObjectStore.ObjectContent open() {
      return store.open(ref);
    }
  }

  private final ObjectStore store;
  private final Iterator<Row> rows;
  private final int concurrency;
  private final long byteBudget;
  private final long inMemoryLimit;
  private final ExecutorService pool;
  private final Deque<Future<Fetched>> ahead = new ArrayDeque<>();
  private final Deque<Long> aheadBytes = new ArrayDeque<>();
  private long reserved;

  SourceFetcher(ObjectStore store, Iterator<Row> rows, int concurrency, long byteBudget, long inMemoryLimit) {
    this.store = store;
    this.rows = rows;
    this.concurrency = concurrency;
    this.byteBudget = byteBudget;
    this.inMemoryLimit = inMemoryLimit;
    this.pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "lakevault-fetch");
      t.setDaemon(true);
      return t;
    });
  }

  static ObjectRef ref(Row r) {
    return new ObjectRef(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"));
  }

  boolean hasNext() {
    return !ahead.isEmpty() || rows.hasNext();
  }

  Fetched next() throws IOException {
    fill();
    Future<Fetched> f = ahead.poll();
    reserved -= aheadBytes.poll();
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading sources", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      if (e.getCause() instanceof IOException io) throw io;
      throw new IOException(e.getCause());
    } finally {
      fill();
    }
  }

  private void fill() {
    while (rows.hasNext() && ahead.size() < concurrency) {
      // Peeking is not possible on the iterator, so the budget admits one object past it at most.
      if (!ahead.isEmpty() && reserved >= byteBudget) return;
      Row r = rows.next();
      long size = r.<Long>getAs("size");
      boolean small = size <= inMemoryLimit;
      long charge = small ? size : 0;
      reserved += charge;
      aheadBytes.add(charge);
      ahead.add(pool.submit(() -> fetch(r, small)));
    }
  }

  private Fetched fetch(Row r, boolean small) throws IOException {
    ObjectRef ref = ref(r);
    if (!small) {
      return new Fetched(r, null, null, null, store, ref);
    }
    try (ObjectStore.ObjectContent c = store.open(ref)) {
      long size = r.<Long>getAs("size");
      byte[] b = readUpTo(c.stream(), size);
      if (b.length == size && c.stream().read() >= 0) {
        // Longer than the inventory says: one byte more is enough for the writer to tell.
        b = java.util.Arrays.copyOf(b, b.length + 1);
      }
      return new Fetched(r, c.metadata(), b, null, store, ref);
    } catch (ObjectStoreException e) {
      String why = unreadable(e);
      if (why == null) throw e;
      return new Fetched(r, null, null, why, store, ref);
    }
  }

  /** Why a source is skipped rather than failing the run, or {@code null} when the error must fail it. */
  static String unreadable(ObjectStoreException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> "gone since the inventory (404, or now a delete marker)";
      case INVALID_OBJECT_STATE -> "in GLACIER or DEEP_ARCHIVE and not restored: restore it first, or exclude it in the policy";
      default -> null;
    };
  }

  /**
   * Up to {@code n} bytes into one array of that size, read in place (readNBytes would copy them twice);
   * a shorter array only when the stream ends first.
   */
  private static byte[] readUpTo(InputStream in, long n) throws IOException {
    byte[] b = new byte[(int) Math.min(n, Integer.MAX_VALUE - 16)];
    int filled = 0;
    while (filled < b.length) {
      int r = in.read(b, filled, b.length - filled);
      if (r < 0) break;
      filled += r;
    }
    return filled == b.length ? b : java.util.Arrays.copyOf(b, filled);
  }

  @Override
  public void close() {
    for (Future<Fetched> f : ahead) f.cancel(true);
    pool.shutdownNow();
  }
}
