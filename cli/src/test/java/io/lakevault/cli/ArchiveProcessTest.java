package io.lakevault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.spark.SharedSpark;
import io.lakevault.testing.LakevaultProcess;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive job as the scheduler runs it, in processes of its own, on one prepared lake copied per
 * case: two runs started together, and runs killed with {@code kill -9} at seeded moments then run again.
 * Each case ends equal to a single clean run: the same objects cataloged once, every cataloged pack and key
 * file in the archive and nothing else, no notes or staging left, and {@code verify} passing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArchiveProcessTest {
  @TempDir static Path shared;
  static Path prepared;
  /** The clean run's objects. */
  static TreeSet<String> reference;
  /** How long an archive process takes here, start to end: measured by the first test, for the second's kill moments. */
  static long processMillis = 30_000;

  static final String CATALOG = "s3://cat/catalog";

  record Result(int code, String out, String err) {}

  static Result run(Path lake, String... args) {
    List<String> all = new ArrayList<>(List.of("--config", lake.resolve("lakevault.yaml").toString()));
    all.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  static void ok(Result r, String what) {
    assertEquals(0, r.code(), what + ":\n" + r.out() + r.err());
  }

  /** A lake of about 1,000 versions, inventoried and classified by the demo policy, with its key: archived by each case. */
  @BeforeAll
  static void prepare() throws Exception {
    long started = System.nanoTime();
    SharedSpark.session();
    prepared = shared.resolve("prepared");
    writeConfig(prepared);
    ok(run(prepared, "generate", "--objects", "1000", "--large-objects", "0", "--seed", "19"), "generate");
    ok(run(prepared, "keys", "create", "local:default"), "keys create");
    // Two of the six reports: every version of two buckets, in CSV and ORC.
    for (String source : List.of("acme-trading-logs/all-versions-csv", "acme-transactions/all-versions-orc")) {
      ok(run(prepared, "inventory", "--source", "s3://acme-inventory/inventory/" + source + "/"), "inventory " + source);
    }
    ok(run(prepared, "classify"), "classify");
    System.out.printf("ArchiveProcessTest: lake prepared in %d ms%n", (System.nanoTime() - started) / 1_000_000);

    // The reference: one run, undisturbed (in this JVM: its result, not its timing, is what counts).
    Path clean = copy("clean");
    ok(run(clean, "archive"), "archive");
    reference = objects(clean);
    assertTrue(reference.size() > 500, "the lake archives: " + reference.size());
    assertConverged(clean);
  }

  private static Stream<Path> children(Path p) {
    try {
      return Files.list(p).filter(Files::isDirectory).toList().stream();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void writeConfig(Path lake) throws IOException {
    Files.createDirectories(lake);
    Files.writeString(lake.resolve("lakevault.yaml"), "store:\n  local:\n    root: " + lake.resolve("store") + "\n"
        + "catalog:\n  uri: " + CATALOG + "\n"
        + "keys:\n  local:\n    dir: " + lake.resolve("keys") + "\n"
        + "classify:\n  policy: " + lake.resolve("policy.yaml") + "\n");
    // The demo policy with instantly readable packs: verify then reads them in one pass, no thaw.
    Files.writeString(lake.resolve("policy.yaml"), Files.readString(Path.of("../conf/policy.yaml"))
        .replace("storage-class: DEEP_ARCHIVE", "storage-class: GLACIER_IR"));
  }

  private static String[] config(Path lake) {
    return new String[] {"--config", lake.resolve("lakevault.yaml").toString()};
  }

  /** A copy of the prepared lake, its catalog and keys, with its own configuration. */
  private static Path copy(String name) throws IOException {
    Path to = shared.resolve(name);
    try (Stream<Path> all = Files.walk(prepared)) {
      for (Path p : all.toList()) {
        Path t = to.resolve(prepared.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(t);
        else Files.copy(p, t);
      }
    }
    writeConfig(to);
    return to;
  }

  private static String[] args(Path lake, String... command) {
    String[] c = config(lake);
    String[] all = new String[c.length + command.length];
    System.arraycopy(c, 0, all, 0, c.length);
    System.arraycopy(command, 0, all, c.length, command.length);
    return all;
  }

  /** Each cataloged object version, as the fields that must not depend on how the run went. */
  private static TreeSet<String> objects(Path lake) {
    TreeSet<String> out = new TreeSet<>();
    for (Row r : SharedSpark.session().read().format("delta").load(lake.resolve("store/cat/catalog/objects").toString())
        .select("bucket", "key", "version_id", "e_tag", "size", "sha256", "retention_class", "retain_until", "is_delete_marker")
        .collectAsList()) {
      String row = r.mkString("|");
      assertTrue(out.add(row), "cataloged twice: " + row);
    }
    return out;
  }

  /** Every cataloged pack and key file is in the archive, nothing else is; no notes, staging or uploads left; verify passes. */
  private static void assertConverged(Path lake) {
    TreeSet<String> cataloged = new TreeSet<>();
    for (Row r : SharedSpark.session().read().format("delta").load(lake.resolve("store/cat/catalog/packs").toString())
        .select("uri", "encrypted").collectAsList()) {
      String key = r.getString(0).substring("s3://lakevault-archive/".length());
      assertTrue(cataloged.add(key), "pack cataloged twice: " + key);
      if (r.getBoolean(1)) cataloged.add(key + ".keys");
    }
    TreeSet<String> stored = new TreeSet<>();
    try (LocalObjectStore store = new LocalObjectStore(lake.resolve("store"))) {
      for (Iterator<ObjectVersion> it = store.listVersions("lakevault-archive", ""); it.hasNext(); ) {
        ObjectVersion v = it.next();
        if (!v.isDeleteMarker()) stored.add(v.key());
      }
      assertTrue(store.listMultipartUploads("lakevault-archive", "").isEmpty(), "no upload left open");
    }
    assertEquals(cataloged, stored, "the archive holds the cataloged packs and key files, and nothing else");
    assertFalse(Files.exists(lake.resolve("store/cat/catalog/staging/archive-packs"))
        && children(lake.resolve("store/cat/catalog/staging/archive-packs")).findAny().isPresent(), "pack notes left");
    assertFalse(Files.exists(lake.resolve("store/cat/catalog/staging/archive"))
        && children(lake.resolve("store/cat/catalog/staging/archive")).findAny().isPresent(), "staging left");
    Result verify = run(lake, "verify");
    ok(verify, "verify");
    assertTrue(verify.out().contains(", 0 corrupt, 0 missing, 0 thawing"), verify.out());
  }

  @Test
  @Order(1)
  void twoArchiveProcessesStartedTogetherOneRefusesAndTheResultIsOneRunsResult() throws Exception {
    Path lake = copy("together");
    long t0 = System.nanoTime();
    LakevaultProcess a = LakevaultProcess.start(lake.resolve("logs"), "a", args(lake, "archive"));
    LakevaultProcess b = LakevaultProcess.start(lake.resolve("logs"), "b", args(lake, "archive"));
    int ca = a.waitFor(10);
    int cb = b.waitFor(10);
    processMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("ArchiveProcessTest: two processes together took %d ms%n", processMillis);
    assertEquals(List.of(0, 4), ca == 0 ? List.of(ca, cb) : List.of(cb, ca), "a: " + ca + " " + a.err() + "\nb: " + cb + " " + b.err());
    String refused = (ca == 4 ? a : b).err();
    assertTrue(refused.contains("another lakevault run is writing this catalog: run ") && refused.contains("(archive) on host ")
        && refused.contains("process " + (ca == 4 ? b : a).pid()), refused);
    assertEquals(reference, objects(lake));
    assertConverged(lake);
  }

  /** Defect 5 of issue 19: after a kill -9 at any moment, the next run converges on its own. */
  @Test
  @Order(2)
  void killedAtSeededMomentsThenRunAgainNothingIsLostOrTwiceAndNoOrphanIsLeft() throws Exception {
    Random seeds = new Random(20261203);
    for (int i = 0; i < 5; i++) {
      // Moments over the run's whole length: JVM and Spark start, housekeeping, pack tasks, commit, locks.
      long at = (long) (processMillis * (0.1 + 0.7 * seeds.nextDouble()));
      Path lake = copy("killed-" + i);
      LakevaultProcess p = LakevaultProcess.start(lake.resolve("logs"), "killed", args(lake, "archive"));
      Thread.sleep(at);
      boolean killed = p.isAlive();
      if (killed) p.kill9();
      Result again = run(lake, "archive");
      assertEquals(0, again.code(), "kill at " + at + " ms (" + (killed ? "killed" : "had ended") + "): " + again.err());
      assertEquals(reference, objects(lake), "kill at " + at + " ms");
      assertConverged(lake);
      System.out.printf("ArchiveProcessTest: %s at %d ms, converged%n", killed ? "killed" : "ended before", at);
    }
  }
}
