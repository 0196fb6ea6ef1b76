package io.lakevault.ui;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.HttpServers;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.Times;
import io.lakevault.core.policy.KeyGlob;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.S3Uri;
import io.lakevault.restore.Lookup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault ui}: the desk's pages and JSON API over HTTP, read-only. The JDK's own HTTP server,
 * so nothing clashes with the Jetty that Spark and Hadoop bring. Every parameter is checked (a bad one
 * is a 400 naming it, never a stack trace); pages build the DOM from text, so keys render as text.
 */
public final class DeskServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeskServer.class);
  /** The most rows one page of the API returns. */
  public static final int MAX_PAGE_SIZE = 1000;
  private static final Map<String, String> STATIC = Map.of("/", "index.html", "/index.html", "index.html",
      "/app.js", "app.js", "/style.css", "style.css");
  private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

  private final Desk desk;
  private final HttpServer server;
  private final ExecutorService pool;
  private final ObjectMapper json;
  private final boolean loopback;

  /** Binds at once (port 0: any free port); {@link #start} serves. */
  public DeskServer(Desk desk, String bind, int port) throws IOException {
    this.desk = desk;
    InetAddress address = InetAddress.getByName(bind);
    this.loopback = address.isLoopbackAddress();
    this.server = HttpServers.create(new InetSocketAddress(address, port), 64);
    this.pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "lakevault-ui");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    SimpleModule times = new SimpleModule();
    times.addSerializer(Instant.class, new JsonSerializer<>() {
      @Override
      public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(Times.iso(v));
      }
    });
    times.addSerializer(LocalDate.class, new JsonSerializer<>() {
      @Override
      public void serialize(LocalDate v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(v.toString());
      }
    });
    times.addSerializer(KeyGlob.class, new JsonSerializer<>() {
      @Override
      public void serialize(KeyGlob v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(v.glob());
      }
    });
    this.json = new ObjectMapper().registerModule(times)
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(SerializationFeature.INDENT_OUTPUT);
  }

  public DeskServer start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url() {
    return HttpServers.url(server) + "/";
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  /** A request the API refuses, with the status and the message the caller sees. */
  static final class Refused extends RuntimeException {
    final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      x.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
      x.getResponseHeaders().set("Cache-Control", "no-store");
      try {
        String method = x.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
          x.getResponseHeaders().set("Allow", "GET, HEAD");
          throw new Refused(405, method + " is not allowed: the desk is read-only (GET and HEAD only)");
        }
        checkHost(x);
        String path = x.getRequestURI().getRawPath();
        if (STATIC.containsKey(path)) {
          serveStatic(x, STATIC.get(path));
          return;
        }
        Params p = new Params(x.getRequestURI().getRawQuery());
        Object answer = switch (path) {
          case "/api/buckets" -> {
            p.only();
            yield Map.of("buckets", desk.buckets());
          }
          case "/api/search" -> {
            p.only("bucket", "prefix", "glob", "as_of", "class", "rule", "page", "page_size");
            yield desk.search(query(p), p.integer("page", 0, 0, Integer.MAX_VALUE), pageSize(p));
          }
          case "/api/calendar" -> {
            p.only("bucket", "prefix", "key", "year");
            String key = p.get("key");
            String prefix = p.get("prefix");
            if (key != null && prefix != null) throw new Refused(400, "give prefix or key, not both");
            if (key != null && key.isEmpty()) throw new Refused(400, "key is empty; give a key, or a prefix");
            int year = p.integer("year", LocalDate.now(java.time.ZoneOffset.UTC).getYear(), 1970, 9999);
            yield desk.calendar(bucket(p), key != null ? key : prefix == null ? "" : prefix, key != null, year);
          }
          case "/api/history" -> {
            p.only("bucket", "key");
            String key = p.required("key");
            yield desk.history(bucket(p), key);
          }
          case "/api/estimate" -> {
            p.only("bucket", "prefix", "glob", "as_of", "class", "rule", "days");
            yield desk.estimate(query(p), p.integer("days", 3, 1, 365));
          }
          case "/api/runs" -> {
            p.only("page", "page_size");
            yield desk.runs(p.integer("page", 0, 0, Integer.MAX_VALUE), pageSize(p));
          }
          case "/api/holds" -> {
            p.only();
            yield Map.of("cases", desk.cases());
          }
          default -> throw new Refused(404, "no such page or endpoint: " + path + " (the API is described in docs/api.md)");
        };
        send(x, 200, "application/json; charset=utf-8", json.writeValueAsBytes(answer));
      } catch (Refused e) {
        error(x, e.status, e.getMessage());
      } catch (LakevaultException e) {
        // Usage and input errors name what to change; anything else is ours, and the log has it.
        if (e.kind() == ErrorKind.USAGE || e.kind() == ErrorKind.INPUT) {
          error(x, 400, e.getMessage());
        } else {
          LOG.error("{} {}", x.getRequestMethod(), x.getRequestURI(), e);
          error(x, 500, e.getMessage());
        }
      } catch (RuntimeException | LinkageError e) {
        LOG.error("{} {}", x.getRequestMethod(), x.getRequestURI(), e);
        error(x, 500, "internal error (" + e.getClass().getSimpleName() + "); the server's log has the details");
      }
    }
  }

  /**
   * On loopback, only requests addressed to loopback by name: a web page elsewhere cannot reach the
   * desk through a DNS name it points at 127.0.0.1 (DNS rebinding).
   */
  private void checkHost(HttpExchange x) {
    if (!loopback) return;
    String host = x.getRequestHeaders().getFirst("Host");
    if (host == null) return;
    String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.replaceFirst(":\\d+$", "");
    if (!Set.of("127.0.0.1", "localhost", "[::1]").contains(name)) {
      throw new Refused(403, "Host " + host + " is not this loopback server's; open " + url());
    }
  }

  private Lookup.Query query(Params p) {
    String glob = p.get("glob");
    KeyGlob compiled = null;
    if (glob != null && !glob.isEmpty()) {
      try {
        compiled = KeyGlob.compile(glob);
      } catch (IllegalArgumentException e) {
        throw new Refused(400, "glob " + glob + ": " + e.getMessage());
      }
    }
    String asOf = p.get("as_of");
    Instant t = asOf == null || asOf.isEmpty() ? null : Selector.parseTime("as_of", asOf);
    return new Lookup.Query(bucket(p), p.get("prefix"), compiled, t, blankToNull(p.get("class")), blankToNull(p.get("rule")));
  }

  private static int pageSize(Params p) {
    return p.integer("page_size", 100, 1, MAX_PAGE_SIZE);
  }

  private static String bucket(Params p) {
    String b = p.required("bucket");
    try {
      S3Uri.checkBucket(b);
    } catch (LakevaultException e) {
      throw new Refused(400, "bucket: " + e.getMessage());
    }
    return b;
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private void serveStatic(HttpExchange x, String name) throws IOException {
    try (InputStream in = DeskServer.class.getResourceAsStream("web/" + name)) {
      if (in == null) throw new IllegalStateException("resource web/" + name + " is missing from the build");
      send(x, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), in.readAllBytes());
    }
  }

  private void error(HttpExchange x, int status, String message) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status);
    m.put("error", message);
    send(x, status, "application/json; charset=utf-8", json.writeValueAsBytes(m));
  }

  private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
    x.getResponseHeaders().set("Content-Type", type);
    boolean head = x.getRequestMethod().equals("HEAD");
    x.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** A query string's parameters, each given at most once, checked against what an endpoint takes. */
  static final class Params {
    private final Map<String, String> values = new LinkedHashMap<>();

    Params(String raw) {
      if (raw == null || raw.isEmpty()) return;
      for (String pair : raw.split("&")) {
        if (pair.isEmpty()) continue;
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (values.put(name, value) != null) throw new Refused(400, "parameter " + name + " is given twice");
      }
    }

    /**
     * Percent-decodes strictly: a malformed escape or bytes that are not UTF-8 are refused rather than turned
     * into U+FFFD, which would search silently for a key nobody asked for.
     */
    private static String decode(String s) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '+') {
          bytes.write(' ');
        } else if (c == '%') {
          int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
          int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
          if (lo < 0) throw new Refused(400, "the query string has a malformed escape at \"" + s.substring(i,
              Math.min(s.length(), i + 3)) + "\"; encode a literal % as %25");
          bytes.write(hi * 16 + lo);
          i += 2;
        } else {
          byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
          bytes.write(b, 0, b.length);
        }
      }
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
      } catch (CharacterCodingException e) {
        throw new Refused(400, "the query string decodes to bytes that are not UTF-8 (\"" + s
            + "\"); S3 keys are UTF-8, percent-encode each of their bytes");
      }
    }

    /** Refuses any parameter the endpoint does not take (a typo would otherwise be ignored silently). */
    void only(String... names) {
      List<String> allowed = List.of(names);
      for (String n : values.keySet()) {
        if (!allowed.contains(n)) {
          throw new Refused(400, "unknown parameter " + n + (allowed.isEmpty() ? "; this endpoint takes none"
              : "; this endpoint takes " + String.join(", ", allowed)));
        }
      }
    }

    String get(String name) {
      return values.get(name);
    }

    String required(String name) {
      String v = values.get(name);
      if (v == null || v.isEmpty()) throw new Refused(400, "parameter " + name + " is required");
      return v;
    }

    int integer(String name, int otherwise, int min, int max) {
      String v = values.get(name);
      if (v == null || v.isEmpty()) return otherwise;
      try {
        int i = Integer.parseInt(v);
        if (i < min || i > max) throw new NumberFormatException();
        return i;
      } catch (NumberFormatException e) {
        throw new Refused(400, name + " " + v + " is not a whole number from " + min + " to " + max);
      }
    }
  }
}
