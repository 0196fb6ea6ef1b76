package io.lakevault.lifecycle;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.ArchiveResult;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Uri;
import io.lakevault.restore.Lookup;
import io.lakevault.restore.RestoreJob;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legal holds and retention expiry on the local store (Object Lock and legal holds as S3 has them): one
 * lake, archived once, then the life after the write in order. The class {@code short} is archived with
 * retention already over (its packs are not locked: S3 refuses a retain-until in the past), so expiry can
 * run now with the job's clock moved past the storage minimum; {@code long} keeps its members for years.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleTest {
  private static final String POLICY = """
      version: 1
      classes:
        short:
          retain: 1y
          storage-class: DEEP_ARCHIVE
          lock: COMPLIANCE
          encryption: true
        long:
          retain: 10y
          storage-class: DEEP_ARCHIVE
          lock: COMPLIANCE
          encryption: true
      rules:
        - id: logs
          match: {bucket: [src-life]}
          class: short
      """;
  /** Past the Deep Archive minimum of 180 days for every pack written today. */
  private static final Clock LATER = Clock.fixed(Instant.now().plus(200, ChronoUnit.DAYS), ZoneOffset.UTC);

  @TempDir static Path dir;
  static Catalog catalog;
  static LocalObjectStore store;
  static Policy policy;
  static final Instant PAST = Instant.parse("2021-01-01T00:00:00Z");
  static final Instant FUTURE = Instant.now().plus(3650, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

  @BeforeAll
  static void archive() throws Exception {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("keys.local.dir", dir.resolve("keys").toString()));
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    store = new LocalObjectStore(dir.resolve("store"));
    store.createBucket("src-life", true, false);
    catalog = new Catalog(SharedSpark.session(), config);
    policy = PolicyParser.parse("life.yaml", POLICY.getBytes(StandardCharsets.UTF_8));
    Path policies = dir.resolve("store/lakevault-catalog/catalog/policies");
    Files.createDirectories(policies);
    Files.writeString(policies.resolve(policy.sha256() + ".yaml"), POLICY);
    List<Row> rows = new ArrayList<>();
    // logs/: retention over (class short); audit/: kept ten years (class long). Separate pack groups.
    for (int i = 0; i < 6; i++) rows.add(source("logs/day-" + i + ".json", "short", PAST, "short/2021-01/src-life"));
    for (int i = 0; i < 4; i++) rows.add(source("audit/entry-" + i + ".json", "long", FUTURE, "long/future/src-life"));
    classify(rows);
    ArchiveResult r = new ArchiveJob(catalog, Clock.systemUTC())
        .run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), "archive-1");
    assertEquals(10, r.objects());
  }

  private static Row source(String key, String cls, Instant retainUntil, String group) {
    byte[] body = ("{\"key\":\"" + key + "\",\"pad\":\"" + "x".repeat(500) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    ObjectMetadata m = store.put("src-life", key, body, PutOptions.builder().contentType("application/json").build());
    return RowFactory.create("src-life", key, m.versionId(), m.eTag(), m.size(), Timestamp.from(m.lastModified()), true,
        false, "STANDARD", "SSE-S3", false, null, "ARCHIVE", cls, "logs", Timestamp.from(retainUntil), group, "daily",
        Timestamp.from(Instant.now()), policy.sha256(), Timestamp.from(Instant.now()), "classify-test", null);
  }

  private static void classify(List<Row> rows) {
    SharedSpark.session().createDataFrame(rows, CatalogTable.CLASSIFIED.schema()).write().format("delta")
        .mode("overwrite").save(catalog.path(CatalogTable.CLASSIFIED));
  }

  private static Selector prefix(String p) {
    return new Selector(List.of("src-life"), List.of(p), null, List.of(), List.of(), List.of(), null, null, null, null, null,
        List.of(), false);
  }

  private static ExpireJob.Result expire(boolean dryRun, String runId) {
    return new ExpireJob(catalog, LATER).run(new ExpireJob.Request(List.of(), dryRun, PriceTable.builtIn(), null), runId);
  }

  /** pack id -> (uri, version, key file version) of the packs holding the keys under the prefix. */
  private static List<Row> packsUnder(String prefix) {
    return catalog.read(CatalogTable.OBJECTS).where(col("key").startsWith(prefix))
        .join(catalog.read(CatalogTable.PACKS).select(col("pack_id").as("p_id"), col("uri"), col("version_id").as("p_version"),
            col("key_version_id")), col("pack_id").equalTo(col("p_id")))
        .select("p_id", "uri", "p_version", "key_version_id").distinct().collectAsList();
  }

  private static ObjectRef ref(Row pack) {
    S3Uri u = S3Uri.parse(pack.getString(1));
    return new ObjectRef(u.bucket(), u.key(), pack.getString(2));
  }

  private static ObjectRef keys(Row pack) {
    S3Uri u = S3Uri.parse(pack.getString(1));
    return new ObjectRef(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, pack.getString(3));
  }

  @Test
  @Order(1)
  void aHeldPackIsRefusedDeletionByTheStoreAndExpirySkipsItNamingTheCase() {
    HoldJob holds = new HoldJob(catalog, Clock.systemUTC());
    HoldJob.Result placed = holds.place(new HoldJob.PlaceRequest("SEC-1", "subpoena 26-01", "auditor@acme", prefix("logs/")),
        "hold-1");
    assertEquals(6, placed.versions());
    assertTrue(placed.packs() >= 1);
    assertEquals(placed.packs(), placed.holds().done(), placed.toString());
    for (Row p : packsUnder("logs/")) {
      assertTrue(store.head(ref(p)).legalHold(), "the pack is held in the store");
      assertTrue(store.head(keys(p)).legalHold(), "so is its key file");
      ObjectStoreException refused = assertThrows(ObjectStoreException.class, () -> store.delete(ref(p), true));
      assertEquals(ObjectStoreException.Reason.ACCESS_DENIED, refused.reason());
    }
    // Placing the same case again resumes it; another selection under the same id is refused.
    assertTrue(holds.place(new HoldJob.PlaceRequest("SEC-1", "subpoena 26-01", "auditor@acme", prefix("logs/")), "hold-2")
        .resumed());
    assertTrue(assertThrows(LakevaultException.class, () -> holds.place(new HoldJob.PlaceRequest("SEC-1", "x", null,
        prefix("audit/")), "hold-3")).getMessage().contains("is open with the selection"));

    ExpireJob.Result dry = expire(true, "dry-run");
    assertEquals(placed.packs(), dry.packs().get("HELD"));
    assertTrue(dry.examples().get("HELD").get(0).contains("SEC-1"), dry.examples().toString());
    assertEquals(0, dry.deleted());
    ExpireJob.Result real = expire(false, "expire-1");
    assertEquals(0, real.deleted());
    for (Row p : packsUnder("logs/")) assertNotNull(store.head(ref(p)));
    assertEquals(0, catalog.read(CatalogTable.OBJECTS).where(col("disposed_at").isNotNull()).count());
  }

  @Test
  @Order(2)
  void twoCasesOnOnePackKeepTheHoldUntilBothAreReleased() {
    HoldJob holds = new HoldJob(catalog, Clock.systemUTC());
    holds.place(new HoldJob.PlaceRequest("FINRA-7", "exam", null, prefix("logs/day-1")), "hold-4");
    HoldJob.Result first = holds.release(new HoldJob.ReleaseRequest("SEC-1", "case closed", "counsel@acme"), "hold-5");
    assertTrue(first.keptForOtherCases() >= 1, first.toString());
    Set<String> stillHeld = new HashSet<>();
    for (Row p : packsUnder("logs/day-1")) {
      assertTrue(store.head(ref(p)).legalHold(), "FINRA-7 still needs it");
      stillHeld.add(p.getString(0));
    }
    for (Row p : packsUnder("logs/")) {
      if (!stillHeld.contains(p.getString(0))) assertFalse(store.head(ref(p)).legalHold(), "released: " + p);
    }
    List<HoldJob.Case> cases = holds.list(null);
    assertEquals(List.of("FINRA-7", "SEC-1"), cases.stream().map(HoldJob.Case::caseId).toList(), "open first");
    assertNull(cases.get(0).releasedAt());
    assertEquals("counsel@acme", cases.get(1).releasedBy());
    holds.release(new HoldJob.ReleaseRequest("FINRA-7", "exam over", null), "hold-6");
    for (Row p : packsUnder("logs/")) assertFalse(store.head(ref(p)).legalHold());
    assertEquals(0, holds.list("SEC-1").get(0).packsHeld());
  }

  @Test
  @Order(3)
  void aVersionArchivedAfterTheHoldIsHeldInItsNewPack() {
    HoldJob holds = new HoldJob(catalog, Clock.systemUTC());
    holds.place(new HoldJob.PlaceRequest("AUDIT-9", "internal audit", null, prefix("audit/")), "hold-7");
    classify(List.of(source("audit/entry-9.json", "long", FUTURE, "long/future/src-life")));
    new ArchiveJob(catalog, Clock.systemUTC()).run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null),
        "archive-2");
    Row newPack = catalog.read(CatalogTable.PACKS).where(col("run_id").equalTo("archive-2")).first();
    S3Uri u = S3Uri.parse(newPack.getAs("uri"));
    assertTrue(store.head(new ObjectRef(u.bucket(), u.key(), newPack.getAs("version_id"))).legalHold());
    assertEquals(1, catalog.read(CatalogTable.HELD_PACKS).where(col("case_id").equalTo("AUDIT-9")
        .and(col("pack_id").equalTo(newPack.<String>getAs("pack_id")))).count());
  }

  @Test
  @Order(4)
  void aDryRunChangesNothingAndACrashBetweenDeletesAndTheCommitConverges() {
    long versionsBefore = catalog.table(CatalogTable.OBJECTS).history().count();
    ExpireJob.Result dry = expire(true, "dry-run");
    List<Row> logPacks = packsUnder("logs/");
    assertEquals(logPacks.size(), dry.deleted(), dry.toString());
    assertEquals(versionsBefore, catalog.table(CatalogTable.OBJECTS).history().count(), "a dry run commits nothing");
    for (Row p : logPacks) assertNotNull(store.head(ref(p)));

    assertThrows(IllegalStateException.class, () -> new ExpireJob(catalog, LATER, 0)
        .run(new ExpireJob.Request(List.of(), false, PriceTable.builtIn(), null), "expire-crash"));
    for (Row p : logPacks) {
      assertEquals(ObjectStoreException.Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
          () -> store.head(ref(p))).reason(), "deleted before the crash");
    }
    assertEquals(0, catalog.read(CatalogTable.OBJECTS).where(col("disposed_at").isNotNull()).count());

    ExpireJob.Result again = expire(false, "expire-2");
    assertEquals(logPacks.size(), again.deleted(), again.toString());
    assertEquals(6, again.versionsDisposed());
    assertTrue(again.problems().isEmpty(), again.problems().toString());
    for (Row p : logPacks) {
      assertEquals(ObjectStoreException.Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
          () -> store.head(keys(p))).reason(), "the key file went with its pack");
    }
    assertEquals(logPacks.size(), catalog.read(CatalogTable.PACKS).where(col("disposed_at").isNotNull()).count());
    // Nothing twice: a third run finds nothing more to delete; the audit class is untouched.
    assertEquals(0, expire(false, "expire-3").deleted());
    assertEquals(0, catalog.read(CatalogTable.OBJECTS).where(col("key").startsWith("audit/").and(col("disposed_at").isNotNull()))
        .count());
  }

  @Test
  @Order(5)
  void versionsAndRestoreReportADisposedVersionAsDisposed() {
    List<Lookup.Version> v = new Lookup(catalog.config()).versions("src-life", "logs/day-2.json");
    assertEquals(1, v.size());
    assertTrue(v.get(0).disposed());
    assertTrue(v.get(0).disposal().contains("retention ended: class short"), v.get(0).disposal());
    LakevaultException e = assertThrows(LakevaultException.class, () -> new RestoreJob(catalog, Clock.systemUTC())
        .run(new RestoreJob.Request(prefix("logs/"), dir.resolve("restored").toString(),
            io.lakevault.core.store.RestoreTier.BULK, 1, false, false, false, null, false, null, PriceTable.builtIn()),
            "restore-1"));
    assertTrue(e.getMessage().contains("disposed of when its retention ended"), e.getMessage());
  }
}
