package io.lakevault.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An S3-compatible endpoint on loopback for benchmarks: serves GET and HEAD of the objects of a local
 * store's root (path-style, by version id or current version, If-Match honoured) with an injected
 * latency before each answer, as S3's first byte takes: a log-normal around {@code medianMs} (σ 0.25:
 * most between 0.7 and 1.5 times it) and, for a {@code tail} fraction drawn at random, {@code tailMs}.
 * Seeded. No signature check, no writes: the lake's side of an archive run, nothing else.
 *
 * <p>It runs in a process of its own ({@code java ... LatencyS3Server ROOT MEDIAN_MS TAIL_MS TAIL SEED}),
 * so the CPU it spends serving is measured apart from the job's; it prints {@code port N} when ready.
 */
public final class LatencyS3Server {
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final ObjectStore store;
  private final double medianMs;
  private final double tailMs;
  private final double tail;
  private final SplittableRandom random;
  private final AtomicLong served = new AtomicLong();

  LatencyS3Server(Path root, double medianMs, double tailMs, double tail, long seed) {
    this.store = new LocalObjectStore(root);
    this.medianMs = medianMs;
    this.tailMs = tailMs;
    this.tail = tail;
    this.random = new SplittableRandom(seed);
  }

  public static void main(String[] args) throws Exception {
    LatencyS3Server s = new LatencyS3Server(Path.of(args[0]), Double.parseDouble(args[1]), Double.parseDouble(args[2]),
        Double.parseDouble(args[3]), Long.parseLong(args[4]));
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    http.createContext("/", s::serve);
    // A thread per request in its latency: the sleeps are S3's time, not this process's CPU.
    http.setExecutor(Executors.newFixedThreadPool(1024));
    http.start();
    System.out.println("port " + http.getAddress().getPort());
    System.out.flush();
    // Runs until its parent kills it.
    Thread.currentThread().join();
  }

  private long delayMicros() {
    double u;
    double g;
    synchronized (random) {
      u = random.nextDouble();
      g = gaussian();
    }
    double ms = u < tail ? tailMs : medianMs * Math.exp(0.25 * g);
    return (long) (ms * 1000);
  }

  /** Box-Muller; SplittableRandom has no nextGaussian on Java 17. Under the lock. */
  private double gaussian() {
    double a = 1 - random.nextDouble();
    double b = random.nextDouble();
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      long delay = delayMicros();
      try {
        Thread.sleep(delay / 1000, (int) (delay % 1000) * 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      String path = ex.getRequestURI().getRawPath().substring(1);
      int slash = path.indexOf('/');
      String bucket = path.substring(0, slash);
      String key = URLDecoder.decode(path.substring(slash + 1), StandardCharsets.UTF_8);
      String version = null;
      String query = ex.getRequestURI().getRawQuery();
      if (query != null) {
        for (String p : query.split("&")) {
          if (p.startsWith("versionId=")) version = URLDecoder.decode(p.substring(10), StandardCharsets.UTF_8);
        }
      }
      String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
      if (ifMatch != null) ifMatch = ifMatch.replace("\"", "");
      boolean head = ex.getRequestMethod().equals("HEAD");
      try (ObjectStore.ObjectContent c = store.open(new ObjectRef(bucket, key, version), ifMatch)) {
        var h = ex.getResponseHeaders();
        h.add("ETag", "\"" + c.metadata().eTag() + "\"");
        h.add("Last-Modified", HTTP_DATE.format(c.metadata().lastModified()));
        h.add("x-amz-version-id", c.metadata().versionId());
        if (c.metadata().contentType() != null) h.add("Content-Type", c.metadata().contentType());
        long size = c.metadata().size();
        if (head) {
          h.add("Content-Length", Long.toString(size));
          ex.sendResponseHeaders(200, -1);
        } else {
          ex.sendResponseHeaders(200, size == 0 ? -1 : size);
          try (OutputStream out = ex.getResponseBody()) {
            c.stream().transferTo(out);
          }
        }
        served.incrementAndGet();
      } catch (ObjectStoreException e) {
        int status = switch (e.reason()) {
          case NOT_FOUND, NO_SUCH_BUCKET -> 404;
          case PRECONDITION_FAILED -> 412;
          default -> 500;
        };
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + (status == 404 ? "NoSuchKey"
            : status == 412 ? "PreconditionFailed" : "InternalError") + "</Code><Message>" + e.getMessage()
            + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/xml");
        ex.sendResponseHeaders(status, head ? -1 : xml.length);
        if (!head) ex.getResponseBody().write(xml);
      }
    }
  }
}
