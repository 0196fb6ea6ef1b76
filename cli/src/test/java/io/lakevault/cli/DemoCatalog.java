package io.lakevault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lakevault.core.config.LakevaultConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The demo, run once per test JVM and shared by the tests that read its catalog (the demo test itself,
 * the desk's API and browser tests): a demo run is the slowest thing these tests do.
 */
final class DemoCatalog {
  private static DemoCatalog shared;

  final Path work;
  final MainTest.Result result;

  private DemoCatalog(Path work, MainTest.Result result) {
    this.work = work;
    this.result = result;
  }

  static synchronized DemoCatalog get() {
    if (shared == null) {
      try {
        Path work = Files.createTempDirectory("lakevault-demo-test").resolve("demo");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(work.getParent())));
        MainTest.Result r = MainTest.run("--conf", "classify.policy=../conf/policy.yaml", "demo", "--dir",
            work.toString(), "--objects", "150", "--large-objects", "0");
        assertEquals(0, r.code(), r.err());
        shared = new DemoCatalog(work, r);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }

  Path store() {
    return work.resolve("store");
  }

  /** The demo's configuration: its local store, the default catalog location. */
  LakevaultConfig config() {
    return LakevaultConfig.of(Map.of("store.local.root", store().toString()));
  }

  /** The demo catalog's table, for Spark to read. */
  String table(String name) {
    return store().resolve("lakevault-catalog/catalog/" + name).toString();
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(t); else Files.copy(p, t);
      }
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary folder: the OS cleans up what is left
    }
  }
}
