package io.lakevault.restore;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.time.MutableClock;
import io.lakevault.generator.SimulatedClock;
import io.lakevault.spark.Selection;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore and export on the embedded local store, on a lake archived by the real archive job: the
 * versions a point in time chooses, the thaw state machine with thaws in progress, resuming after a
 * crash, a corrupt byte, and export manifests.
 */
class RestoreJobTest {
  static final Instant T1 = Instant.parse("2024-01-10T00:00:00Z");
  static final Instant T2 = Instant.parse("2024-02-10T00:00:00Z");
  static final Instant T3 = Instant.parse("2024-03-10T00:00:00Z");
  static final Instant T4 = Instant.parse("2024-04-10T00:00:00Z");

  /** The lake, archived once for the class; each test works on its own copy of it. */
  @TempDir static Path shared;
  static Path prepared;
  /** What each version holds, by "key@version". */
  static final Map<String, byte[]> content = new HashMap<>();
  static final Map<String, String> versionOf = new HashMap<>();

  @TempDir Path dir;
  LakevaultConfig config;
  Catalog catalog;

  @BeforeAll
  static void prepare() throws Exception {
    prepared = shared.resolve("prepared");
    Catalog catalog = new Catalog(SharedSpark.session(), config(prepared, Map.of()));
    new LocalKeyRing(prepared.resolve("keys")).createIfMissing("local:default");
    Policy policy = RestoreLake.storePolicy(catalog);
    SimulatedClock clock = new SimulatedClock();
    try (LocalObjectStore store = new LocalObjectStore(prepared.resolve("store"), Duration.ZERO, clock)) {
      store.createBucket("src-a", true, false);
      put(store, clock, "logs/a.json", 1, T1);
      put(store, clock, "logs/b.json", 1, T1);
      put(store, clock, "logs/c.json", 1, T2);
      clock.set(T2);
      store.delete(new ObjectRef("src-a", "logs/b.json", null));
      put(store, clock, "logs/a.json", 2, T3);
      clock.set(T3);
      store.delete(new ObjectRef("src-a", "logs/c.json", null));
      put(store, clock, "logs/b.json", 2, T4);
      put(store, clock, "other/d.csv", 1, T1);
      for (int i = 0; i < 40; i++) put(store, clock, String.format("logs/many/%03d.json", i), 1, T1);
      RestoreLake.classifyAll(catalog, store, policy, "src-a");
    }
    RestoreLake.archive(catalog);
  }

  /** The job's time and the local store's, moved by the tests that wait for thaws. */
  final MutableClock clock = new MutableClock(Instant.now());

  @BeforeEach
  void setUp() throws Exception {
    ObjectStores.useLocalClock(clock);
    try (var all = Files.walk(prepared)) {
      for (Path p : all.toList()) {
        Path t = dir.resolve(prepared.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(t);
        else Files.copy(p, t);
      }
    }
    config = config(dir, Map.of());
    catalog = new Catalog(SharedSpark.session(), config);
  }

  @AfterEach
  void realTime() {
    ObjectStores.useLocalClock(null);
  }

  private static LakevaultConfig config(Path lake, Map<String, String> more) {
    Map<String, String> m = new HashMap<>(Map.of("keys.local.dir", lake.resolve("keys").toString(),
        "catalog.uri", "s3://cat/c", "restore.poll-interval", "200ms"));
    m.putAll(more);
    return SharedSpark.localConfig(lake, m);
  }

  private static void put(LocalObjectStore store, SimulatedClock clock, String key, int version, Instant at) {
    clock.set(at);
    byte[] b = RestoreLake.content(key, version, 20 + version * 7);
    String v = store.put("src-a", key, b, RestoreLake.json()).versionId();
    content.put(key + "@" + version, b);
    versionOf.put(key + "@" + version, v);
    clock.clear();
  }

  private static Selector select(List<String> prefixes, Instant asOf, boolean allVersions) {
    return new Selector(List.of("src-a"), prefixes, null, List.of(), List.of(), List.of(), null, null, null, null, asOf,
        List.of(), allVersions);
  }

  private RestoreJob.Request request(Selector s, String to, boolean export, boolean wait) {
    return new RestoreJob.Request(s, to, RestoreTier.BULK, 1, false, false, wait, Duration.ofSeconds(30), export, null,
        PriceTable.builtIn());
  }

  private static Map<String, byte[]> files(Path root) throws Exception {
    Map<String, byte[]> out = new TreeMap<>();
    if (!Files.exists(root)) return out;
    try (var w = Files.walk(root)) {
      for (Path p : w.filter(Files::isRegularFile).toList()) out.put(root.relativize(p).toString(), Files.readAllBytes(p));
    }
    return out;
  }

  @Test
  void asOfChoosesTheVersionCurrentThenAndNothingWhereADeleteMarkerWas() throws Exception {
    Selection selection = new Selection(catalog);
    Map<String, Set<String>> expected = Map.of(
        "before T1", Set.of(),
        "T1", Set.of("logs/a.json@1", "logs/b.json@1"),
        "T2", Set.of("logs/a.json@1", "logs/c.json@1"), // b deleted at T2, c created at T2
        "T3", Set.of("logs/a.json@2"), // c deleted at T3
        "now", Set.of("logs/a.json@2", "logs/b.json@2"));
    Map<String, Instant> at = Map.of("before T1", T1.minusSeconds(1), "T1", T1, "T2", T2, "T3", T3.plusSeconds(60));
    for (var e : expected.entrySet()) {
      List<Row> rows = selection.apply(select(List.of("logs/"), at.get(e.getKey()), false))
          .where(col("key").startsWith("logs/many").unary_$bang()).collectAsList();
      Set<String> got = rows.stream().map(r -> r.getAs("key") + "@" + version(r.getAs("key"), r.getAs("version_id")))
          .collect(Collectors.toSet());
      assertEquals(e.getValue(), got, "as of " + e.getKey());
    }
    // Every version, and exact versions.
    assertEquals(5, selection.apply(select(List.of("logs/a", "logs/b", "logs/c"), null, true)).count()); // a1 a2 b1 b2 c1
    Selector exact = new Selector(List.of(), List.of(), null, List.of(), List.of(), List.of(), null, null, null, null, null,
        List.of(versionOf.get("logs/a.json@1")), false);
    assertEquals(List.of("logs/a.json"), selection.apply(exact).select("key").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList());
    // A collection of objects from a keys file: plain keys in every selected bucket, or bucket-qualified.
    Path keys = dir.resolve("keys.txt");
    Files.writeString(keys, "logs/a.json\r\n\ns3://src-a/other/d.csv\ns3://other-bucket/logs/b.json\nlogs/missing.json\n");
    Selector listed = new Selector(List.of(), List.of(), keys.toString(), List.of(), List.of(), List.of(), null, null, null,
        null, null, List.of(), false);
    assertEquals(Set.of("logs/a.json", "other/d.csv"), new java.util.HashSet<>(selection.apply(listed).select("key")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList()));
    // Globs, rules, sizes.
    Selector glob = new Selector(List.of("src-a"), List.of(), null, List.of("**/*.csv"), List.of(), List.of(), null, null,
        null, null, null, List.of(), false);
    assertEquals(1, selection.apply(glob).count());
    Selector rule = new Selector(List.of(), List.of(), null, List.of(), List.of(), List.of("other"), null, null, null, null,
        null, List.of(), false);
    assertEquals(1, selection.apply(rule).count());

    // versions and find: the calendar view.
    Lookup lookup = new Lookup(catalog.config());
    List<Lookup.Version> b = lookup.versions("src-a", "logs/b.json");
    assertEquals(List.of(Lookup.Status.CURRENT, Lookup.Status.DELETE_MARKER, Lookup.Status.NONCURRENT),
        b.stream().map(Lookup.Version::status).toList());
    assertEquals(List.of(T4, T2, T1), b.stream().map(Lookup.Version::lastModified).toList());
    assertEquals("application/json", b.get(0).contentType());
    assertTrue(lookup.versions("src-a", "logs/nothing.json").isEmpty());
    Lookup.Listing found = lookup.find("src-a", "logs/", T2, 1);
    assertEquals(42, found.objects(), "a, c and the 40 under logs/many were current at T2");
    assertEquals(1, found.versions().size());
    assertTrue(found.truncated());
    assertEquals("logs/a.json", found.versions().get(0).key());

    // The whole way: restored as of T2 into a folder, each file the version current then.
    Path to = dir.resolve("restored");
    RestoreResult r = new RestoreJob(catalog, Clock.systemUTC())
        .run(request(select(List.of("logs/a", "logs/b", "logs/c"), T2, false), to.toString(), false, true), "restore-1");
    assertTrue(r.complete(), () -> RestoreReport.text(r));
    Map<String, byte[]> files = files(to);
    assertEquals(Set.of("src-a/logs/a.json", "src-a/logs/c.json"), files.keySet());
    assertArrayEquals(content.get("logs/a.json@1"), files.get("src-a/logs/a.json"));
    assertArrayEquals(content.get("logs/c.json@1"), files.get("src-a/logs/c.json"));
    assertEquals(T1, Files.getLastModifiedTime(to.resolve("src-a/logs/a.json")).toInstant(), "mtime is the version's");
  }

  /**
   * Issue 22: find and versions read the catalog with Delta Kernel, no Spark; at every time and prefix they
   * choose exactly what Spark's selection chooses, in the same key order, and list versions newest first.
   */
  @Test
  void kernelLookupsChooseWhatSparksSelectionChooses() {
    Lookup lookup = new Lookup(config);
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> objects = catalog.read(CatalogTable.OBJECTS);
    java.util.List<Instant> times = new java.util.ArrayList<>(java.util.Arrays.asList(null, T1, T2, T3, T4,
        T1.minusSeconds(1), T2.plusSeconds(1), Instant.parse("2030-01-01T00:00:00Z")));
    for (Instant t : times) {
      for (String prefix : List.of("", "logs/", "logs/b", "logs/many/01", "other/", "nothing/")) {
        List<String> spark = new java.util.ArrayList<>();
        long bytes = 0;
        for (org.apache.spark.sql.Row r : io.lakevault.spark.Selection.current(objects.where(col("bucket").equalTo("src-a")
                .and(col("key").startsWith(prefix))), t).where(col("is_delete_marker").equalTo(false))
            .orderBy("key").select("key", "version_id", "size").collectAsList()) {
          spark.add(r.getString(0) + "@" + r.getString(1));
          bytes += r.getLong(2);
        }
        Lookup.Listing l = lookup.find("src-a", prefix, t, 1000);
        assertEquals(spark, l.versions().stream().map(v -> v.key() + "@" + v.versionId()).toList(), "as of " + t + ", " + prefix);
        assertEquals(spark.size(), l.objects());
        assertEquals(bytes, l.bytes());
      }
    }
    // Every key's versions, newest first, in one query.
    Map<String, List<String>> byKey = new java.util.TreeMap<>();
    for (org.apache.spark.sql.Row r : objects.where(col("bucket").equalTo("src-a"))
        .orderBy(col("key"), col("last_modified_date").desc_nulls_last(), col("version_id").desc_nulls_last())
        .select("key", "version_id", "is_delete_marker").collectAsList()) {
      byKey.computeIfAbsent(r.getString(0), k -> new java.util.ArrayList<>()).add(r.getString(1) + (r.getBoolean(2) ? " marker" : ""));
    }
    for (var e : byKey.entrySet()) {
      assertEquals(e.getValue(), lookup.versions("src-a", e.getKey()).stream()
          .map(v -> v.versionId() + (v.status() == Lookup.Status.DELETE_MARKER ? " marker" : "")).toList(), e.getKey());
    }
  }

  /** Keys sort as S3 and Spark sort them (UTF-8 bytes), not as Java's UTF-16 compareTo; prefixes bound a key range. */
  @Test
  void keysSortInS3OrderAndAPrefixHasAnUpperBound() {
    String bmp = "k\uFFFD";
    String astral = "k\uD83D\uDE00"; // U+1F600: after U+FFFD in UTF-8, before it in UTF-16
    assertTrue(Lookup.KEY_ORDER.compare(bmp, astral) < 0);
    assertTrue(bmp.compareTo(astral) > 0);
    assertTrue(Lookup.KEY_ORDER.compare("a", "ab") < 0);
    assertEquals("logs0", Lookup.upperBound("logs/"));
    assertEquals(null, Lookup.upperBound("k\uD83D\uDE00"));
  }

  private String version(String key, String versionId) {
    for (var e : versionOf.entrySet()) {
      if (e.getValue().equals(versionId) && e.getKey().startsWith(key + "@")) return e.getKey().substring(key.length() + 1);
    }
    return "?";
  }

  @Test
  void thawsAreRequestedOnceAndTheSameCommandResumesUntilDone() throws Exception {
    // The store's time and the job's are one moved clock: the second run finds the thaw in progress however
    // slow the machine is, and the third finds it done without sleeping.
    Catalog slow = slowCatalog("15s");
    RestoreJob job = new RestoreJob(slow, clock);
    Path to = dir.resolve("thawed");
    RestoreJob.Request req = request(select(List.of("logs/"), null, false), to.toString(), false, false);

    RestoreResult plan = job.run(new RestoreJob.Request(req.selector(), req.to(), req.tier(), req.days(), true, false,
        false, req.waitTimeout(), false, null, req.prices()), "dry-run");
    assertEquals(plan.packs(), plan.packs("COLD"), "every pack is in DEEP_ARCHIVE, not restored");
    assertTrue(plan.estimates().stream().anyMatch(e -> e.tier() == RestoreTier.BULK && e.total() > 0 && e.hours() == 48));
    assertFalse(plan.estimates().stream().filter(e -> e.tier() == RestoreTier.EXPEDITED).findFirst().get().available());

    RestoreResult first = job.run(req, "restore-a");
    assertTrue(first.thawing(), () -> RestoreReport.text(first));
    assertEquals(0, first.bytesRestored());
    assertTrue(files(to).isEmpty());
    List<Row> table = slow.read(CatalogTable.RESTORES).where(col("restore_id").equalTo(first.restoreId())).collectAsList();
    assertEquals(first.packs() + 1, table.size(), "a row for the request and one per pack");
    assertTrue(table.stream().allMatch(r -> r.getAs("state").equals("THAWING")));

    RestoreResult second = job.run(req, "restore-b");
    assertEquals(first.restoreId(), second.restoreId(), "the same command is the same request");
    assertTrue(second.thawing());
    assertEquals(0, second.packs("COLD"), "no second restore request for a thaw in progress");

    clock.advance(Duration.ofSeconds(16));
    RestoreResult third = job.run(req, "restore-c");
    assertTrue(third.complete(), () -> RestoreReport.text(third));
    assertEquals(third.packs(), third.packs("DONE"));
    assertEquals(42, files(to).size(), "a, b and the 40 under logs/many");
    assertTrue(slow.read(CatalogTable.RESTORES).where(col("restore_id").equalTo(first.restoreId()))
        .collectAsList().stream().allMatch(r -> r.getAs("state").equals("DONE")));
    Row request = slow.read(CatalogTable.RESTORES).where(col("restore_id").equalTo(first.restoreId())
        .and(col("pack_id").isNull())).first();
    assertEquals(42L, request.<Long>getAs("restored"));
    assertEquals(0L, request.<Long>getAs("not_restored"));
    assertEquals(third.reportUri(), request.getAs("report_uri"));
    assertTrue(request.getJavaMap(request.fieldIndex("phase_seconds")).containsKey("thaw-wait"));

    RestoreResult again = job.run(req, "restore-d");
    assertTrue(again.complete());
    assertEquals(0, again.bytesRead(), "packs done are not read again");

  }

  @Test
  void waitPollsUntilThePacksAreThawedInOneRun() throws Exception {
    Path waited = dir.resolve("waited");
    RestoreResult w = new RestoreJob(slowCatalog("3s"), clock)
        .run(request(select(List.of("other/"), null, false), waited.toString(), false, true), "restore-w");
    assertTrue(w.complete(), () -> RestoreReport.text(w));
    // Polls at 0.2, 0.4, 0.8 and 1.6 s on the moved clock: ready at 3.0 s, whatever the machine's speed.
    assertEquals(3.0, w.phases().get("thaw-wait"), 0.001, "it waited for the thaw: " + w.phases());
    assertArrayEquals(content.get("other/d.csv@1"), files(waited).get("src-a/other/d.csv"));
  }

  private Catalog slowCatalog(String thawDelay) {
    return new Catalog(SharedSpark.session(), config(dir, Map.of("store.local.thaw-delay", thawDelay)));
  }

  @Test
  void aRunThatCrashesAfterWritingIsResumedWithoutRewriting() throws Exception {
    Path to = dir.resolve("resumed");
    RestoreJob.Request req = request(select(List.of("logs/many/"), null, false), to.toString(), false, true);
    RestoreJob crashing = new RestoreJob(catalog, Clock.systemUTC());
    crashing.afterExtract = () -> { throw new IllegalStateException("crash"); };
    assertThrows(IllegalStateException.class, () -> crashing.run(req, "restore-1"));
    assertEquals(40, files(to).size(), "the objects were written before the crash");
    Files.delete(to.resolve("src-a/logs/many/007.json")); // and one is lost since

    RestoreResult r = new RestoreJob(catalog, Clock.systemUTC()).run(req, "restore-2");
    assertTrue(r.complete(), () -> RestoreReport.text(r));
    assertEquals(1, r.objectsIn(Extracted.State.RESTORED), "only the missing one is written again");
    assertEquals(39, r.objectsIn(Extracted.State.PRESENT));
    assertArrayEquals(content.get("logs/many/007.json@1"), Files.readAllBytes(to.resolve("src-a/logs/many/007.json")));
  }

  @Test
  void aCorruptByteInAPackFailsItsObjectOnly() throws Exception {
    Row victim = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("logs/many/010.json")).first();
    Row pack = catalog.read(CatalogTable.PACKS).where(col("pack_id").equalTo(victim.<String>getAs("pack_id"))).first();
    io.lakevault.core.store.S3Uri u = io.lakevault.core.store.S3Uri.parse(pack.getAs("uri"));
    Path file = dir.resolve("store").resolve(u.bucket()).resolve(u.key());
    assertTrue(Files.isRegularFile(file), file.toString());
    file.toFile().setWritable(true);
    byte[] bytes = Files.readAllBytes(file);
    int at = (int) (victim.<Long>getAs("entry_offset") + victim.<Long>getAs("entry_length") / 2);
    bytes[at] ^= 0x20;
    Files.write(file, bytes);

    Path to = dir.resolve("corrupt");
    RestoreResult r = new RestoreJob(catalog, Clock.systemUTC())
        .run(request(select(List.of("logs/many/"), null, false), to.toString(), false, true), "restore-1");
    assertEquals(1, r.objectsIn(Extracted.State.FAILED), () -> RestoreReport.text(r));
    assertEquals(39, r.objectsIn(Extracted.State.RESTORED));
    assertEquals("logs/many/010.json", r.failures().get(0).key());
    assertTrue(r.failures().get(0).reason().contains("corrupt") || r.failures().get(0).reason().contains("authentic"),
        r.failures().get(0).reason());
    assertFalse(Files.exists(to.resolve("src-a/logs/many/010.json")), "nothing unverified is written");
    assertFalse(r.complete());
    assertEquals(1, r.packs("FAILED"), "its pack is retried by the next run");
  }

  /**
   * manifest.json read as auditors' tools read it: Python's json module, refusing any member name given twice
   * in an object; every record is an archived version of the catalog with the same size and SHA-256.
   */
  private void assertManifestJsonParsesAndMatchesTheCatalog(Path manifest, int records) throws Exception {
    String script = "import json, sys\n"
        + "def strict(pairs):\n"
        + "    names = [k for k, _ in pairs]\n"
        + "    if len(names) != len(set(names)): raise ValueError('duplicate member names: %s' % names)\n"
        + "    return dict(pairs)\n"
        + "m = json.load(open(sys.argv[1], encoding='utf-8'), object_pairs_hook=strict)\n"
        + "assert m['object_count'] == len(m['objects']), m['object_count']\n"
        + "assert m['total_bytes'] == sum(o['size'] for o in m['objects'])\n"
        + "for o in m['objects']: print('|'.join([o['bucket'], o['key'], o['version_id'], str(o['size']), o['sha256']]))\n";
    Process p = new ProcessBuilder("python3", "-c", script, manifest.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    List<String> lines = out.lines().toList();
    assertEquals(records, lines.size(), out);
    java.util.Set<String> catalogued = new java.util.HashSet<>();
    for (Row r : catalog.read(CatalogTable.OBJECTS).select("bucket", "key", "version_id", "size", "sha256").collectAsList()) {
      catalogued.add(r.mkString("|"));
    }
    for (String l : lines) assertTrue(catalogued.contains(l), "a manifest record the catalog does not hold: " + l);
  }

  @Test
  void exportManifestsAreByteIdenticalForTheSameInputs() throws Exception {
    Selector s = select(List.of("logs/"), T3.plusSeconds(60), false);
    RestoreResult one = new RestoreJob(catalog, Clock.systemUTC()).run(request(s, dir.resolve("x1").toString(), true, true), "export-1");
    RestoreResult two = new RestoreJob(catalog, Clock.systemUTC()).run(request(s, dir.resolve("x2").toString(), true, true), "export-2");
    assertTrue(one.complete(), () -> RestoreReport.text(one));
    assertNotNull(one.manifestSha256().get("manifest.csv"));
    Map<String, byte[]> a = files(dir.resolve("x1"));
    Map<String, byte[]> b = files(dir.resolve("x2"));
    assertEquals(a.keySet(), b.keySet());
    for (String f : List.of("manifest.csv", "manifest.json", "manifest.sha256")) assertArrayEquals(a.get(f), b.get(f), f);
    assertEquals(one.manifestSha256(), two.manifestSha256());
    String csv = new String(a.get("manifest.csv"), java.nio.charset.StandardCharsets.UTF_8);
    List<String> lines = csv.lines().toList();
    assertEquals("path,bucket,key,version_id,last_modified,size,sha256,retention_class,pack_id", lines.get(0));
    assertEquals(41, lines.size() - 1, "a@2 and the 40 under logs/many; b and c were deleted then");
    assertTrue(lines.get(1).startsWith("src-a/logs/a.json,src-a,logs/a.json," + versionOf.get("logs/a.json@2")
        + ",2024-03-10T00:00:00.000Z,"), lines.get(1));
    assertManifestJsonParsesAndMatchesTheCatalog(dir.resolve("x1").resolve("manifest.json"), 41);
    // Each listed file is there with the listed SHA-256; the sums file checks the manifests.
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertEquals(f[6], sha256(a.get(f[0])), f[0]);
    }
    assertTrue(new String(a.get("manifest.sha256"), java.nio.charset.StandardCharsets.UTF_8)
        .contains(sha256(a.get("manifest.csv")) + "  manifest.csv"));
    // An export needs a time.
    LakevaultException e = assertThrows(LakevaultException.class, () -> new RestoreJob(catalog, Clock.systemUTC())
        .run(request(select(List.of("logs/"), null, false), dir.resolve("x3").toString(), true, true), "export-3"));
    assertTrue(e.getMessage().contains("--as-of"), e.getMessage());
  }

  @Test
  void anEmptySelectionIsRefusedSayingHowToCheckIt() {
    LakevaultException none = assertThrows(LakevaultException.class, () -> new RestoreJob(catalog, Clock.systemUTC())
        .run(request(select(List.of("nothing/"), null, false), dir.resolve("n").toString(), false, true), "restore-1"));
    assertTrue(none.getMessage().contains("no archived version matches"), none.getMessage());
  }

  static String sha256(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
  }
}
