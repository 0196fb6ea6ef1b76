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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.spark.sql.Row;

/**
 * Reads source objects ahead of the pack writer with many GETs in flight (S3 answers a small GET in
 * tens of milliseconds; one at a time would leave the task waiting) and hands them out in input order,
 * so a retried task writes the same packs. A slot is freed when its read completes, not when it is
 * handed out: while the writer waits on a slow GET at the head (S3's tail: a GET in a hundred takes ten
 * times the median), the others finish and new reads start behind it, up to {@code byteBudget} bytes
 * read and not yet handed out. Objects larger than {@code inMemoryLimit} are not read ahead: they are
 * opened when their turn comes and streamed.
 *
 * <p>On a store with an asynchronous client (S3) each read is one request on that client, and
 * {@code concurrency} is the number of GETs in flight (hundreds, on a few event-loop threads). On the
 * local store, where a read takes microseconds, {@code concurrency} threads each read {@code batch}
 * sources at a time.
 *
 * <p>Throttling is answered here, where the request rate is decided: when the store answers "slow down"
 * (S3's 503, which its client retries with backoff), the reads allowed in flight are halved, and they grow
 * back by one for each window's worth of reads completed without it (additive increase, multiplicative
 * decrease, as TCP's congestion window). Tasks sharing a prefix that S3 is still repartitioning thus
 * send fewer requests instead of each spending its attempts.
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
  /** Blocking readers: the local store's batches, and any store without an asynchronous read. */
  private final ExecutorService pool;
  /** Reads not handed out yet, in input order; the head is handed out next. */
  private final Deque<Slot> ahead = new ArrayDeque<>();
  private List<Fetched> current = List.of();
  private int cursor;
  /** Bytes of the slots in {@link #ahead}: read, or being read, and not handed out. */
  private long reserved;
  /** Slots whose read has not completed; completions decrement it and wake the writer. */
  private int inFlight;
  private final Object lock = new Object();
  private long reads;
  private long waits;
  /** Reads allowed in flight now, at most {@code concurrency}; guarded by {@link #lock}. */
  private double window;
  private double smallestWindow;
  private long throttledSeen;
  /** Completions since the window was last cut: one burst of 503s cuts it once. */
  private long sinceCut;
  private long cuts;
  static final int MIN_WINDOW = 4;

  /** Consecutive sources read together, and the bytes they were charged. */
  private record Slot(CompletableFuture<List<Fetched>> fetched, long charge) {}

  /**
   * @param concurrency reads in flight at most (batches of them on the local store)
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
    this.window = concurrency;
    this.smallestWindow = concurrency;
    this.sinceCut = concurrency;
    this.throttledSeen = store.throttledResponses();
    // Threads start on first use: a fetcher on S3 never starts one.
    this.pool = Executors.newFixedThreadPool(Math.min(concurrency, 64), r -> {
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
    Slot head = ahead.peek();
    if (head == null) throw new java.util.NoSuchElementException();
    try {
      awaitHead(head);
      ahead.poll();
      reserved -= head.charge();
      current = head.fetched().get();
      cursor = 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading sources", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
      if (cause instanceof RuntimeException re) throw re;
      if (cause instanceof IOException io) throw io;
      throw new IOException(cause);
    } finally {
      fill();
    }
    return current.get(cursor++);
  }

  /** Waits for the head's read, starting new reads behind it whenever others complete meanwhile. */
  private void awaitHead(Slot head) throws InterruptedException {
    if (!head.fetched().isDone()) waits++;
    while (!head.fetched().isDone()) {
      boolean more = rows.hasNext();
      synchronized (lock) {
        if (!head.fetched().isDone() && !(more && room())) lock.wait();
      }
      fill();
    }
  }

  /** Whether another read may start: sources left, a slot free and bytes in budget (one read past it at most). */
  private boolean canStart() {
    // Outside the lock: pulling the next row may run Spark's upstream work.
    if (!rows.hasNext()) return false;
    synchronized (lock) {
      return room();
    }
  }

  private boolean room() {
    return inFlight < (int) window && (ahead.isEmpty() || reserved < byteBudget);
  }

  /** A read completed: the window shrinks if the store throttled since the last cut, else grows. Under the lock. */
  private void completed() {
    inFlight--;
    sinceCut++;
    long throttled = store.throttledResponses();
    if (throttled > throttledSeen) {
      throttledSeen = throttled;
      if (sinceCut >= window) {
        window = Math.max(Math.min(MIN_WINDOW, concurrency), window / 2);
        smallestWindow = Math.min(smallestWindow, window);
        sinceCut = 0;
        cuts++;
      }
    } else if (window < concurrency) {
      window = Math.min(concurrency, window + 1 / window);
    }
    lock.notifyAll();
  }

  private void fill() {
    while (canStart()) {
      List<Row> taken = new ArrayList<>(batch);
      long charge = 0;
      while (rows.hasNext() && taken.size() < batch && (taken.isEmpty() || charge < byteBudget / concurrency)) {
        Row r = rows.next();
        long size = r.<Long>getAs("size");
        if (size <= inMemoryLimit) charge += size;
        taken.add(r);
      }
      CompletableFuture<List<Fetched>> f = taken.size() == 1 ? fetchAsync(taken.get(0))
          : CompletableFuture.supplyAsync(() -> fetch(taken), pool);
      synchronized (lock) {
        reserved += charge;
        inFlight++;
      }
      reads += taken.size();
      ahead.add(new Slot(f, charge));
      // Registered after the count went up: a read already done runs this at once, on this thread.
      f.whenComplete((v, t) -> {
        synchronized (lock) {
          completed();
        }
      });
    }
  }

  /** Sources read, how many times the writer found the next one still being read, and throttling. */
  String stats() {
    synchronized (lock) {
      return reads + " sources read, the writer waited on " + waits + (cuts == 0 ? ""
          : "; throttled: reads in flight cut " + cuts + " times, to " + (int) smallestWindow + " at the least");
    }
  }

  /** The reads allowed in flight now (tests). */
  int window() {
    synchronized (lock) {
      return (int) window;
    }
  }

  private CompletableFuture<List<Fetched>> fetchAsync(Row r) {
    ObjectRef ref = ref(r);
    long size = r.<Long>getAs("size");
    if (size > inMemoryLimit) {
      return CompletableFuture.completedFuture(List.of(new Fetched(r, null, null, null, store, ref)));
    }
    return store.readAllAsync(ref, (int) size, ifMatch(r), pool).handle((b, failure) -> {
      if (failure == null) return List.of(read(r, ref, b));
      Throwable t = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
      if (t instanceof ObjectStoreException e) return List.of(failed(r, ref, e));
      throw failure instanceof CompletionException c ? c : new CompletionException(t);
    });
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
      return read(r, ref, store.readAll(ref, (int) size, ifMatch(r)));
    } catch (ObjectStoreException e) {
      return failed(r, ref, e);
    }
  }

  private Fetched read(Row r, ObjectRef ref, ObjectStore.ObjectBytes b) {
    byte[] bytes = b.bytes();
    if (b.longer()) {
      // Longer than the inventory says: one byte more is enough for the writer to tell.
      bytes = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }
    return new Fetched(r, b.metadata(), bytes, null, store, ref);
  }

  /** A source skipped with its reason, or the error rethrown when it is not a reason to skip. */
  private Fetched failed(Row r, ObjectRef ref, ObjectStoreException e) {
    String why = unreadable(e);
    if (why == null) throw e;
    return new Fetched(r, null, null, why, store, ref);
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
    for (Slot b : ahead) b.fetched().cancel(true);
    pool.shutdownNow();
  }
}
