package io.lakevault.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.ObjectStoreException.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Throttling cannot be produced by the emulator, so a loopback HTTP endpoint answers like S3 does
 * under load: 503 SlowDown a given number of times, then the real answer. The SDK client is real.
 */
class S3RetryTest {
  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private volatile int slowDowns;
  /** Requests (after the 503s) whose answer is held until the test ends: a stalled connection. */
  private final AtomicInteger stalls = new AtomicInteger();
  private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
  /** Stalled requests answered so far (only once the test has released them). */
  private final AtomicInteger stalledAnswered = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      int n = requests.incrementAndGet();
      if (n <= slowDowns) {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.sendResponseHeaders(503, "HEAD".equals(exchange.getRequestMethod()) ? -1 : body.length);
        if (!"HEAD".equals(exchange.getRequestMethod())) exchange.getResponseBody().write(body);
      } else {
        if (stalls.getAndUpdate(k -> Math.max(0, k - 1)) > 0) {
          try {
            released.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          stalledAnswered.incrementAndGet();
        }
        boolean get = "GET".equals(exchange.getRequestMethod());
        exchange.getResponseHeaders().add("ETag", "\"0cc175b9c0f1b6a831c399e269772661\"");
        exchange.getResponseHeaders().add("Last-Modified", "Tue, 24 Nov 2026 10:00:00 GMT");
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.getResponseHeaders().add("x-amz-version-id", "v1");
        exchange.getResponseHeaders().add("Content-Length", "1");
        exchange.sendResponseHeaders(200, get ? 1 : -1);
        if (get) exchange.getResponseBody().write('a');
      }
      exchange.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stop() {
    released.countDown();
    server.stop(0);
  }

  private S3ObjectStore store(int attempts) {
    return new S3ObjectStore(settings(attempts));
  }

  private S3Settings settings(int attempts) {
    return new S3Settings("http://127.0.0.1:" + server.getAddress().getPort(), "us-east-1", true, attempts);
  }

  private static ObjectStore.ObjectBytes readAsync(S3ObjectStore s3, ObjectRef ref) {
    try {
      return s3.readAllAsync(ref, 10, null, Runnable::run).join();
    } catch (CompletionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  @Test
  void theAsyncReadRetriesSlowDownLikeTheBlockingOne() {
    slowDowns = 3;
    try (S3ObjectStore s3 = store(5)) {
      assertArrayEquals(new byte[] {'a'}, readAsync(s3, ObjectRef.of("lake", "a.json")).bytes());
    }
    assertEquals(4, requests.get(), "three 503s, then the answer");
  }

  @Test
  void anAttemptSlowerThanTheReadTimeoutIsAbandonedAndRetried() {
    // The stalled attempt is never answered while the read runs: its success is the retry's. A first read
    // warms the client, so the retry's time is not the fresh JVM's class loading on a busy machine (which
    // once took a whole second on CI and timed the retry out as well).
    try (S3ObjectStore s3 = new S3ObjectStore(settings(3).withTimeouts(Duration.ofSeconds(2), Duration.ofMinutes(1)))) {
      assertArrayEquals(new byte[] {'a'}, readAsync(s3, ObjectRef.of("lake", "a.json")).bytes());
      stalls.set(1);
      assertArrayEquals(new byte[] {'a'}, readAsync(s3, ObjectRef.of("lake", "a.json")).bytes());
      assertEquals(0, stalledAnswered.get(), "the stalled attempt was not waited out");
    }
    assertEquals(3, requests.get(), "the warm-up, the stalled attempt, then the retry");
  }

  @Test
  void aRequestStillFailingAtTheCallTimeoutIsAClearError() {
    stalls.set(100);
    try (S3ObjectStore s3 = new S3ObjectStore(settings(10).withTimeouts(Duration.ofMillis(200), Duration.ofMillis(700)))) {
      ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> readAsync(s3, ObjectRef.of("lake", "a.json")));
      assertEquals(Reason.TRANSIENT, e.reason());
      assertTrue(e.getMessage().contains("s3://lake/a.json"), e.getMessage());
    }
    assertTrue(requests.get() < 10, "the call timeout, not the attempts, ended it: " + requests.get());
  }

  @Test
  void slowDownIsRetriedWithBackoffUntilItSucceeds() {
    slowDowns = 3;
    try (S3ObjectStore s3 = store(5)) {
      assertEquals(1, s3.head(ObjectRef.of("lake", "a.json")).size());
    }
    assertEquals(4, requests.get(), "three 503s, then the answer");
  }

  @Test
  void throttlingThatOutlastsTheAttemptsIsAClearError() {
    slowDowns = 100;
    try (S3ObjectStore s3 = store(2)) {
      ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> s3.head(ObjectRef.of("lake", "a.json")));
      assertEquals(Reason.THROTTLED, e.reason());
      assertTrue(e.getMessage().contains("s3://lake/a.json") && e.getMessage().contains("after 2 attempts")
          && e.getMessage().contains("s3.max-attempts"), e.getMessage());
    }
    assertEquals(2, requests.get());
  }
}
