package io.lakevault.core.lease;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.ObjectStoreException.Reason;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Uri;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer at a time per catalog, enforced by the store rather than by the scheduler: a run that
 * changes the catalog and the archive (archive now; expiry, holds and erasure later) holds the lease
 * file {@code <catalog.uri>/run-lease.json} for its whole length.
 *
 * <ul>
 *   <li>Taken with a conditional write: {@code If-None-Match: *} when there is no lease file, or
 *       {@code If-Match} on the ETag of a lease that was released or whose heartbeat is older than the
 *       timeout (its holder died). Of two runs that try at once, the store lets exactly one through.
 *   <li>Renewed by a heartbeat every tenth of the timeout, each an {@code If-Match} on the ETag the holder
 *       wrote last: a holder whose lease was taken over (it stalled past the timeout) finds out at its
 *       next heartbeat, and {@link #check} stops it before its next irreversible step.
 *   <li>Released at the end by writing the record back as released (never deleted: the file is the last
 *       run's record, and an unconditional delete could remove another run's lease).
 * </ul>
 * The holder's clock and the taker's are compared through the heartbeat time; hosts whose clocks differ
 * by more than a small part of the timeout must not share a catalog (NTP, as EMR nodes have).
 */
public final class RunLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String FILE = "run-lease.json";
  /** Tries when others race for a lease that is free or stale; each loss means another run now holds it. */
  private static final int TAKE_ATTEMPTS = 3;

  /** The lease file's content. Times are ISO-8601. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Holder(@JsonProperty("run_id") String runId, @JsonProperty("job") String job,
      @JsonProperty("host") String host, @JsonProperty("pid") long pid, @JsonProperty("started_at") String startedAt,
      @JsonProperty("heartbeat_at") String heartbeatAt, @JsonProperty("timeout_seconds") long timeoutSeconds,
      @JsonProperty("released_at") String releasedAt, @JsonProperty("took_over_from") String tookOverFrom) {

    Holder renewed(Instant now) {
      return new Holder(runId, job, host, pid, startedAt, now.toString(), timeoutSeconds, null, tookOverFrom);
    }

    Holder released(Instant now) {
      return new Holder(runId, job, host, pid, startedAt, heartbeatAt, timeoutSeconds, now.toString(), tookOverFrom);
    }

    /**
     * Whether another run may take the lease at {@code now}: released, no heartbeat for the timeout, or
     * held by a process of this host that is gone (a killed run on a laptop or on the same driver node
     * need not be waited out; a live process with a reused pid only makes the taker wait).
     */
    boolean free(Instant now, Duration timeout, String myHost) {
      return whyFree(now, timeout, myHost) != null;
    }

    /** Why another run may take the lease, or {@code null} while its holder may still be working. */
    String whyFree(Instant now, Duration timeout, String myHost) {
      if (releasedAt != null) return "released";
      if (!Instant.parse(heartbeatAt).plus(timeout).isAfter(now)) return "its last heartbeat is more than " + timeout + " old";
      if (myHost.equals(host) && pid != ProcessHandle.current().pid()
          && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
        return "its process " + pid + " on this host is gone";
      }
      return null;
    }

    String describe() {
      return "run " + runId + " (" + job + ") on host " + host + ", process " + pid + ", started " + startedAt
          + ", last heartbeat " + heartbeatAt;
    }
  }

  private final ObjectStore store;
  private final S3Uri where;
  private final Clock clock;
  private final Duration timeout;
  private final ScheduledExecutorService heartbeat;
  private Holder holder;
  private String eTag;
  private Instant renewedAt;
  /** Why the lease is no longer this run's, or {@code null} while it is. */
  private volatile String lost;
  private boolean closed;

  private RunLease(ObjectStore store, S3Uri where, Clock clock, Duration timeout, Holder holder, String eTag) {
    this.store = store;
    this.where = where;
    this.clock = clock;
    this.timeout = timeout;
    this.holder = holder;
    this.eTag = eTag;
    this.renewedAt = clock.instant();
    long every = Math.max(1000, timeout.toMillis() / 10);
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lakevault-lease-heartbeat");
      t.setDaemon(true);
      return t;
    });
    heartbeat.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  /** Where the lease of the catalog at {@code catalogUri} lives. */
  public static S3Uri location(String catalogUri) {
    return S3Uri.parse(catalogUri).resolve(FILE);
  }

  /**
   * Takes the lease or fails with {@link ErrorKind#BUSY}, naming the holder, without changing anything.
   *
   * @param store the store that holds the catalog; closed by the caller after {@link #close}
   */
  public static RunLease acquire(ObjectStore store, String catalogUri, String runId, String job, Clock clock,
      Duration timeout) {
    return acquire(store, location(catalogUri), runId, job, clock, timeout);
  }

  /** The same, with the lease file at {@code where} in {@code store} (a catalog that is a local folder). */
  public static RunLease acquire(ObjectStore store, S3Uri where, String runId, String job, Clock clock,
      Duration timeout) {
    Instant now = clock.instant();
    Holder mine = new Holder(runId, job, host(), ProcessHandle.current().pid(), now.toString(), now.toString(),
        timeout.toSeconds(), null, null);
    for (int attempt = 1; ; attempt++) {
      try {
        String tag = store.put(where.bucket(), where.key(), encode(mine), PutOptions.builder().ifNoneMatch(true)
            .contentType("application/json").build()).eTag();
        LOG.info("run {} holds the catalog's run lease {}", runId, where);
        return new RunLease(store, where, clock, timeout, mine, tag);
      } catch (ObjectStoreException e) {
        if (e.reason() != Reason.PRECONDITION_FAILED) throw cannotReach(where, e);
      }
      Current current = read(store, where);
      if (current == null) {
        // Released and removed by hand between the two calls: try again, but not forever (a store that
        // refuses to create the file yet cannot read it is broken, not busy).
        if (attempt < 5) continue;
        throw new LakevaultException(ErrorKind.BUSY, "the run lease " + where + " can neither be created (the store"
            + " says it exists) nor read (the store says it does not), " + attempt + " times in a row: check the"
            + " store (on the local store, a lease file deleted by hand without its versions under .lakevault-store)");
      }
      now = clock.instant();
      if (current.holder != null && !current.holder.free(now, timeout, mine.host())) {
        throw busy(where, current.holder, timeout);
      }
      if (current.holder == null && current.lastModified.plus(timeout).isAfter(now)) {
        // A lease file that does not parse names no holder to wait for; it is taken only once it is as old as a stale lease.
        throw new LakevaultException(ErrorKind.BUSY, "the run lease " + where + " does not read as a lease (written by"
            + " something other than lakevault?); it will be taken over once it is " + timeout.toMinutes()
            + " minutes old, at " + current.lastModified.plus(timeout) + ", or delete it once no run is using the catalog");
      }
      String previous = current.holder == null ? "an unreadable lease" : current.holder.runId();
      Holder taking = new Holder(runId, job, mine.host(), mine.pid(), mine.startedAt(), now.toString(),
          timeout.toSeconds(), null, current.holder != null && current.holder.releasedAt() != null ? null : previous);
      try {
        String tag = store.put(where.bucket(), where.key(), encode(taking), PutOptions.builder().ifMatch(current.eTag)
            .contentType("application/json").build()).eTag();
        if (taking.tookOverFrom() != null) {
          LOG.warn("run {} took over the catalog's run lease from {}: {}", runId,
              current.holder == null ? previous : current.holder.describe(),
              current.holder == null ? "it does not read as a lease and is older than " + timeout
                  : current.holder.whyFree(now, timeout, mine.host()));
        }
        return new RunLease(store, where, clock, timeout, taking, tag);
      } catch (ObjectStoreException e) {
        if (e.reason() != Reason.PRECONDITION_FAILED && e.reason() != Reason.NOT_FOUND) throw cannotReach(where, e);
        if (attempt >= TAKE_ATTEMPTS) {
          Current now2 = read(store, where);
          if (now2 != null && now2.holder != null) throw busy(where, now2.holder, timeout);
          throw new LakevaultException(ErrorKind.BUSY, "other runs keep taking the run lease " + where + ": try again later");
        }
      }
    }
  }

  /** The run that holds the lease now, if any (released leases included), for status and messages. */
  public static Holder holder(ObjectStore store, String catalogUri) {
    Current c = read(store, location(catalogUri));
    return c == null ? null : c.holder;
  }

  /**
   * Fails with {@link ErrorKind#BUSY} when the lease is no longer this run's; called before each step
   * that another writer must not overlap (a commit, a deletion).
   *
   * @param step what the run was about to do, for the message
   */
  public void check(String step) {
    renew(); // one conditional write: the heartbeat's flag alone could be a tenth of the timeout late
    String why = lost;
    if (why != null) {
      throw new LakevaultException(ErrorKind.BUSY, "run " + holder.runId() + " stopped before it could " + step + ": " + why
          + ". Nothing of that step was done; what the run wrote before is finished by the next run's housekeeping");
    }
  }

  public String runId() {
    return holder.runId();
  }

  /** The lease as written last, for the run's record. */
  public Holder holder() {
    return holder;
  }

  private synchronized void renew() {
    if (closed || lost != null) return;
    Instant now = clock.instant();
    Holder next = holder.renewed(now);
    try {
      eTag = store.put(where.bucket(), where.key(), encode(next), PutOptions.builder().ifMatch(eTag)
          .contentType("application/json").build()).eTag();
      holder = next;
      renewedAt = now;
    } catch (ObjectStoreException e) {
      if (e.reason() == Reason.PRECONDITION_FAILED || e.reason() == Reason.NOT_FOUND) {
        Current c = readQuietly();
        lost = "the catalog's run lease " + where + " was taken over"
            + (c != null && c.holder != null ? " by " + c.holder.describe() : "")
            + " after this run went more than " + timeout + " without renewing it";
        LOG.error(lost);
      } else if (!renewedAt.plus(timeout).isAfter(now)) {
        lost = "the catalog's run lease " + where + " could not be renewed for " + timeout + " (" + e.getMessage()
            + "), so another run may have taken it over";
        LOG.error(lost);
      } else {
        LOG.warn("could not renew the run lease {} (will try again): {}", where, e.getMessage());
      }
    } catch (RuntimeException e) {
      LOG.warn("could not renew the run lease {} (will try again): {}", where, e.toString());
    }
  }

  /** Stops the heartbeat and writes the lease back as released, if it is still this run's. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    synchronized (this) {
      if (closed) return;
      closed = true;
      if (lost != null) return;
      try {
        store.put(where.bucket(), where.key(), encode(holder.released(clock.instant())), PutOptions.builder().ifMatch(eTag)
            .contentType("application/json").build());
        LOG.info("run {} released the catalog's run lease", holder.runId());
      } catch (RuntimeException e) {
        // The lease then ends by its timeout; nothing this run wrote depends on the release.
        LOG.warn("could not release the run lease {} (another run may take it over after {}): {}", where, timeout,
            e.getMessage());
      }
    }
  }

  // ---------------------------------------------------------------- the file

  private record Current(Holder holder, String eTag, Instant lastModified) {}

  private Current readQuietly() {
    try {
      return read(store, where);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Current read(ObjectStore store, S3Uri where) {
    ObjectStore.ObjectBytes b;
    try {
      b = store.readAll(new ObjectRef(where.bucket(), where.key(), null), 64 * 1024);
    } catch (ObjectStoreException e) {
      if (e.reason() == Reason.NOT_FOUND) return null;
      throw cannotReach(where, e);
    }
    Holder h;
    try {
      h = JSON.readValue(b.bytes(), Holder.class);
      if (h.runId() == null || h.heartbeatAt() == null) h = null;
      else Instant.parse(h.heartbeatAt());
    } catch (IOException | RuntimeException e) {
      h = null;
    }
    return new Current(h, b.metadata().eTag(), b.metadata().lastModified());
  }

  private static byte[] encode(Holder h) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(h);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static LakevaultException busy(S3Uri where, Holder h, Duration timeout) {
    return new LakevaultException(ErrorKind.BUSY, "another lakevault run is writing this catalog: " + h.describe()
        + " holds its run lease " + where + ". Run again once it has ended; if it died, its lease may be taken over "
        + timeout.toMinutes() + " minutes after its last heartbeat (lease.timeout), at "
        + Instant.parse(h.heartbeatAt()).plus(timeout));
  }

  private static LakevaultException cannotReach(S3Uri where, ObjectStoreException e) {
    return new LakevaultException(ErrorKind.STORE, "cannot read or write the run lease " + where + ": " + e.getMessage()
        + (e.reason() == Reason.NO_SUCH_BUCKET ? "; check catalog.uri" : ""), e);
  }

  private static String host() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) return h;
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
