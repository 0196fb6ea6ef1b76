package io.lakevault.archive;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.classify.ClassifyJob;
import io.lakevault.classify.ClassifyResult;
import io.lakevault.core.archive.ArchiveFrontier;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.StorageClass;
import io.lakevault.generator.GeneratedLake;
import io.lakevault.generator.GeneratorOptions;
import io.lakevault.generator.LakeGenerator;
import io.lakevault.generator.SimulatedClock;
import io.lakevault.inventory.InventoryJob;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.ArchiveFrontiers;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Daily runs (docs/archive.md): after a first complete run, a classification marks pending only what changed
 * since (new and changed keys from the change sets, decisions that turned to ARCHIVE as time passed, the
 * sources the last run skipped), and the archive run that reads only those archives exactly what a run over
 * the whole catalog would.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DailyArchiveTest {
  @TempDir static Path dir;
  // A source left in GLACIER fails every run (archive.max-skipped-fraction); here that is the point.
  static Catalog catalog;
  static SimulatedClock clock;
  static LocalObjectStore lakeStore;
  static List<String> sources;
  static Policy policy;
  static byte[] policyBytes;
  /** The first day's classification; the transactions rule excludes what is younger than 400 days. */
  static final Instant T1 = Instant.parse("2024-07-01T12:00:00Z");
  /** 200 days later: transactions last modified between T1-400d and T2-400d are now old enough to archive. */
  static final Instant T2 = T1.plus(200, ChronoUnit.DAYS);
  static final String THAWED = "device/dev-9998/restored-on-day-2.bin";
  static final String FROZEN = "device/dev-9999/never-restored.bin";
  static final PackTask.Tuning TUNING = new PackTask.Tuning(8, 4, 4L << 20, 1L << 20, 5L << 20, 2000, 8L << 20, 1_000_000, -1);

  @BeforeAll
  static void firstDay() throws Exception {
    clock = new SimulatedClock();
    lakeStore = new LocalObjectStore(dir.resolve("store"), Duration.ZERO, clock);
    GeneratedLake lake = new LakeGenerator(lakeStore, clock, SharedSpark.session(),
        GeneratorOptions.defaults().withObjects(300).withLargeObjects(0, 0)).generate();
    // Two sources in GLACIER, which no run can read until they are restored: one is restored on the second day.
    clock.set(Instant.parse("2024-06-15T00:00:00Z"));
    for (String k : List.of(THAWED, FROZEN)) {
      lakeStore.put(LakeGenerator.BLOBS, k, new byte[4096], PutOptions.builder().storageClass(StorageClass.GLACIER).build());
    }
    clock.clear();
    new LakeGenerator(lakeStore, clock, SharedSpark.session(), GeneratorOptions.defaults())
        .writeReports(Instant.parse("2024-07-01T06:00:00Z"));
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("keys.local.dir", dir.resolve("keys").toString(),
        "archive.max-skipped-fraction", "1"));
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    catalog = new Catalog(SharedSpark.session(), config);
    sources = lake.reports().stream().map(GeneratedLake.Report::configPrefixUri).toList();
    new InventoryJob(catalog, Clock.systemUTC()).run(new InventoryJob.Request(sources, null, null, false), "inventory-1");
    String text = Files.readString(Path.of("../../conf/policy.yaml")) + """

          - id: transactions-settling
            description: Transactions are archived once settled, 400 days after their last change.
            priority: 60
            match:
              bucket: acme-transactions
              age: {less-than: 400d}
            exclude: not settled yet
        """;
    policyBytes = text.getBytes(StandardCharsets.UTF_8);
    policy = PolicyParser.parse("daily.yaml", policyBytes);
  }

  static ClassifyResult classify(String runId, Instant at) {
    return new ClassifyJob(catalog, Clock.fixed(at, ZoneOffset.UTC))
        .run(new ClassifyJob.Request(policy, policyBytes, PriceTable.builtIn(), false, null), runId);
  }

  static ArchiveResult archive(String runId) {
    return new ArchiveJob(catalog, Clock.systemUTC(), TUNING).run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), runId);
  }

  static Dataset<Row> toArchive() {
    return catalog.read(CatalogTable.CLASSIFIED).where(col("decision").equalTo("ARCHIVE"));
  }

  static Set<String> ids(Dataset<Row> rows) {
    return rows.select("bucket", "key", "version_id").collectAsList().stream()
        .map(r -> r.getString(0) + "/" + r.getString(1) + "@" + r.getString(2)).collect(Collectors.toSet());
  }

  /** What a run over the whole catalog would archive: every ARCHIVE version not in objects. */
  static Set<String> notArchived() {
    Dataset<Row> done = catalog.exists(CatalogTable.OBJECTS) ? catalog.read(CatalogTable.OBJECTS) : null;
    Dataset<Row> all = toArchive();
    if (done != null) {
      all = all.join(done.select(col("bucket").as("b"), col("key").as("k"), col("version_id").as("v")),
          col("bucket").equalTo(col("b")).and(col("key").equalTo(col("k"))).and(col("version_id").eqNullSafe(col("v"))), "left_anti");
    }
    return ids(all);
  }

  static Set<String> pending() {
    return ids(catalog.read(CatalogTable.CLASSIFIED).where(col("archive_pending")));
  }

  @Test
  @Order(1)
  void aFirstRunMarksEverythingAndLeavesAFrontier() {
    ClassifyResult c = classify("classify-1", T1);
    assertTrue(c.pending().plan().all(), c.pending().plan().reason());
    assertEquals(c.total("ARCHIVE").objects(), c.pending().versions());
    assertEquals(ids(toArchive()), pending());
    ArchiveResult a = archive("archive-1");
    assertTrue(a.objects() > 100, a.toString());
    assertTrue(a.skipped() >= 2, "the GLACIER sources are skipped: " + a.skipReasons());
    assertTrue(notArchived().containsAll(ids(toArchive().where(col("key").isin(THAWED, FROZEN)))));
    ArchiveFrontier f = ArchiveFrontiers.read(catalog);
    assertNotNull(f);
    assertEquals("archive-1", f.archiveRunId());
    assertEquals("classify-1", f.classification().runId());
    assertEquals(T1, f.classification().classifiedAt());
    assertEquals(3, f.classification().reports().size(), "the all-versions configuration of each bucket was read");
    assertNotNull(f.skippedUri());
    assertEquals(a.skipped(), catalog.spark().read().parquet(catalog.locations().hadoopPath(f.skippedUri())).count());
  }

  @Test
  @Order(2)
  void aDayLaterOnlyTheChangesTheAgeTurnsAndTheSkippedArePending() {
    Set<String> skippedBefore = notArchived();
    // A day in the lake: new records, a record rewritten, one deleted.
    List<String> keys = toArchive().where(col("bucket").equalTo(LakeGenerator.LOGS).and(col("is_latest"))
        .and(col("is_delete_marker").equalTo(false)).and(col("rule_id").equalTo("trading-records")))
        .select("key").orderBy("key").limit(2).collectAsList().stream().map(r -> r.getString(0)).toList();
    clock.set(Instant.parse("2024-07-01T09:00:00Z"));
    for (int i = 0; i < 5; i++) {
      lakeStore.put(LakeGenerator.LOGS, "app=order-router/dt=2024-07-01/hour=09/day2-" + i + ".json",
          ("{\"order\":" + i + "}\n").getBytes(StandardCharsets.UTF_8), PutOptions.defaults());
    }
    lakeStore.put(LakeGenerator.LOGS, keys.get(0), "{\"rewritten\":true}\n".getBytes(StandardCharsets.UTF_8), PutOptions.defaults());
    lakeStore.delete(ObjectRef.of(LakeGenerator.LOGS, keys.get(1)));
    clock.clear();
    new LakeGenerator(lakeStore, clock, SharedSpark.session(), GeneratorOptions.defaults())
        .writeReports(Instant.parse("2024-07-02T00:00:00Z"));
    new InventoryJob(catalog, Clock.systemUTC()).run(new InventoryJob.Request(sources, null, null, false), "inventory-2");

    ClassifyResult c = classify("classify-2", T2);
    ArchiveFrontier.Plan plan = c.pending().plan();
    assertFalse(plan.all(), plan.reason());
    assertEquals(3, plan.withChanges().size(), "the all-versions configuration of each bucket: " + plan.configs());
    Set<String> pending = pending();
    Set<String> due = notArchived();
    // Complete: everything a whole-catalog run would look at is pending ...
    assertTrue(pending.containsAll(due), "missing: " + due.stream().filter(x -> !pending.contains(x)).toList());
    // ... and that is the day's work, not the catalog.
    assertTrue(pending.size() * 3 < ids(toArchive()).size(), pending.size() + " of " + ids(toArchive()).size());
    assertTrue(due.stream().anyMatch(x -> x.contains("day2-0.json")));
    assertTrue(due.containsAll(skippedBefore), "the sources the last run skipped are tried again");
    long aged = toArchive().where(col("bucket").equalTo(LakeGenerator.TRANSACTIONS).and(col("last_modified_date")
        .gt(java.sql.Timestamp.from(T1.minus(400, ChronoUnit.DAYS))))).count();
    assertTrue(aged > 0, "some transactions turned old enough between the two classifications");
    assertTrue(due.size() >= 5 + 1 + aged, due.toString());

    lakeStore.requestRestore(ObjectRef.of(LakeGenerator.BLOBS, THAWED), 7, RestoreTier.STANDARD);
    ArchiveResult a = archive("archive-2");
    assertEquals(due.size(), a.objects() + a.deleteMarkers() + a.skipped(), a.toString());
    Set<String> left = notArchived();
    assertTrue(left.stream().noneMatch(x -> x.contains(THAWED)), "the restored source was tried again and archived");
    assertTrue(left.stream().anyMatch(x -> x.contains(FROZEN)));
    assertTrue(skippedBefore.containsAll(left), "nothing new is left behind: " + left);
    assertEquals("archive-2", ArchiveFrontiers.read(catalog).archiveRunId());
    assertEquals("classify-2", ArchiveFrontiers.read(catalog).classification().runId());
  }

  @Test
  @Order(3)
  void nothingChangedMeansOnlyTheSkippedArePendingAndARunAgainAddsNothing() {
    long objects = catalog.read(CatalogTable.OBJECTS).count();
    ArchiveResult again = archive("archive-3"); // the same classification again
    assertEquals(0, again.objects() + again.deleteMarkers());
    assertEquals(objects, catalog.read(CatalogTable.OBJECTS).count());

    ClassifyResult c = classify("classify-3", T2);
    assertTrue(c.pending().plan().configs().stream().allMatch(x -> x.mode() == ArchiveFrontier.Mode.SAME), c.pending().plan().toString());
    Set<String> skippedKeys = notArchived().stream().map(x -> x.substring(0, x.lastIndexOf('@'))).collect(Collectors.toSet());
    Set<String> pendingKeys = pending().stream().map(x -> x.substring(0, x.lastIndexOf('@'))).collect(Collectors.toSet());
    assertEquals(skippedKeys, pendingKeys, "only the keys of the skipped sources");
  }

  @Test
  @Order(4)
  void anotherPolicyMarksEverythingAgainAndArchivesNothingTwice() {
    byte[] other = (new String(policyBytes, StandardCharsets.UTF_8) + "\n# reviewed\n").getBytes(StandardCharsets.UTF_8);
    Policy changed = PolicyParser.parse("daily.yaml", other);
    ClassifyResult c = new ClassifyJob(catalog, Clock.fixed(T2, ZoneOffset.UTC))
        .run(new ClassifyJob.Request(changed, other, PriceTable.builtIn(), false, null), "classify-4");
    assertTrue(c.pending().plan().all(), c.pending().plan().reason());
    assertEquals(ids(toArchive()), pending());
    long objects = catalog.read(CatalogTable.OBJECTS).count();
    ArchiveResult a = archive("archive-4");
    assertEquals(0, a.objects() + a.deleteMarkers(), "the whole catalog is looked at, and all of it is archived already");
    assertEquals(objects, catalog.read(CatalogTable.OBJECTS).count());
  }
}
