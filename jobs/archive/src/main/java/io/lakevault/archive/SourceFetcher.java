package io.lakevault.archive;

import io.lakevault.core.inventory.InventoryValues;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Row;

/**
 * Reads source objects ahead of the pack writer, in input order, with many GETs in flight (S3 answers
 * small GETs in tens of milliseconds; one at a time would leave the task waiting) and a bound on the
 * bytes held: at most {@code concurrency} readers, each with a batch of sources, and {@code byteBudget}
 * bytes at once. Objects larger than {@code inMemoryLimit} are not read ahead: they are opened when
 * their turn comes and streamed.
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
      return store.open(ref, ifMatch(row));
    }
  }

  private final ObjectStore store;
  private final Iterator<Row> rows;
  private final int concurrency;
  private final int batch;
  private final long byteBudget;
  private final long inMemoryLimit;
  private final ExecutorService pool;
  /** Batches in flight, in input order; the head is being handed out. */
  private final Deque<Batch> ahead = new ArrayDeque<>();
  private List<Fetched> current = List.of();
  private int cursor;
  private long reserved;

  /** Consecutive sources read by one reader thread, and the bytes they were charged. */
  private record Batch(Future<List<Fetched>> fetched, long charge) {}

  /**
   * @param batch sources a reader takes at a time: on the local store a read takes microseconds, and
   *     handing each to a thread of its own costs as much as the read; on S3 one at a time
   */
  SourceFetcher(ObjectStore store, Iterator<Row> rows, int concurrency, int batch, long byteBudget,
      long inMemoryLimit) {
    this.store = store;
    this.rows = rows;
    this.concurrency = concurrency;
    this.batch = Math.max(1, batch);
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

  /**
   * The condition of a source's GET: a version id names bytes that never change, but the current version
   * (a report without version ids) and the null version (versioning off, or suspended) are replaced by an
   * overwrite; with the inventory's ETag as If-Match, S3 refuses a replaced one before sending its bytes.
   */
  static String ifMatch(Row r) {
    String version = r.getAs("version_id");
    return version == null || version.equals(InventoryValues.NULL_VERSION) ? r.getAs("e_tag") : null;
  }

  boolean hasNext() {
    return cursor < current.size() || !ahead.isEmpty() || rows.hasNext();
  }

  Fetched next() throws IOException {
    if (cursor < current.size()) return current.get(cursor++);
    fill();
    Batch b = ahead.poll();
    if (b == null) throw new java.util.NoSuchElementException();
    reserved -= b.charge();
    try {
      current = b.fetched().get();
      cursor = 0;
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
    return current.get(cursor++);
  }

  private void fill() {
    while (rows.hasNext() && ahead.size() < concurrency) {
      // Peeking is not possible on the iterator, so the budget admits one batch past it at most.
      if (!ahead.isEmpty() && reserved >= byteBudget) return;
      List<Row> taken = new ArrayList<>(batch);
      long charge = 0;
      while (rows.hasNext() && taken.size() < batch && (taken.isEmpty() || charge < byteBudget / concurrency)) {
        Row r = rows.next();
        long size = r.<Long>getAs("size");
        if (size <= inMemoryLimit) charge += size;
        taken.add(r);
      }
      reserved += charge;
      ahead.add(new Batch(pool.submit(() -> fetch(taken)), charge));
    }
  }

  private List<Fetched> fetch(List<Row> taken) {
    List<Fetched> out = new ArrayList<>(taken.size());
    for (Row r : taken) out.add(fetch(r));
    return out;
  }

  private Fetched fetch(Row r) {
    ObjectRef ref = ref(r);
    long size = r.<Long>getAs("size");
    if (size > inMemoryLimit) {
      return new Fetched(r, null, null, null, store, ref);
    }
    try {
      ObjectStore.ObjectBytes b = store.readAll(ref, (int) size, ifMatch(r));
      byte[] bytes = b.bytes();
      if (b.longer()) {
        // Longer than the inventory says: one byte more is enough for the writer to tell.
        bytes = java.util.Arrays.copyOf(bytes, bytes.length + 1);
      }
      return new Fetched(r, b.metadata(), bytes, null, store, ref);
    } catch (ObjectStoreException e) {
      String why = unreadable(e);
      if (why == null) throw e;
      return new Fetched(r, null, null, why, store, ref);
    }
  }

  /**
   * Why a source is skipped, reported and left for a later run, rather than failing the run: one object
   * the role cannot read must not stop every daily run after it. The reason is "kind: details", counted
   * by kind in the report; a run that skips more than {@code archive.max-skipped-fraction} of its
   * candidates fails after committing what it read (a cause shared by many objects: credentials, a KMS
   * key policy, an outage). Transient errors (throttling, 5xx, resets) reach here only after the store's
   * retries with backoff ({@code s3.max-attempts}).
   */
  static String unreadable(ObjectStoreException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> "gone since the inventory (404, or now a delete marker)";
      case PRECONDITION_FAILED -> "changed since the inventory: " + e.getMessage();
      case NO_SUCH_BUCKET -> "gone since the inventory (its bucket no longer exists)";
      case INVALID_OBJECT_STATE -> "in GLACIER or DEEP_ARCHIVE and not restored: restore it first, or exclude it in the policy";
      case ACCESS_DENIED -> "access denied: the role cannot read it, or cannot use its SSE-KMS key (grant both, or exclude"
          + " it in the policy): " + e.getMessage();
      case INVALID_REQUEST -> "refused: the store refused to serve it as asked (400; an SSE-C object needs its customer"
          + " key, which lakevault does not hold): " + e.getMessage();
      case THROTTLED, TRANSIENT -> "unavailable: still failing after the store's retries (the next run tries again): "
          + e.getMessage();
      case OTHER, INVALID_RANGE -> "unreadable: " + e.getMessage();
      default -> null;
    };
  }

  /**
   * Whether a kind of skip reason is a failure to read (counted against {@code archive.max-skipped-fraction}),
   * not the lake's churn: a source deleted or overwritten since the inventory is no one's fault.
   */
  static boolean isFailure(String kind) {
    return !kind.startsWith("gone since the inventory") && !kind.startsWith("changed since the inventory");
  }

  @Override
  public void close() {
    for (Batch b : ahead) b.fetched().cancel(true);
    pool.shutdownNow();
  }
}
