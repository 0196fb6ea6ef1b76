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
 * case: two runs started together, and runs killed with {@code kill -9} at seeded moments (in named phases, found
 * in the run's own log) then run again.
 * Each case ends equal to a single clean run: the same objects cataloged once, every cataloged pack and key
 * file in the archive and nothing else, no notes or staging left, and {@code verify} passing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArchiveProcessTest {
  @TempDir static Path shared;
  static Path prepared;
  /** The clean run's objects. */
  static TreeSet<String> reference;

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

  /** A lake of about 600 versions, inventoried and classified by the demo policy, with its key: archived by each case. */
  @BeforeAll
  static void prepare() throws Exception {
    long started = System.nanoTime();
    SharedSpark.session();
    prepared = shared.resolve("prepared");
    writeConfig(prepared);
    ok(run(prepared, "generate", "--objects", "600", "--large-objects", "0", "--seed", "19"), "generate");
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
    assertTrue(reference.size() > 300, "the lake archives: " + reference.size());
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
        + "classify:\n  policy: " + lake.resolve("policy.yaml") + "\n  price-table: " + lake.resolve("prices.yaml") + "\n");
    // The demo policy with instantly readable packs: verify then reads them in one pass, no thaw. And one
    // erasable class (EU customers' transactions), for the erase kills.
    Files.writeString(lake.resolve("policy.yaml"), Files.readString(Path.of("../conf/policy.yaml"))
        .replace("storage-class: DEEP_ARCHIVE", "storage-class: GLACIER_IR")
        .replace("classes:\n", "classes:\n  customer-eu:\n    retain: 7y\n    storage-class: GLACIER_IR\n"
            + "    lock: COMPLIANCE\n    encryption: true\n    erasable: true\n")
        .replace("rules:\n", "rules:\n  - id: eu-customers\n    priority: 20\n    match:\n      bucket: acme-transactions\n"
            + "      prefix: region=eu-central/\n    class: customer-eu\n\n"));
    // A price table (the user's contract) without GLACIER_IR's 90-day minimum: the 90-day class's packs,
    // whose retention is long over in the generated lake, expire today, for the expire kills.
    Files.writeString(lake.resolve("prices.yaml"), new String(io.lakevault.core.cost.PriceTable.class
        .getResourceAsStream(io.lakevault.core.cost.PriceTable.BUILT_IN).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
        .replace("  GLACIER_IR: 90\n", "  GLACIER_IR: 0\n"));
  }

  private static String[] config(Path lake) {
    return new String[] {"--config", lake.resolve("lakevault.yaml").toString()};
  }

  /** A copy of the prepared lake, its catalog and keys, with its own configuration. */
  private static Path copy(String name) throws IOException {
    return copy(prepared, name);
  }

  private static Path copy(Path from, String name) throws IOException {
    Path to = shared.resolve(name);
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        if (p.startsWith(from.resolve("logs"))) continue;
        Path t = to.resolve(from.relativize(p).toString());
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
    System.out.printf("ArchiveProcessTest: two processes together took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(List.of(0, 4), ca == 0 ? List.of(ca, cb) : List.of(cb, ca), "a: " + ca + " " + a.err() + "\nb: " + cb + " " + b.err());
    String refused = (ca == 4 ? a : b).err();
    assertTrue(refused.contains("another lakevault run is writing this catalog: run ") && refused.contains("(archive) on host ")
        && refused.contains("process " + (ca == 4 ? b : a).pid()), refused);
    assertEquals(reference, objects(lake));
    assertConverged(lake);
  }

  /**
   * Issue 20: {@code expire} killed with kill -9 at seeded moments (in the deletions, or in the marking after
   * them), then run again: the expired class's packs and key files are gone from the store, each of their
   * versions is marked disposed exactly once, every other pack stays, and nothing is reported missing. The
   * expected disposals come from a clean expire in this JVM; the kill moment from the killed run's own log.
   */
  @Test
  @Order(3)
  void expireKilledAtSeededMomentsThenRunAgainConverges() throws Exception {
    Path archived = shared.resolve("clean");
    Path cleanExpire = copy(archived, "expire-clean");
    Result clean = run(cleanExpire, "expire");
    ok(clean, "expire");
    TreeSet<String> expected = disposals(cleanExpire);
    assertFalse(expected.isEmpty(), "the 90-day class expires: " + clean.out());
    assertExpired(cleanExpire, expected);
    Random seeds = new Random(2026120320L);
    // One kill (the suite's time is the bound here; LifecycleTest covers the crash between the deletions and
    // the commit in-JVM as well): a seeded step, and a seeded moment up to 2 s after the run logs it.
    String[] steps = {"deleting the ", "deletions made; recording"};
    for (int i = 0; i < 1; i++) {
      String step = steps[seeds.nextInt(steps.length)];
      long after = seeds.nextInt(2000);
      Path lake = copy(archived, "expire-killed-" + i);
      LakevaultProcess p = LakevaultProcess.start(lake.resolve("logs"), "expire", args(lake, "expire"));
      boolean killed = killAfter(p, step, after);
      Result again = run(lake, "expire");
      ok(again, "expire after a kill " + after + " ms after '" + step + "'");
      assertFalse(again.out().contains("missing"), again.out());
      assertEquals(expected, disposals(lake), "kill " + after + " ms after '" + step + "'");
      assertExpired(lake, expected);
      System.out.printf("ArchiveProcessTest: expire %s %d ms after '%s', converged%n", killed ? "killed" : "ended before",
          after, step);
    }
  }

  /**
   * Issue 21: {@code erase} killed with kill -9 at a seeded moment while it destroys keys, then run again:
   * the request completes once, with every version the dry run listed erased, and each affected key file
   * left with one version, the one the catalog names (ErasureTest checks the packs verify and restore).
   */
  @Test
  @Order(4)
  void eraseKilledAtASeededMomentThenRunAgainCompletesOnce() throws Exception {
    Path lake = copy(shared.resolve("clean"), "erase-killed");
    String[] erase = {"erase", "--request", "DSR-9", "--reason", "GDPR Art. 17(1)(a)", "--by", "dpo@acme",
        "--bucket", "acme-transactions", "--prefix", "region=eu-central/", "--all-versions"};
    String[] dry = java.util.Arrays.copyOf(erase, erase.length + 1);
    dry[erase.length] = "--dry-run";
    Result plan = run(lake, dry);
    ok(plan, "erase --dry-run");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("would erase ([\\d,]+) archived version").matcher(plan.out());
    assertTrue(m.find(), plan.out());
    long versions = Long.parseLong(m.group(1).replace(",", ""));
    assertTrue(versions > 0, plan.out());

    Random seeds = new Random(2026120421L);
    long after = seeds.nextInt(1500);
    LakevaultProcess p = LakevaultProcess.start(lake.resolve("logs"), "erase", args(lake, erase));
    boolean killed = killAfter(p, "rewriting the key files of ", after);
    Result again = run(lake, erase);
    ok(again, "erase after a kill " + after + " ms into the key-file rewrites");
    assertTrue(again.out().contains(": completed"), again.out());

    var spark = SharedSpark.session();
    String cat = lake.resolve("store/cat/catalog/").toString();
    Row request = spark.read().format("delta").load(cat + "/erasures").where("request_id = 'DSR-9'").first();
    assertEquals("completed", request.getAs("state"));
    assertEquals(versions, request.<Long>getAs("versions_erased"), "the versions the dry run listed, each once");
    assertEquals(0, spark.read().format("delta").load(cat + "/erased_versions").where("erased_at IS NULL").count());
    assertEquals(0, spark.read().format("delta").load(cat + "/objects")
        .where("bucket = 'acme-transactions' AND key LIKE 'region=eu-central/%' AND retention_class = 'customer-eu'").count());
    try (LocalObjectStore store = new LocalObjectStore(lake.resolve("store"))) {
      for (Row pack : spark.read().format("delta").load(cat + "/packs").where("retention_class = 'customer-eu'")
          .select("uri", "key_version_id").collectAsList()) {
        String keyFile = pack.getString(0).substring("s3://lakevault-archive/".length()) + ".keys";
        List<String> versionsLeft = new ArrayList<>();
        for (Iterator<ObjectVersion> it = store.listVersions("lakevault-archive", keyFile); it.hasNext(); ) {
          versionsLeft.add(it.next().versionId());
        }
        assertEquals(List.of(pack.getString(1)), versionsLeft, keyFile);
      }
    }
    assertTrue(run(lake, erase).out().contains("was completed at"), "a completed request does nothing");
    System.out.printf("ArchiveProcessTest: erase %s %d ms after the key-file rewrites began, completed once%n",
        killed ? "killed" : "ended before", after);
  }

  /**
   * Kills the process with kill -9 {@code delayMillis} after its log shows {@code step}: a moment in a named
   * phase of the run, on a machine of any speed. Returns false when the run had ended before.
   */
  private static boolean killAfter(LakevaultProcess p, String step, long delayMillis) throws InterruptedException {
    long deadline = System.nanoTime() + 5 * 60_000_000_000L;
    while (p.isAlive() && !p.err().contains(step) && System.nanoTime() < deadline) Thread.sleep(20);
    assertTrue(p.err().contains(step), "the run logs '" + step + "':\n" + p.err());
    Thread.sleep(delayMillis);
    boolean alive = p.isAlive();
    if (alive) p.kill9();
    return alive;
  }

  /** bucket|key|version of each disposed version; each disposed by one run only. */
  private static TreeSet<String> disposals(Path lake) {
    TreeSet<String> out = new TreeSet<>();
    for (Row r : SharedSpark.session().read().format("delta").load(lake.resolve("store/cat/catalog/objects").toString())
        .where("disposed_at IS NOT NULL").select("bucket", "key", "version_id", "disposed_run_id", "retain_until")
        .collectAsList()) {
      // The 90-day class, and the oldest seven-year records of the generated lake: only what retention ended.
      assertTrue(r.getTimestamp(4).toInstant().isBefore(java.time.Instant.now()), "disposed while retained: " + r);
      assertTrue(out.add(r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2)), "disposed twice: " + r);
    }
    return out;
  }

  /** The disposed packs are gone from the store with their key files; every other cataloged pack is there. */
  private static void assertExpired(Path lake, TreeSet<String> disposed) {
    TreeSet<String> kept = new TreeSet<>();
    TreeSet<String> gone = new TreeSet<>();
    for (Row r : SharedSpark.session().read().format("delta").load(lake.resolve("store/cat/catalog/packs").toString())
        .select("uri", "disposed_at").collectAsList()) {
      (r.isNullAt(1) ? kept : gone).add(r.getString(0).substring("s3://lakevault-archive/".length()));
    }
    assertFalse(gone.isEmpty());
    try (LocalObjectStore store = new LocalObjectStore(lake.resolve("store"))) {
      TreeSet<String> stored = new TreeSet<>();
      for (Iterator<ObjectVersion> it = store.listVersions("lakevault-archive", ""); it.hasNext(); ) {
        ObjectVersion v = it.next();
        if (!v.isDeleteMarker()) stored.add(v.key().endsWith(".keys") ? v.key().substring(0, v.key().length() - 5) : v.key());
      }
      for (String g : gone) assertFalse(stored.contains(g), "deleted with its key file: " + g);
      assertTrue(stored.containsAll(kept), "every pack not expired stays");
    }
  }

  /** Defect 5 of issue 19: after a kill -9 at any moment, the next run converges on its own. */
  @Test
  @Order(2)
  void killedAtSeededMomentsThenRunAgainNothingIsLostOrTwiceAndNoOrphanIsLeft() throws Exception {
    Random seeds = new Random(20261203);
    // One kill in each phase of the run, a seeded moment after the run logs it: planning and housekeeping
    // (the lease taken), the pack tasks (archiving started), the commit and locks (packs written and staged).
    String[] steps = {"holds the catalog's run lease", "archiving ", "packs written and results staged"};
    for (int i = 0; i < steps.length; i++) {
      long after = seeds.nextInt(1500);
      Path lake = copy("killed-" + i);
      LakevaultProcess p = LakevaultProcess.start(lake.resolve("logs"), "killed", args(lake, "archive"));
      boolean killed = killAfter(p, steps[i], after);
      String at = after + " ms after '" + steps[i] + "' (" + (killed ? "killed" : "had ended") + ")";
      Result again = run(lake, "archive");
      assertEquals(0, again.code(), "kill " + at + ": " + again.err());
      assertEquals(reference, objects(lake), "kill " + at);
      assertConverged(lake);
      System.out.printf("ArchiveProcessTest: kill %s, converged%n", at);
    }
  }
}
