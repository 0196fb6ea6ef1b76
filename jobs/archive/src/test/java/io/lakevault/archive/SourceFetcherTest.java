package io.lakevault.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lakevault.aws.S3ObjectStore;
import io.lakevault.aws.S3Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The archive's read-ahead on the real SDK async client against a loopback endpoint that answers like S3
 * under its two troubles, a slow GET and 503 SlowDown: sources come out in input order all the same, a slow
 * GET at the head does not stop the reads behind it, and throttling shrinks the reads in flight.
 */
class SourceFetcherTest {
  private static final StructType SCHEMA = new StructType().add("bucket", DataTypes.StringType)
      .add("key", DataTypes.StringType).add("version_id", DataTypes.StringType).add("e_tag", DataTypes.StringType)
      .add("size", DataTypes.LongType);

  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  /** Requests answered 503 before any real answer. */
  private volatile int slowDowns;
  /** The key held until every other source was asked for, or the latch's timeout. */
  private volatile String slowKey;
  private final CountDownLatch othersAsked = new CountDownLatch(1);
  private volatile int sources;
  private final AtomicInteger askedBeforeSlowAnswered = new AtomicInteger(-1);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      int n = requests.incrementAndGet();
      String key = exchange.getRequestURI().getPath().substring("/lake/".length());
      if (n > slowDowns && n - slowDowns >= sources) othersAsked.countDown();
      if (n <= slowDowns) {
        byte[] body = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(503, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
        return;
      }
      if (key.equals(slowKey)) {
        try {
          othersAsked.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        askedBeforeSlowAnswered.set(requests.get() - slowDowns);
      }
      byte[] body = key.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("ETag", "\"e-" + key + "\"");
      exchange.getResponseHeaders().add("Last-Modified", "Tue, 24 Nov 2026 10:00:00 GMT");
      exchange.getResponseHeaders().add("x-amz-version-id", "v1");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private S3ObjectStore store() {
    return new S3ObjectStore(new S3Settings("http://127.0.0.1:" + server.getAddress().getPort(), "us-east-1", true, 10));
  }

  private List<Row> rows(int n) {
    sources = n;
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = String.format("k%04d", i);
      rows.add(new GenericRowWithSchema(new Object[] {"lake", key, "v1", "e-" + key, (long) key.length()}, SCHEMA));
    }
    return rows;
  }

  private static void readsInOrder(SourceFetcher f, List<Row> rows) throws IOException {
    for (Row r : rows) {
      assertTrue(f.hasNext());
      SourceFetcher.Fetched got = f.next();
      assertEquals(r.<String>getAs("key"), got.row().<String>getAs("key"));
      assertArrayEquals(r.<String>getAs("key").getBytes(StandardCharsets.UTF_8), got.bytes());
      assertEquals(null, got.missing());
    }
    assertFalse(f.hasNext());
  }

  @Test
  void aSlowGetAtTheHeadDoesNotStopTheReadsBehindIt() throws IOException {
    List<Row> rows = rows(300);
    slowKey = "k0000";
    try (S3ObjectStore s3 = store(); SourceFetcher f = new SourceFetcher(s3, rows.iterator(), 32, 1, 64L << 20, 16L << 20)) {
      readsInOrder(f, rows);
    }
    // With 32 in flight counted from the head, 31 others at most could have been asked for while it waited.
    assertEquals(300, askedBeforeSlowAnswered.get(), "every source was asked for while the first was slow");
  }

  @Test
  void throttlingHalvesTheReadsInFlightAndTheyGrowBack() throws IOException {
    List<Row> rows = rows(400);
    slowDowns = 40;
    try (S3ObjectStore s3 = store(); SourceFetcher f = new SourceFetcher(s3, rows.iterator(), 64, 1, 64L << 20, 16L << 20)) {
      readsInOrder(f, rows);
      assertTrue(s3.throttledResponses() >= 40, "every 503 counted: " + s3.throttledResponses());
      assertTrue(f.stats().contains("throttled: reads in flight cut"), f.stats());
      assertTrue(f.window() < 64, "not yet back to 64 after " + rows.size() + " reads: " + f.window());
    }
  }
}
