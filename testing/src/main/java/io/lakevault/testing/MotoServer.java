package io.lakevault.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code moto_server} process (the S3, KMS, STS and EMR emulator in the machine image) on a
 * free loopback port. Tests get one through {@link MotoExtension}, which starts it once per test run
 * and stops it, with its process tree, when the run ends.
 *
 * <p>The command is {@code moto_server} from the PATH, else {@code python3 -m moto.server}; the
 * environment variable {@code LAKEVAULT_MOTO_SERVER} overrides it.
 */
public final class MotoServer implements AutoCloseable {
  public static final String ACCESS_KEY = "test";
  public static final String SECRET_KEY = "test";
  public static final String REGION = "us-east-1";

  private final Process process;
  private final int port;
  private final Path log;

  private MotoServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts a server and waits until it answers, up to 60 seconds. */
  public static MotoServer start() {
    int port = freePort();
    Path log;
    try {
      log = Files.createTempFile("moto-server-", ".log");
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a log file for moto_server", e);
    }
    List<String> cmd = new ArrayList<>(command());
    cmd.addAll(List.of("-H", "127.0.0.1", "-p", Integer.toString(port)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + cmd + ": " + e.getMessage()
          + ". moto_server ships in the machine image (see ../shared/reference/stack.md);"
          + " set LAKEVAULT_MOTO_SERVER to its path if it is elsewhere", e);
    }
    MotoServer server = new MotoServer(p, port, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("moto_server exited with " + p.exitValue() + ": " + server.logTail());
      }
      if (server.http("GET", "/moto-api/data.json") == 200) {
        return server;
      }
      sleep(100);
    }
    server.close();
    throw new IllegalStateException("moto_server did not answer on port " + port + " within 60 s: " + server.logTail());
  }

  private static List<String> command() {
    String override = System.getenv("LAKEVAULT_MOTO_SERVER");
    if (override != null && !override.isBlank()) return List.of(override);
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        File f = new File(dir, "moto_server");
        if (f.canExecute()) return List.of(f.getAbsolutePath());
      }
    }
    return List.of("python3", "-m", "moto.server");
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free loopback port", e);
    }
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Clears every bucket, key and job, so each test starts from nothing. */
  public void reset() {
    int code = http("POST", "/moto-api/reset");
    if (code != 200) throw new IllegalStateException("moto reset answered " + code);
  }

  private int http(String method, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + path).toURL().openConnection();
      c.setRequestMethod(method);
      c.setConnectTimeout(1000);
      c.setReadTimeout(10_000);
      if (method.equals("POST")) {
        c.setDoOutput(true);
        c.getOutputStream().close();
      }
      int code = c.getResponseCode();
      c.getInputStream().readAllBytes();
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  private String logTail() {
    try {
      String s = Files.readString(log);
      return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // temporary log only
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
