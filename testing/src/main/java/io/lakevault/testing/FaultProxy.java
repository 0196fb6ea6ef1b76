package io.lakevault.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy on loopback in front of the S3 emulator that fails requests as S3 does under load and as
 * an account's policies do: a seeded fraction of requests answered 503 SlowDown, 500 InternalError or a
 * reset connection, and every request for chosen objects answered 403 AccessDenied. Clients point their
 * S3 endpoint at it (path-style); what it lets through reaches the emulator unchanged.
 *
 * <p>It can also damage data in flight ({@link #damageUploads}): one byte of the body of chosen uploads is
 * flipped on its way to the emulator, as a faulty NIC, proxy or client buffer would, to show that a write
 * checked end to end is refused rather than stored.
 *
 * <p>One request per connection (it answers {@code Connection: close}), so request boundaries are those
 * of the connection; bodies are read by their {@code Content-Length}, as the AWS SDK sends them.
 */
public final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final URI upstream;
  private final Random random;
  private final double faultRate;
  private final Set<String> forbidden;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fault-proxy");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, AtomicLong> injected = new ConcurrentHashMap<>();
  private final AtomicLong forwarded = new AtomicLong();
  private volatile String damagedSuffix;
  private final AtomicLong damageLeft = new AtomicLong();

  /**
   * @param faultRate the fraction of requests failed with 503, 500 or a reset, chosen by {@code seed}
   * @param forbidden {@code bucket/key} of objects every request for which is answered 403
   */
  public static FaultProxy start(String upstreamEndpoint, long seed, double faultRate, Set<String> forbidden) {
    try {
      return new FaultProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), URI.create(upstreamEndpoint), seed,
          faultRate, forbidden);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private FaultProxy(ServerSocket server, URI upstream, long seed, double faultRate, Set<String> forbidden) {
    this.server = server;
    this.upstream = upstream;
    this.random = new Random(seed);
    this.faultRate = faultRate;
    this.forbidden = Set.copyOf(forbidden);
    pool.submit(this::accept);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /**
   * Flips one byte in the middle of the body of the next {@code count} part uploads ({@code PUT} with a
   * {@code partNumber}) of keys ending in {@code keySuffix}; counted as {@code damaged}.
   */
  public void damageUploads(String keySuffix, int count) {
    damagedSuffix = keySuffix;
    damageLeft.set(count);
  }

  /** Faults injected so far, by kind (403, 500, 503, reset, damaged). */
  public Map<String, Long> injected() {
    Map<String, Long> m = new java.util.TreeMap<>();
    injected.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  public long forwarded() {
    return forwarded.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        pool.submit(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      byte[] head = readHead(in);
      if (head == null) return;
      String text = new String(head, StandardCharsets.ISO_8859_1);
      String[] lines = text.split("\r\n");
      String[] request = lines[0].split(" ");
      long length = 0;
      boolean expectContinue = false;
      StringBuilder headers = new StringBuilder();
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isEmpty()) continue;
        String name = lines[i].substring(0, lines[i].indexOf(':')).trim().toLowerCase(Locale.ROOT);
        if (name.equals("content-length")) length = Long.parseLong(lines[i].substring(lines[i].indexOf(':') + 1).trim());
        if (name.equals("expect")) {
          expectContinue = true;
          continue;
        }
        if (name.equals("connection") || name.equals("host")) continue;
        headers.append(lines[i]).append("\r\n");
      }
      if (expectContinue) {
        // The SDK waits for this before it sends a PUT's body.
        client.getOutputStream().write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        client.getOutputStream().flush();
      }
      byte[] body = in.readNBytes((int) length);
      String path = request[1].contains("?") ? request[1].substring(0, request[1].indexOf('?')) : request[1];
      String object = URLDecoder.decode(path.startsWith("/") ? path.substring(1) : path, StandardCharsets.UTF_8);
      OutputStream out = client.getOutputStream();
      if (forbidden.contains(object)) {
        fail(out, 403, "Forbidden", "AccessDenied", "Access Denied", request[0]);
        return;
      }
      double draw;
      int kind;
      synchronized (random) {
        draw = random.nextDouble();
        kind = random.nextInt(3);
      }
      if (draw < faultRate) {
        switch (kind) {
          case 0 -> fail(out, 503, "Slow Down", "SlowDown", "Please reduce your request rate.", request[0]);
          case 1 -> fail(out, 500, "Internal Server Error", "InternalError", "We encountered an internal error.", request[0]);
          default -> {
            count("reset");
            client.setSoLinger(true, 0); // closing now sends a TCP reset
          }
        }
        return;
      }
      String suffix = damagedSuffix;
      if (suffix != null && request[0].equals("PUT") && request[1].contains("partNumber=") && object.endsWith(suffix)
          && body.length > 64 * 1024 && damageLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        // Off the middle by a little, past the 128 KiB boundary where the SDK's aws-chunked framing sits.
        body[body.length / 2 + 4099] ^= 0x20;
        count("damaged");
      }
      forward(request, headers, body, out);
    } catch (IOException e) {
      // The client went away; nothing to answer.
    }
  }

  private void forward(String[] request, StringBuilder headers, byte[] body, OutputStream out) throws IOException {
    forwarded.incrementAndGet();
    try (Socket up = new Socket(upstream.getHost(), upstream.getPort())) {
      OutputStream uo = up.getOutputStream();
      String head = request[0] + " " + request[1] + " HTTP/1.1\r\nHost: " + upstream.getHost() + ":" + upstream.getPort()
          + "\r\nConnection: close\r\n" + headers + "\r\n";
      uo.write(head.getBytes(StandardCharsets.ISO_8859_1));
      uo.write(body);
      uo.flush();
      InputStream ui = up.getInputStream();
      byte[] responseHead = readHead(ui);
      if (responseHead == null) return;
      // The client is told the connection closes after this response, as the emulator's does.
      String h = new String(responseHead, StandardCharsets.ISO_8859_1);
      StringBuilder rewritten = new StringBuilder();
      for (String line : h.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("connection:")) continue;
        if (!line.isEmpty()) rewritten.append(line).append("\r\n");
      }
      rewritten.append("Connection: close\r\n\r\n");
      out.write(rewritten.toString().getBytes(StandardCharsets.ISO_8859_1));
      ui.transferTo(out);
      out.flush();
    }
  }

  private void fail(OutputStream out, int status, String phrase, String code, String message, String method)
      throws IOException {
    count(Integer.toString(status));
    byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
        + "</Message><RequestId>fault-proxy</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + " " + phrase + "\r\nContent-Type: application/xml\r\nContent-Length: " + xml.length
        + "\r\nx-amz-request-id: fault-proxy\r\nConnection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    if (!method.equals("HEAD")) out.write(xml);
    out.flush();
  }

  private void count(String kind) {
    injected.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  /** The bytes up to and including the blank line after the headers, or {@code null} at end of stream. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(1024);
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) return b.size() == 0 ? null : b.toByteArray();
      b.write(c);
      matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3)) ? matched + 1
          : (c == '\r' ? 1 : 0);
    }
    return b.toByteArray();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    pool.shutdownNow();
  }
}
