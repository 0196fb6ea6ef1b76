package io.lakevault.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code lakevault} command in a JVM of its own, as a scheduler starts it: the test JVM's classpath and
 * Java flags (Spark's {@code --add-opens}), its own heap, output to files. For what only a real process
 * shows: two runs started together, and a {@code kill -9} at any moment.
 */
public final class LakevaultProcess {
  private final Process process;
  private final Path out;
  private final Path err;
  private final List<String> args;

  private LakevaultProcess(Process process, Path out, Path err, List<String> args) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.args = args;
  }

  /**
   * Starts {@code lakevault <args>}.
   *
   * @param logs a folder for the process's stdout and stderr
   */
  public static LakevaultProcess start(Path logs, String name, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    // These processes exist to be killed or raced, over a lake of a few hundred objects: C1 alone compiles
    // what they run, without C2's threads taking the two cores from the process they race (a fresh archive
    // process: 40 s wall and 63 CPU-s with C2, 33 s and 37 CPU-s without).
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseParallelGC"); // as the test JVMs (pom.xml): no concurrent GC threads on two cores
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // Spark's opens and flags; not the test JVM's heap, agents or debugger.
      if (a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Djdk.reflect")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.lakevault.cli.Main");
    cmd.addAll(List.of(args));
    try {
      Files.createDirectories(logs);
      Path o = logs.resolve(name + ".out");
      Path e = logs.resolve(name + ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(o.toFile()).redirectError(e.toFile());
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
      return new LakevaultProcess(pb.start(), o, e, List.of(args));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd, e);
    }
  }

  /** Waits for the exit, at most {@code minutes}; returns the exit code. */
  public int waitFor(int minutes) {
    try {
      if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("lakevault " + args + " did not end within " + minutes + " minutes:\n" + err());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code kill -9}: SIGKILL, no shutdown hook, no finally block runs. */
  public void kill9() {
    try {
      Process k = new ProcessBuilder("kill", "-9", Long.toString(process.pid())).inheritIO().start();
      k.waitFor();
      process.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public String out() {
    return read(out);
  }

  public String err() {
    return read(err);
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
