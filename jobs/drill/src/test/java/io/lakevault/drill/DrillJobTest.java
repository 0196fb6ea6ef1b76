package io.lakevault.drill;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.ArchiveResult;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.drill.DrillPlan.Level;
import io.lakevault.core.drill.DrillPlan.Outcome;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Uri;
import io.lakevault.core.time.MutableClock;
import io.lakevault.generator.SimulatedClock;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore drills on the local store, with a thaw delay and the store's and the drill's time one moved clock:
 * one lake of three classes in two buckets, versions written over two years, archived once; each test
 * drills its own class. No test waits for real time.
 */
class DrillJobTest {
  private static final String POLICY = """
      version: 1
      classes:
        cold:
          retain: 10y
          storage-class: DEEP_ARCHIVE
          encryption: true
          rto: 72h
        quick:
          retain: 10y
          storage-class: GLACIER_IR
          encryption: true
          rto: 1h
        urgent:
          retain: 10y
          storage-class: DEEP_ARCHIVE
          encryption: false
          rto: 1h
      rules:
        - id: all
          match: {bucket: [src-d1, src-d2]}
          class: cold
      """;
  static final Instant FUTURE = Instant.now().plus(3650, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
  static final Instant START = Instant.parse("2024-06-01T00:00:00Z");

  @TempDir static Path dir;
  static Catalog catalog;
  static Policy policy;
  /** The content of each archived version, by "bucket/key@version". */
  static final Map<String, byte[]> content = new HashMap<>();

  /**
   * The drill's and the local store's time: 5 h thaws pass when a test moves it. Fixed, so the seeded as-of
   * times (drawn up to now) are the same on every day the suite runs.
   */
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));

  @BeforeAll
  static void archive() throws Exception {
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    catalog = new Catalog(SharedSpark.session(), config(dir.resolve("scratch").toString()));
    policy = PolicyParser.parse("drill.yaml", POLICY.getBytes(StandardCharsets.UTF_8));
    Path policies = dir.resolve("store/lakevault-catalog/catalog/policies");
    Files.createDirectories(policies);
    Files.writeString(policies.resolve(policy.sha256() + ".yaml"), POLICY);
    SimulatedClock written = new SimulatedClock();
    List<Row> rows = new ArrayList<>();
    try (LocalObjectStore store = new LocalObjectStore(dir.resolve("store"), Duration.ZERO, written)) {
      store.createBucket("src-d1", true, false);
      store.createBucket("src-d2", true, false);
      int n = 0;
      String[][] layout = {
          {"cold", "src-d1", "logs/a/", "5"}, {"cold", "src-d1", "logs/b/", "4"}, {"cold", "src-d1", "data/x/", "3"},
          {"cold", "src-d2", "logs/c/", "4"}, {"quick", "src-d1", "quick/q1/", "4"}, {"quick", "src-d1", "quick/q2/", "3"},
          {"quick", "src-d2", "quick/q3/", "3"}, {"urgent", "src-d1", "urgent/u1/", "3"}, {"urgent", "src-d2", "urgent/u2/", "2"}};
      for (String[] l : layout) {
        for (int i = 0; i < Integer.parseInt(l[3]); i++) {
          // Every key has a first version in the first months and some a second a year later: as-of times matter.
          for (int v = 1; v <= (i % 2 == 0 ? 2 : 1); v++) {
            Instant at = START.plus(n++ * 3L + (v - 1) * 365L, ChronoUnit.DAYS);
            written.set(at);
            String key = l[2] + "obj-" + i + ".json";
            byte[] body = ("{\"key\":\"" + key + "\",\"v\":" + v + ",\"pad\":\"" + "x".repeat(300 + i * 40) + "\"}\n")
                .getBytes(StandardCharsets.UTF_8);
            ObjectMetadata m = store.put(l[1], key, body, PutOptions.builder().contentType("application/json").build());
            written.clear();
            content.put(l[1] + "/" + key + "@" + m.versionId(), body);
            rows.add(RowFactory.create(l[1], key, m.versionId(), m.eTag(), m.size(), Timestamp.from(at), v == 2 || i % 2 == 1,
                false, "STANDARD", "SSE-S3", false, null, "ARCHIVE", l[0], "all", Timestamp.from(FUTURE),
                l[0] + "/2024/" + l[1], "daily", Timestamp.from(Instant.now()), policy.sha256(), Timestamp.from(Instant.now()),
                "classify-test", null));
          }
        }
      }
    }
    SharedSpark.session().createDataFrame(rows, CatalogTable.CLASSIFIED.schema()).write().format("delta")
        .mode("overwrite").save(catalog.path(CatalogTable.CLASSIFIED));
    ArchiveResult r = new ArchiveJob(catalog, Clock.systemUTC())
        .run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), "archive-1");
    assertEquals(rows.size(), r.objects());
  }

  static LakevaultConfig config(String target) {
    return SharedSpark.localConfig(dir, Map.of("keys.local.dir", dir.resolve("keys").toString(),
        "store.local.thaw-delay", "5h", "drill.target", target, "drill.max-bytes", "64KiB"));
  }

  @BeforeEach
  void movedClock() {
    ObjectStores.useLocalClock(clock);
  }

  @AfterEach
  void realTime() {
    ObjectStores.useLocalClock(null);
  }

  private DrillResult drill(String cls, List<Level> levels, long seed, boolean dryRun, String runId) {
    return new DrillJob(catalog, clock).run(new DrillJob.Request(List.of(cls), levels, seed, null, dryRun, null, policy,
        PriceTable.builtIn()), runId);
  }

  private static List<Row> rows(String drillId) {
    return catalog.read(CatalogTable.DRILLS).where(col("drill_id").equalTo(drillId)).orderBy("level").collectAsList();
  }

  private static boolean anyFileUnder(Path p) throws Exception {
    if (!Files.exists(p)) return false;
    try (Stream<Path> w = Files.walk(p)) {
      return w.anyMatch(Files::isRegularFile);
    }
  }

  /** Every level of a cold class: thawing, resumed with the same sample, passed once the thaw is done; scratch removed. */
  @Test
  void aDrillOverEveryLevelThawsResumesPassesAndRemovesWhatItRestored() throws Exception {
    List<Level> all = List.of(Level.values());
    DrillResult plan = drill("cold", all, 7, true, "dry-run");
    assertEquals("planned", plan.status());
    assertTrue(plan.levels().stream().filter(l -> l.outcome() != Outcome.SKIPPED).allMatch(l -> l.objects() > 0
        && l.restoreRequests() > 0 && l.cost() > 0 && l.tier() != null), plan.levels().toString());
    assertFalse(catalog.exists(CatalogTable.DRILLS) && !rows(plan.drillId()).isEmpty(), "a dry run records nothing");

    DrillResult first = drill("cold", all, 7, false, "drill-1");
    assertEquals("thawing", first.status(), DrillReport.text(first));
    assertEquals(plan.drillId(), first.drillId());
    List<Row> parked = rows(first.drillId());
    assertEquals(6, parked.size());
    DrillResult.LevelResult objectLevel = first.levels().get(0);
    assertEquals(plan.levels().get(0).selectors(), objectLevel.selectors(), "the dry run showed the sample the drill takes");

    // Interrupted while thawing (the first run parked): the same command, once the thaw is done, resumes the
    // recorded sample and completes it once.
    clock.advance(Duration.ofHours(6));
    DrillResult third = drill("cold", all, 7, false, "drill-3");
    assertEquals("passed", third.status(), DrillReport.text(third));
    assertTrue(third.cleaned());
    for (int i = 0; i < 6; i++) {
      assertEquals(first.levels().get(i).selectors(), third.levels().get(i).selectors(), "level " + i + " is resampled");
      assertEquals(first.levels().get(i).restoreIds(), third.levels().get(i).restoreIds(), "the same restore requests");
    }
    for (DrillResult.LevelResult l : third.levels()) {
      if (l.outcome() == Outcome.SKIPPED) {
        assertFalse(l.reasons().isEmpty());
        continue;
      }
      assertEquals(Outcome.PASSED, l.outcome(), l.level() + ": " + l.reasons());
      assertTrue(l.metRto());
      assertNotNull(l.completedAt());
      for (String phase : List.of("find", "plan", "thaw-request", "thaw-wait", "read", "write", "verify")) {
        assertTrue(l.phases().containsKey(phase), l.level() + " records " + phase + ": " + l.phases());
      }
      // The thaw took the store's 5 hours on the moved clock (the drill parked for 6 of them).
      assertTrue(l.phases().get("thaw-wait") >= 5 * 3600, l.level() + ": " + l.phases());
      assertTrue(l.elapsedSeconds() >= 6 * 3600 && l.elapsedSeconds() < 7 * 3600, l.level() + ": " + l.elapsedSeconds());
      assertEquals(io.lakevault.core.store.RestoreTier.BULK, l.tier(), "Bulk's 48 h meets the class's 72 h RTO");
    }
    assertTrue(third.levels().stream().filter(l -> l.outcome() == Outcome.PASSED).count() >= 5, DrillReport.text(third));
    assertFalse(anyFileUnder(dir.resolve("scratch").resolve(third.drillId())), "the scratch target is emptied");
    List<Row> done = rows(third.drillId());
    assertTrue(done.stream().allMatch(r -> r.getAs("cleaned_at") != null && r.getAs("completed_at") != null));

    // Once finished, the same command restores nothing again and changes no result.
    DrillResult again = drill("cold", all, 7, false, "drill-4");
    assertEquals("passed", again.status());
    assertFalse(again.cleaned());
    assertEquals(done.stream().map(r -> r.getAs("completed_at")).toList(),
        rows(third.drillId()).stream().map(r -> r.getAs("completed_at")).toList());
    String report = Files.readString(Path.of(java.net.URI.create(catalog.locations().hadoopPath(third.reportUri()))));
    assertTrue(report.contains("\"status\" : \"passed\""), report);
  }

  /** A corrupt entry fails the levels whose sample holds it, naming the object; the others pass. */
  @Test
  void aCorruptEntryFailsItsLevelNamingTheObject() throws Exception {
    List<Level> levels = List.of(Level.OBJECT, Level.BUCKETS);
    DrillResult plan = drill("quick", levels, 11, true, "dry-run");
    String selector = plan.levels().get(0).selectors().get(0);
    String versionId = selector.substring(selector.indexOf("version-id=") + "version-id=".length(), selector.length() - 1);
    Row victim = catalog.read(CatalogTable.OBJECTS).where(col("version_id").equalTo(versionId)).first();
    Row pack = catalog.read(CatalogTable.PACKS).where(col("pack_id").equalTo(victim.<String>getAs("pack_id"))).first();
    S3Uri u = S3Uri.parse(pack.getAs("uri"));
    Path file = dir.resolve("store").resolve(u.bucket()).resolve(u.key());
    byte[] before = Files.readAllBytes(file);
    byte[] bytes = before.clone();
    bytes[(int) (victim.<Long>getAs("entry_offset") + victim.<Long>getAs("entry_length") / 2)] ^= 0x20;
    file.toFile().setWritable(true);
    Files.write(file, bytes);
    try {
      DrillResult r = drill("quick", levels, 11, false, "drill-q");
      String name = "s3://" + victim.getAs("bucket") + "/" + victim.getAs("key");
      DrillResult.LevelResult object = r.levels().get(0);
      assertEquals(Outcome.FAILED, object.outcome(), DrillReport.text(r));
      assertTrue(object.reasons().stream().anyMatch(x -> x.contains(name)), object.reasons().toString());
      assertEquals("failed", r.status());
      long passed = r.levels().stream().filter(l -> l.outcome() == Outcome.PASSED).count();
      for (DrillResult.LevelResult l : r.levels()) {
        if (l.outcome() == Outcome.FAILED) {
          assertTrue(l.reasons().stream().allMatch(x -> x.contains(name) || x.contains("not restored intact")),
              "only the corrupt object fails: " + l.reasons());
        }
      }
      assertTrue(passed >= 1 || r.levels().stream().skip(1).allMatch(l -> l.outcome() == Outcome.FAILED
          || l.outcome() == Outcome.SKIPPED), DrillReport.text(r));
      assertTrue(r.cleaned(), "a failed drill is finished too, and cleans up");
    } finally {
      Files.write(file, before);
    }
  }

  /** A class whose RTO is shorter than the thaw: restored and verified, recorded as RTO missed. */
  @Test
  void aClassWhoseRtoIsShorterThanTheThawMissesIt() {
    DrillResult first = drill("urgent", List.of(Level.BUCKET), 3, false, "drill-u1");
    assertEquals("thawing", first.status());
    clock.advance(Duration.ofHours(6));
    DrillResult r = drill("urgent", List.of(Level.BUCKET), 3, false, "drill-u2");
    for (DrillResult.LevelResult l : r.levels()) {
      assertEquals(Outcome.RTO_MISSED, l.outcome(), DrillReport.text(r));
      assertFalse(l.metRto());
      assertTrue(l.reasons().get(0).contains("longer than the class's RTO of 1h 0m"), l.reasons().toString());
      assertEquals(io.lakevault.core.store.RestoreTier.STANDARD, l.tier(), "no tier meets 1 h: the fastest there is");
    }
    assertEquals("failed", r.status());
    Row row = rows(r.drillId()).get(0);
    assertEquals(false, row.getAs("met_rto"));
    assertEquals(3600L, row.<Long>getAs("rto_seconds"));
  }

  @Test
  void aScratchTargetInTheArchiveOrASourceBucketIsRefused() {
    for (String target : List.of("s3://lakevault-archive/drills", "s3://src-d1/drills")) {
      Catalog c = new Catalog(SharedSpark.session(), config(target));
      LakevaultException e = assertThrows(LakevaultException.class, () -> new DrillJob(c, clock).run(new DrillJob.Request(
          List.of("cold"), List.of(Level.OBJECT), 1, null, false, null, policy, PriceTable.builtIn()), "drill-x"));
      assertTrue(e.getMessage().contains("drill.target " + target), e.getMessage());
    }
    LakevaultException unknown = assertThrows(LakevaultException.class, () -> drill("nope", List.of(Level.OBJECT), 1, false,
        "drill-y"));
    assertTrue(unknown.getMessage().contains("--class nope") && unknown.getMessage().contains("cold"), unknown.getMessage());
  }
}
