package io.lakevault.core.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.time.MutableClock;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.PutOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run lease on the local store; the same calls on S3 are the store contract's conditional writes. */
class RunLeaseTest {
  private static final String CATALOG = "s3://cat/catalog";
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  @TempDir Path dir;
  MutableClock clock;
  LocalObjectStore store;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    store = new LocalObjectStore(dir, Duration.ZERO, clock);
    store.createBucket("cat", true, false);
  }

  private String leaseText() throws Exception {
    try (var in = store.get(new ObjectRef("cat", "catalog/" + RunLease.FILE, null))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A lease file deleted by hand without the store's record of it: a clear error, not a spin. */
  @Test
  void aLeaseTheStoreCanNeitherCreateNorReadIsAnErrorNotALoop() throws Exception {
    RunLease.acquire(store, CATALOG, "run-a", "archive", clock, TIMEOUT).close();
    java.nio.file.Files.delete(dir.resolve("cat/catalog/" + RunLease.FILE));
    LakevaultException e = assertThrows(LakevaultException.class,
        () -> RunLease.acquire(store, CATALOG, "run-b", "archive", clock, TIMEOUT));
    assertTrue(e.getMessage().contains("can neither be created") && e.getMessage().contains(".lakevault-store"),
        e.getMessage());
  }

  @Test
  void aSecondRunIsRefusedNamingTheHolderAndChangesNothing() throws Exception {
    try (RunLease first = RunLease.acquire(store, CATALOG, "run-a", "archive", clock, TIMEOUT)) {
      String held = leaseText();
      LakevaultException e = assertThrows(LakevaultException.class,
          () -> RunLease.acquire(store, CATALOG, "run-b", "archive", clock, TIMEOUT));
      assertEquals(ErrorKind.BUSY, e.kind());
      assertEquals(4, e.kind().exitCode());
      assertTrue(e.getMessage().contains("run run-a (archive) on host ") && e.getMessage().contains("started 2026-12-03T10:00:00Z")
          && e.getMessage().contains("process " + ProcessHandle.current().pid()), e.getMessage());
      assertTrue(e.getMessage().contains("at 2026-12-03T10:10:00Z"), "when it may be taken over: " + e.getMessage());
      assertEquals(held, leaseText(), "the refused run wrote nothing");
      first.check("commit");
    }
    assertNotNull(RunLease.holder(store, CATALOG).releasedAt(), "released at the end");
    try (RunLease next = RunLease.acquire(store, CATALOG, "run-b", "archive", clock, TIMEOUT)) {
      assertNull(next.holder().tookOverFrom(), "a released lease is taken, not taken over");
    }
  }

  @Test
  void aLeaseWithoutAHeartbeatForTheTimeoutIsTakenOverAndItsHolderStopsAtItsNextStep() {
    RunLease stalled = RunLease.acquire(store, CATALOG, "run-a", "archive", clock, TIMEOUT);
    clock.advance(TIMEOUT.minusSeconds(1));
    assertEquals(ErrorKind.BUSY, assertThrows(LakevaultException.class,
        () -> RunLease.acquire(store, CATALOG, "run-b", "archive", clock, TIMEOUT)).kind());
    clock.advance(Duration.ofSeconds(1));
    try (RunLease taker = RunLease.acquire(store, CATALOG, "run-b", "archive", clock, TIMEOUT)) {
      assertEquals("run-a", taker.holder().tookOverFrom());
      LakevaultException e = assertThrows(LakevaultException.class, () -> stalled.check("commit its packs"));
      assertEquals(ErrorKind.BUSY, e.kind());
      assertTrue(e.getMessage().contains("run run-a stopped before it could commit its packs")
          && e.getMessage().contains("taken over by run run-b"), e.getMessage());
      stalled.close(); // must not release the taker's lease
      assertEquals("run-b", RunLease.holder(store, CATALOG).runId());
      assertNull(RunLease.holder(store, CATALOG).releasedAt());
      taker.check("commit");
    }
  }

  @Test
  void aLeaseOfAProcessOfThisHostThatIsGoneIsTakenAtOnce() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    String host;
    try (RunLease probe = RunLease.acquire(store, CATALOG, "probe", "archive", clock, TIMEOUT)) {
      host = probe.holder().host();
    }
    String dead = "{\"run_id\":\"killed\",\"job\":\"archive\",\"host\":\"" + host + "\",\"pid\":" + p.pid()
        + ",\"started_at\":\"2026-12-03T09:59:00Z\",\"heartbeat_at\":\"2026-12-03T10:00:00Z\",\"timeout_seconds\":600}";
    store.put("cat", "catalog/" + RunLease.FILE, dead.getBytes(StandardCharsets.UTF_8), PutOptions.defaults());
    try (RunLease next = RunLease.acquire(store, CATALOG, "rerun", "archive", clock, TIMEOUT)) {
      assertEquals("killed", next.holder().tookOverFrom());
    }
    // On another host the same lease is waited out.
    store.put("cat", "catalog/" + RunLease.FILE, dead.replace(host, "another-host").getBytes(StandardCharsets.UTF_8),
        PutOptions.defaults());
    assertEquals(ErrorKind.BUSY, assertThrows(LakevaultException.class,
        () -> RunLease.acquire(store, CATALOG, "rerun-2", "archive", clock, TIMEOUT)).kind());
  }

  @Test
  void aLeaseFileThatDoesNotParseIsWaitedOutNotTrusted() {
    store.put("cat", "catalog/" + RunLease.FILE, "{\"run_id\":".getBytes(StandardCharsets.UTF_8), PutOptions.defaults());
    LakevaultException e = assertThrows(LakevaultException.class,
        () -> RunLease.acquire(store, CATALOG, "run-a", "archive", clock, TIMEOUT));
    assertTrue(e.getMessage().contains("does not read as a lease"), e.getMessage());
    clock.advance(TIMEOUT);
    try (RunLease l = RunLease.acquire(store, CATALOG, "run-a", "archive", clock, TIMEOUT)) {
      assertEquals("an unreadable lease", l.holder().tookOverFrom());
    }
  }

  /** Runs racing for a free lease through separate store instances, as separate drivers would: one wins. */
  @Test
  void ofManyRunsStartedTogetherExactlyOneHoldsTheLease() throws Exception {
    int runs = 8;
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RunLease>> tries = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      String run = "run-" + i;
      tries.add(pool.submit(() -> {
        go.await();
        try {
          return RunLease.acquire(new LocalObjectStore(dir, Duration.ZERO, clock), CATALOG, run, "archive", clock, TIMEOUT);
        } catch (LakevaultException e) {
          assertEquals(ErrorKind.BUSY, e.kind(), e.getMessage());
          return null;
        }
      }));
    }
    go.countDown();
    List<RunLease> winners = new ArrayList<>();
    for (Future<RunLease> f : tries) if (f.get() != null) winners.add(f.get());
    pool.shutdown();
    assertEquals(1, winners.size());
    assertEquals(winners.get(0).runId(), RunLease.holder(store, CATALOG).runId());
    winners.get(0).close();
  }
}
