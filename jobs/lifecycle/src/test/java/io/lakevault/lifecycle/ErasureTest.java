package io.lakevault.lifecycle;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.CatalogRebuild;
import io.lakevault.archive.VerifyJob;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.pack.PackKeyFile;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.S3Uri;
import io.lakevault.restore.RestoreJob;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasure on the local store (Object Lock and versions as S3 has them): one lake of customer profiles
 * (an erasable, encrypted class) and trade records (not erasable), archived in two runs so that a
 * profile is deduplicated against an earlier one; then requests in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ErasureTest {
  private static final String POLICY = """
      version: 1
      classes:
        profiles:
          retain: 5y
          storage-class: GLACIER_IR
          lock: COMPLIANCE
          encryption: true
          erasable: true
        records:
          retain: 7y
          storage-class: GLACIER_IR
          lock: COMPLIANCE
          encryption: true
          erasable: false
      rules:
        - id: all
          match: {bucket: [src-gdpr]}
          class: profiles
      """;
  static final String BUCKET = "src-gdpr";
  static final Instant RETAIN = Instant.now().plus(5 * 365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
  /** Another month: packs are grouped by class and retain-until month, so the held profile has a pack of its own. */
  static final Instant RETAIN_HELD = RETAIN.plus(62, ChronoUnit.DAYS);

  @TempDir static Path dir;
  static Catalog catalog;
  static LocalObjectStore store;
  static Policy policy;
  static final Map<String, byte[]> bodies = new LinkedHashMap<>();
  static final List<Row> classified = new ArrayList<>();

  @BeforeAll
  static void archive() throws Exception {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("keys.local.dir", dir.resolve("keys").toString()));
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    store = new LocalObjectStore(dir.resolve("store"));
    store.createBucket(BUCKET, true, false);
    catalog = new Catalog(SharedSpark.session(), config);
    policy = PolicyParser.parse("gdpr.yaml", POLICY.getBytes(StandardCharsets.UTF_8));
    Path policies = dir.resolve("store/lakevault-catalog/catalog/policies");
    Files.createDirectories(policies);
    Files.writeString(policies.resolve(policy.sha256() + ".yaml"), POLICY);
    Random r = new Random(21);
    for (int i = 0; i < 8; i++) source("profiles/customer-" + i + ".json", profile(r, i), "profiles", RETAIN);
    byte[] shared = profile(r, 100);
    source("profiles/dup-a.json", shared, "profiles", RETAIN);
    source("profiles/held-0.json", profile(r, 200), "profiles", RETAIN_HELD);
    for (int i = 0; i < 3; i++) source("records/trade-" + i + ".csv", profile(r, 300 + i), "records", RETAIN);
    writeClassified();
    archive("archive-1");
    // A later version with the same bytes as dup-a: archived as a reference to dup-a's entry.
    source("profiles/dup-b.json", shared, "profiles", RETAIN);
    writeClassified();
    archive("archive-2");
    assertNotNull(catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("profiles/dup-b.json"))
        .first().getAs("dedup_ref"), "dup-b is stored as a reference");
    new HoldJob(catalog, Clock.systemUTC()).place(new HoldJob.PlaceRequest("LIT-7", "litigation hold", "counsel@acme",
        prefix("profiles/held-")), "hold-1");
  }

  /** A JSON profile with a name and an email in it: personal data, distinct per customer. */
  private static byte[] profile(Random r, int i) {
    StringBuilder b = new StringBuilder("{\"customer\":" + i + ",\"name\":\"Person " + Long.toHexString(r.nextLong())
        + "\",\"email\":\"p" + i + "." + Long.toHexString(r.nextLong()) + "@example.org\",\"orders\":[");
    for (int k = 0; k < 40; k++) b.append("{\"sku\":\"SKU-").append(r.nextInt(100000)).append("\",\"qty\":").append(1 + r.nextInt(9)).append("},");
    return b.append("{}]}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void source(String key, byte[] body, String cls, Instant retainUntil) {
    ObjectMetadata m = store.put(BUCKET, key, body, PutOptions.builder().contentType("application/json").build());
    bodies.put(key, body);
    String group = cls + "/" + retainUntil.toString().substring(0, 7) + "/" + BUCKET;
    classified.add(RowFactory.create(BUCKET, key, m.versionId(), m.eTag(), m.size(), Timestamp.from(m.lastModified()), true,
        false, "STANDARD", "SSE-S3", false, null, "ARCHIVE", cls, "all", Timestamp.from(retainUntil), group, "daily",
        Timestamp.from(Instant.now()), policy.sha256(), Timestamp.from(Instant.now()), "classify-test", null));
  }

  private static void writeClassified() {
    SharedSpark.session().createDataFrame(classified, CatalogTable.CLASSIFIED.schema()).write().format("delta")
        .mode("overwrite").save(catalog.path(CatalogTable.CLASSIFIED));
  }

  private static void archive(String runId) {
    new ArchiveJob(catalog, Clock.systemUTC()).run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), runId);
  }

  private static Selector prefix(String p) {
    return new Selector(List.of(BUCKET), List.of(p), null, List.of(), List.of(), List.of(), null, null, null, null, null,
        List.of(), false);
  }

  private static Map<String, Boolean> erasable() {
    Map<String, Boolean> m = new LinkedHashMap<>();
    for (RetentionClass c : policy.classes().values()) m.put(c.name(), c.mayBeErased());
    return m;
  }

  private static EraseJob.Result erase(String request, Selector s, boolean dryRun, String runId) {
    return new EraseJob(catalog, Clock.systemUTC()).run(new EraseJob.Request(request, "GDPR Art. 17(1)(a), ticket " + request,
        "dpo@acme", s, erasable(), dryRun, null), runId);
  }

  private static Row object(String key) {
    List<Row> rows = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo(key)).collectAsList();
    return rows.isEmpty() ? null : rows.get(0);
  }

  private static Row pack(String packId) {
    return catalog.read(CatalogTable.PACKS).where(col("pack_id").equalTo(packId)).first();
  }

  private static List<ObjectVersion> keyFileVersions(Row pack) {
    S3Uri u = S3Uri.parse(pack.getAs("uri"));
    List<ObjectVersion> out = new ArrayList<>();
    for (Iterator<ObjectVersion> it = store.listVersions(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  private static byte[] read(String bucket, String key, String version) throws IOException {
    try (InputStream in = store.get(new ObjectRef(bucket, key, version))) {
      return in.readAllBytes();
    }
  }

  private static Path restore(String keyPrefix, String runId) {
    Path to = dir.resolve("restored-" + runId);
    new RestoreJob(catalog, Clock.systemUTC()).run(new RestoreJob.Request(prefix(keyPrefix), to.toString(), RestoreTier.BULK,
        1, false, false, false, null, false, null, PriceTable.builtIn()), runId);
    return to;
  }

  @Test
  @Order(1)
  void aDryRunListsWhatWouldBeErasedAndWhatIsRefusedAndChangesNothing() {
    long objects = catalog.read(CatalogTable.OBJECTS).count();
    EraseJob.Result r = erase("DSR-1", prefix("profiles/customer-3.json"), true, "dry-run");
    assertEquals(1, r.versionsErased());
    assertEquals(2, r.keysPlanned(), "its name key and its content key");
    assertEquals(List.of("s3://src-gdpr/profiles/customer-3.json (version " + object("profiles/customer-3.json")
        .getAs("version_id") + ")"), r.toErase());
    assertEquals(objects, catalog.read(CatalogTable.OBJECTS).count());
    assertFalse(catalog.exists(CatalogTable.ERASURES) && catalog.read(CatalogTable.ERASURES).count() > 0);
  }

  @Test
  @Order(2)
  void erasingOneObjectDestroysItsKeysAndItsNeighboursStillRestoreAndVerify() throws Exception {
    Row before = object("profiles/customer-3.json");
    String packId = before.getAs("pack_id");
    int ordinal = before.getAs("entry_ordinal");
    Row packBefore = pack(packId);
    EraseJob.Result r = erase("DSR-1", prefix("profiles/customer-3.json"), false, "erase-1");
    assertEquals("completed", r.state(), r.problems().toString());
    assertEquals(List.of(1L, 2L, 0L), List.of(r.versionsErased(), r.keysDestroyed(), r.contentsKept()));
    assertNotNull(r.purgeDue());
    assertEquals(null, object("profiles/customer-3.json"), "its objects row is gone");

    // The key file: a new version without the two slots, the only version left, and the one the catalog names.
    Row packAfter = pack(packId);
    assertNotEquals(packBefore.<String>getAs("key_version_id"), packAfter.<String>getAs("key_version_id"));
    List<ObjectVersion> versions = keyFileVersions(packAfter);
    assertEquals(List.of(packAfter.<String>getAs("key_version_id")), versions.stream().map(ObjectVersion::versionId).toList());
    S3Uri u = S3Uri.parse(packAfter.getAs("uri"));
    PackKeyFile kf = PackKeyFile.decode(read(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, versions.get(0).versionId()), "kf");
    assertFalse(kf.sealedKeys().containsKey((long) ordinal) || kf.sealedKeys().containsKey(PackFormat.nameSlot(ordinal)));

    // The proof: the erasure and its keys, by pack and slot; no name anywhere in them.
    Row req = catalog.read(CatalogTable.ERASURES).where(col("request_id").equalTo("DSR-1")).first();
    assertEquals("completed", req.getAs("state"));
    assertEquals("dpo@acme", req.getAs("requested_by"));
    List<Row> ev = catalog.read(CatalogTable.ERASED_VERSIONS).where(col("request_id").equalTo("DSR-1")).collectAsList();
    assertEquals(1, ev.size());
    assertEquals(List.of(packId, PackFormat.nameSlot(ordinal), (long) ordinal),
        List.of(ev.get(0).getAs("name_pack_id"), ev.get(0).getAs("name_slot"), ev.get(0).getAs("content_slot")));
    assertFalse(req.toString().contains("customer-3") || ev.toString().contains("customer-3"));

    // A restore that asks for it by its exact version is told it was erased, when and by which request.
    Selector exact = new Selector(List.of(BUCKET), List.of("profiles/customer-3.json"), null, List.of(), List.of(),
        List.of(), null, null, null, null, null, List.of(before.<String>getAs("version_id")), false);
    LakevaultException gone = assertThrows(LakevaultException.class, () -> new RestoreJob(catalog, Clock.systemUTC())
        .run(new RestoreJob.Request(exact, dir.resolve("restored-erased").toString(), RestoreTier.BULK, 1, false, false,
            false, null, false, null, PriceTable.builtIn()), "restore-erased"));
    assertTrue(gone.getMessage().contains("profiles/customer-3.json (version " + before.getAs("version_id")
        + ") was erased on ") && gone.getMessage().contains("by request DSR-1"), gone.getMessage());

    // Its neighbours restore byte for byte; the pack verifies, its erased entry counted, not a problem.
    Path restored = restore("profiles/customer-", "restore-1");
    for (int i = 0; i < 8; i++) {
      Path f = restored.resolve(BUCKET).resolve("profiles/customer-" + i + ".json");
      if (i == 3) {
        assertFalse(Files.exists(f), "the erased object is not restored");
      } else {
        assertArrayEquals(bodies.get("profiles/customer-" + i + ".json"), Files.readAllBytes(f), f.toString());
      }
    }
    VerifyJob.Result v = new VerifyJob(catalog).run(new VerifyJob.Request(List.of(packId), null, RestoreTier.BULK), "verify-1");
    assertEquals(1, v.count(VerifyJob.State.VERIFIED), v.listed().toString());

    // The raw bytes of the pack and of its key file hold neither the name nor any 16-byte run of the content.
    byte[] packBytes = read(u.bucket(), u.key(), packAfter.getAs("version_id"));
    byte[] keyBytes = read(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, versions.get(0).versionId());
    assertNoTrace(packBytes, "profiles/customer-3.json", bodies.get("profiles/customer-3.json"), "the pack");
    assertNoTrace(keyBytes, "profiles/customer-3.json", bodies.get("profiles/customer-3.json"), "the key file");
  }

  private static void assertNoTrace(byte[] hay, String name, byte[] content, String what) {
    assertTrue(indexOf(hay, name.getBytes(StandardCharsets.UTF_8)) < 0, what + " holds the erased name");
    for (int at = 0; at + 16 <= content.length; at += 4) {
      byte[] run = java.util.Arrays.copyOfRange(content, at, at + 16);
      assertTrue(indexOf(hay, run) < 0, what + " holds 16 bytes of the erased content at " + at);
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }

  @Test
  @Order(3)
  void aHeldObjectAndARecordKeptByLawAreRefusedWithTheirReasons() throws Exception {
    Row held = object("profiles/held-0.json");
    Row trade = object("records/trade-1.csv");
    String heldKeys = pack(held.getAs("pack_id")).getAs("key_version_id");
    String tradeKeys = pack(trade.getAs("pack_id")).getAs("key_version_id");
    Selector both = new Selector(List.of(BUCKET), List.of("profiles/held-0.json", "records/trade-1.csv"), null, List.of(),
        List.of(), List.of(), null, null, null, null, null, List.of(), false);
    EraseJob.Result r = erase("DSR-2", both, false, "erase-2");
    assertEquals(0, r.versionsErased());
    assertEquals(Map.of("HELD", 1L, "NOT_ERASABLE", 1L), r.refused());
    String text = String.join("\n", r.refusedExamples());
    assertTrue(text.contains("held-0.json") && text.contains("held by case LIT-7"), text);
    assertTrue(text.contains("trade-1.csv") && text.contains("class records is not erasable")
        && text.contains("retained until " + RETAIN), text);
    assertNotNull(object("profiles/held-0.json"));
    assertNotNull(object("records/trade-1.csv"));
    assertEquals(heldKeys, pack(held.getAs("pack_id")).getAs("key_version_id"));
    assertEquals(tradeKeys, pack(trade.getAs("pack_id")).getAs("key_version_id"));
  }

  @Test
  @Order(4)
  void erasingBytesAnotherObjectSharesDestroysOnlyTheName() throws Exception {
    Row a = object("profiles/dup-a.json");
    EraseJob.Result r = erase("DSR-3", prefix("profiles/dup-a.json"), false, "erase-3");
    assertEquals(List.of(1L, 1L, 1L), List.of(r.versionsErased(), r.contentsKept(), r.keysDestroyed()), r.toString());
    Path restored = restore("profiles/dup-b.json", "restore-2");
    assertArrayEquals(bodies.get("profiles/dup-b.json"), Files.readAllBytes(restored.resolve(BUCKET).resolve("profiles/dup-b.json")));
    VerifyJob.Result v = new VerifyJob(catalog).run(new VerifyJob.Request(List.of(a.<String>getAs("pack_id")), null,
        RestoreTier.BULK), "verify-2");
    assertEquals(1, v.count(VerifyJob.State.VERIFIED), v.listed().toString());

    // Once the last version reading them is erased too, the bytes go.
    EraseJob.Result last = erase("DSR-4", prefix("profiles/dup-b.json"), false, "erase-4");
    assertEquals(List.of(1L, 0L, 2L), List.of(last.versionsErased(), last.contentsKept(), last.keysDestroyed()));
    Row ev = catalog.read(CatalogTable.ERASED_VERSIONS).where(col("request_id").equalTo("DSR-4")).first();
    assertEquals(a.<String>getAs("pack_id"), ev.getAs("content_pack_id"));
    assertNotEquals(a.<String>getAs("pack_id"), ev.getAs("name_pack_id"), "dup-b's name is in its own pack");
  }

  @Test
  @Order(5)
  void aCompletedRequestIsNotRunTwiceAndAnotherSelectionUnderItsIdIsRefused() {
    EraseJob.Result again = erase("DSR-1", prefix("profiles/customer-3.json"), false, "erase-5");
    assertTrue(again.alreadyCompleted());
    assertEquals(1, again.versionsErased());
    LakevaultException e = assertThrows(LakevaultException.class,
        () -> erase("DSR-1", prefix("profiles/customer-4.json"), false, "erase-6"));
    assertTrue(e.getMessage().contains("another selection"), e.getMessage());
    assertNotNull(object("profiles/customer-4.json"));
  }

  @Test
  @Order(6)
  void aRunThatDiesAfterRewritingKeyFilesIsFinishedByTheNextRunOnce() throws Exception {
    Row before = object("profiles/customer-5.json");
    Row packBefore = pack(before.getAs("pack_id"));
    assertThrows(IllegalStateException.class, () -> new EraseJob(catalog, Clock.systemUTC(), 0).run(new EraseJob.Request(
        "DSR-5", "GDPR Art. 17(1)(a)", "dpo@acme", prefix("profiles/customer-5.json"), erasable(), false, null), "erase-7"));
    // Died after writing the new key-file version, before recording it: the catalog still names the old one,
    // which still exists, so nothing is unreadable in between.
    assertEquals(packBefore.<String>getAs("key_version_id"), pack(before.getAs("pack_id")).getAs("key_version_id"));
    assertEquals(2, keyFileVersions(packBefore).size());
    assertEquals("running", catalog.read(CatalogTable.ERASURES).where(col("request_id").equalTo("DSR-5")).first()
        .getAs("state"));

    EraseJob.Result r = erase("DSR-5", prefix("profiles/customer-5.json"), false, "erase-8");
    assertEquals("completed", r.state(), r.problems().toString());
    assertEquals(List.of(1L, 2L), List.of(r.versionsErased(), r.keysDestroyed()));
    List<ObjectVersion> left = keyFileVersions(packBefore);
    assertEquals(1, left.size(), "the crashed run's version was taken, not a third one written");
    assertEquals(left.get(0).versionId(), pack(before.getAs("pack_id")).getAs("key_version_id"));
    assertEquals(null, object("profiles/customer-5.json"));
    assertEquals(1, catalog.read(CatalogTable.ERASED_VERSIONS).where(col("request_id").equalTo("DSR-5")).count());
    S3Uri u = S3Uri.parse(packBefore.getAs("uri"));
    int ordinal = before.getAs("entry_ordinal");
    PackKeyFile kf = PackKeyFile.decode(read(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, left.get(0).versionId()), "kf");
    assertFalse(kf.sealedKeys().containsKey((long) ordinal) || kf.sealedKeys().containsKey(PackFormat.nameSlot(ordinal)));
    assertTrue(kf.sealedKeys().containsKey((long) ordinal + 1) || kf.sealedKeys().containsKey((long) ordinal - 1),
        "its neighbours' keys stay");
  }

  @Test
  @Order(7)
  void anErasedVersionIsNotArchivedAgainNorBroughtBackByARebuild() throws Exception {
    // classified still lists every version (the source still has them): the next archive run skips the erased ones.
    archive("archive-3");
    assertEquals(null, object("profiles/customer-3.json"));
    assertEquals(null, object("profiles/dup-a.json"));

    long before = catalog.read(CatalogTable.OBJECTS).count();
    // The catalog's objects and packs tables are lost; the packs are read back.
    for (String t : List.of("objects", "packs")) {
      try (var w = Files.walk(dir.resolve("store/lakevault-catalog/catalog/" + t))) {
        w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    CatalogRebuild.Result rebuilt = new CatalogRebuild(catalog).run("s3://lakevault-archive/packs/", "rebuild-1",
        RestoreTier.BULK);
    assertTrue(rebuilt.unreadable().isEmpty(), rebuilt.unreadable().toString());
    assertEquals(4, rebuilt.erased(), "customer-3, customer-5, dup-a and dup-b's reference");
    assertEquals(before, catalog.read(CatalogTable.OBJECTS).count());
    assertEquals(null, object("profiles/customer-3.json"));
    assertEquals(null, object("profiles/dup-b.json"));
  }

  /**
   * Issue 21: {@code catalog purge} after the requests above. classified's history still has the erased
   * versions' rows (the objects table was rebuilt above, so its history has none; ArchiveProcessTest and
   * the unit tests cover objects' own history), and the purge leaves no trace of them in any catalog file.
   */
  @Test
  @Order(8)
  void aPurgeLeavesNoFileOfTheCatalogNamingAnErasedObjectAndTimeTravelLosesExactlyItsRows() throws Exception {
    List<String> erased = List.of("profiles/customer-3.json", "profiles/customer-5.json", "profiles/dup-a.json",
        "profiles/dup-b.json");
    String classifiedPath = catalog.path(CatalogTable.CLASSIFIED);
    long latest = io.delta.tables.DeltaTable.forPath(SharedSpark.session(), classifiedPath).history(1).first()
        .<Long>getAs("version");
    long[] expected = new long[(int) latest + 1];
    long erasedRows = 0;
    for (int v = 0; v <= latest; v++) {
      var d = SharedSpark.session().read().format("delta").option("versionAsOf", v).load(classifiedPath);
      long gone = d.where(col("key").isin(erased.toArray())).count();
      expected[v] = d.count() - gone;
      erasedRows += gone;
    }
    assertTrue(erasedRows >= 4, "classified's history holds the erased versions before the purge");
    long objects = catalog.read(CatalogTable.OBJECTS).count();
    // The executors' fingerprint (PurgePlanner) is the one Spark wrote into erased_versions.
    Row lit = SharedSpark.session().sql("SELECT 'src-gdpr' b, 'profiles/k\u00e9' k, CAST(NULL AS STRING) v")
        .select(io.lakevault.spark.lifecycle.ErasedVersions.sha256(col("b"), col("k"), col("v"))).first();
    assertEquals(io.lakevault.core.lifecycle.PurgePlanner.versionSha256("src-gdpr", "profiles/k\u00e9", null), lit.getString(0));

    PurgeJob.Result plan = purge(true, "purge-dry");
    // DSR-2 erased nothing (both refused) but is completed: its purge is a no-op that still closes it.
    assertEquals(java.util.Set.of("DSR-1", "DSR-2", "DSR-3", "DSR-4", "DSR-5"),
        plan.requests().stream().map(io.lakevault.core.lifecycle.PurgePlanner.Finished::requestId)
            .collect(java.util.stream.Collectors.toSet()));
    assertEquals(0, plan.late());
    assertTrue(plan.tables().stream().anyMatch(t -> t.table().equals("classified") && t.filesRewritten() > 0), plan.toString());
    long stillThere = 0;
    for (int v = 0; v <= latest; v++) {
      stillThere += SharedSpark.session().read().format("delta").option("versionAsOf", v).load(classifiedPath)
          .where(col("key").isin(erased.toArray())).count();
    }
    assertEquals(erasedRows, stillThere, "a dry run changes nothing");
    assertEquals(5, catalog.read(CatalogTable.ERASURES).where(col("purged_at").isNull().and(col("state").equalTo("completed")))
        .count());

    PurgeJob.Result r = purge(false, "purge-1");
    assertEquals(5, r.requests().size());
    assertEquals(4, r.versions());
    assertEquals(erasedRows, r.tables().stream().filter(t -> t.table().equals("classified")).findFirst().orElseThrow()
        .rowsRemoved(), r.toString());
    // Every version of the table reads, less exactly the erased rows; the current tables read as before.
    for (int v = 0; v <= latest; v++) {
      var d = SharedSpark.session().read().format("delta").option("versionAsOf", v).load(classifiedPath);
      assertEquals(expected[v], d.count(), "version " + v);
      assertEquals(0, d.where(col("key").isin(erased.toArray())).count());
      assertEquals(expected[v], d.collectAsList().size(), "version " + v + " read row by row");
    }
    assertEquals(objects, catalog.read(CatalogTable.OBJECTS).count());
    assertEquals(0, catalog.read(CatalogTable.ERASURES).where(col("purged_at").isNull()).count());
    assertTrue(purge(false, "purge-2").requests().isEmpty(), "nothing is purged twice");

    // No file under the catalog names an erased object or holds 16 bytes of one, raw or decoded.
    Path cat = dir.resolve("store/lakevault-catalog/catalog");
    int files = 0;
    try (var w = Files.walk(cat)) {
      for (Path f : w.filter(Files::isRegularFile).toList()) {
        files++;
        byte[] raw = Files.readAllBytes(f);
        String decoded = f.toString().endsWith(".parquet") ? parquetText(f) : "";
        for (String k : erased) {
          assertNoTrace(raw, k, bodies.get(k), cat.relativize(f).toString());
          assertFalse(decoded.contains(k), cat.relativize(f) + " names " + k + " in its decoded rows");
        }
      }
    }
    assertTrue(files > 100, "searched " + files + " files");
    // Its neighbours still restore after the purge rewrote the catalog's files.
    Path restored = restore("profiles/customer-", "restore-3");
    assertArrayEquals(bodies.get("profiles/customer-4.json"),
        Files.readAllBytes(restored.resolve(BUCKET).resolve("profiles/customer-4.json")));
  }

  private static PurgeJob.Result purge(boolean dryRun, String runId) {
    return new PurgeJob(catalog, Clock.systemUTC()).run(new PurgeJob.Request(dryRun, null), runId);
  }

  /** Every value of every row of a Parquet file, as text (a compressed page hides names from a raw search). */
  private static String parquetText(Path f) throws IOException {
    StringBuilder b = new StringBuilder();
    try (var r = org.apache.parquet.hadoop.ParquetReader.builder(new org.apache.parquet.hadoop.example.GroupReadSupport(),
        new org.apache.hadoop.fs.Path(f.toUri())).build()) {
      for (var g = r.read(); g != null; g = r.read()) b.append(g).append('\n');
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("cannot decode " + f + " (" + Files.size(f) + " bytes): " + e, e);
    }
    return b.toString();
  }
}
