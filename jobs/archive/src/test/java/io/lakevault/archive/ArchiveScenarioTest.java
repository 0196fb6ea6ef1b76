package io.lakevault.archive;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Uri;
import io.lakevault.spark.HadoopConf;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive job on hand-made classifications, one situation each: duplicates, sources that changed
 * under the job, crashes at each stage and the run after them, a missing key.
 */
class ArchiveScenarioTest {
  private static final AtomicInteger N = new AtomicInteger();
  private static final String POLICY = """
      version: 1
      classes:
        keep-2y:
          retain: 2y
          storage-class: DEEP_ARCHIVE
          lock: COMPLIANCE
          encryption: true
          pack-size: 5 MiB
      rules:
        - id: all
          match: {bucket: [src-a, src-b, src-plain]}
          class: keep-2y
      """;
  static final PackTask.Tuning TUNING = new PackTask.Tuning(4, 3, 1L << 20, 256L << 10, 5L << 20, 2000, 8L << 20, 1000, -1);

  @TempDir Path dir;
  Catalog catalog;
  LocalObjectStore store;
  Policy policy;
  final List<Row> classified = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("keys.local.dir", dir.resolve("keys").toString(),
        "catalog.uri", "s3://cat/c" + N.incrementAndGet()));
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    catalog = new Catalog(SharedSpark.session(), config);
    store = new LocalObjectStore(dir.resolve("store"));
    store.createBucket("src-a", true, false);
    store.createBucket("src-b", true, false);
    byte[] bytes = POLICY.getBytes(StandardCharsets.UTF_8);
    policy = PolicyParser.parse("scenario.yaml", bytes);
    Path policies = dir.resolve("store/cat/c" + N.get() + "/policies");
    Files.createDirectories(policies);
    Files.write(policies.resolve(policy.sha256() + ".yaml"), bytes);
  }

  /** Puts an object and records its classification, as the inventory and classify jobs would. */
  private ObjectMetadata source(String bucket, String key, byte[] content) {
    return source(bucket, key, content, Instant.now().plus(730, ChronoUnit.DAYS));
  }

  /** The same, kept until {@code until}. */
  private ObjectMetadata source(String bucket, String key, byte[] content, Instant until) {
    ObjectMetadata m = store.put(bucket, key, content, PutOptions.builder().contentType("application/json")
        .userMetadata("origin", "scenario").build());
    String month = until.toString().substring(0, 7);
    classified.add(RowFactory.create(bucket, key, m.versionId(), m.eTag(), (long) content.length,
        Timestamp.from(m.lastModified()), true, false, "STANDARD", "SSE-S3", false, null, "ARCHIVE", "keep-2y", "all",
        Timestamp.from(until), "keep-2y/" + month + "/" + bucket, "daily", Timestamp.from(Instant.now()), policy.sha256(),
        Timestamp.from(Instant.now()), "classify-test", null));
    return m;
  }

  private void writeClassified() {
    SharedSpark.session().createDataFrame(classified, CatalogTable.CLASSIFIED.schema()).write().format("delta")
        .mode("overwrite").save(catalog.path(CatalogTable.CLASSIFIED));
  }

  private ArchiveResult archive(String runId, PackTask.Tuning tuning) {
    return new ArchiveJob(catalog, Clock.systemUTC(), tuning)
        .run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), runId);
  }

  private static byte[] json(Random r, int records) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < records; i++) {
      sb.append("{\"trade\":").append(r.nextInt(1_000_000)).append(",\"sym\":\"ACME\",\"px\":").append(r.nextInt(10000))
          .append("}\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Runs the job with a crash armed by {@code arm}; it must fail. */
  private void crash(String runId, java.util.function.Consumer<ArchiveJob> arm) {
    ArchiveJob crashing = new ArchiveJob(catalog, Clock.systemUTC(), TUNING);
    arm.accept(crashing);
    assertThrows(IllegalStateException.class,
        () -> crashing.run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), runId));
  }

  private void assertEveryPackLocked() {
    for (Row p : catalog.read(CatalogTable.PACKS).collectAsList()) {
      S3Uri u = S3Uri.parse(p.getAs("uri"));
      assertEquals(io.lakevault.core.store.ObjectLockMode.COMPLIANCE,
          store.head(new ObjectRef(u.bucket(), u.key(), null)).lockMode(), u.toString());
    }
  }

  /** The pack notes of a run (all runs for ""), as keys under the catalog's journal folder. */
  private List<String> notes(String run) {
    List<String> keys = new ArrayList<>();
    String prefix = "c" + N.get() + "/staging/archive-packs/" + run;
    if (!store.bucketExists("cat")) return keys;
    store.list("cat", prefix).forEachRemaining(v -> keys.add(v.key()));
    return keys;
  }

  private List<String> packFiles() {
    List<String> keys = new ArrayList<>();
    if (!store.bucketExists("lakevault-archive")) return keys;
    Iterator<ObjectVersion> it = store.listVersions("lakevault-archive", "packs/");
    while (it.hasNext()) {
      ObjectVersion v = it.next();
      if (!v.isDeleteMarker()) keys.add(v.key());
    }
    return keys;
  }

  private void assertEveryObjectReadsBack() throws Exception {
    Map<String, String> uris = new java.util.HashMap<>();
    for (Row p : catalog.read(CatalogTable.PACKS).collectAsList()) uris.put(p.getAs("pack_id"), p.getAs("uri"));
    var kek = new LocalKeyRing(dir.resolve("keys")).resolve("local:default");
    for (Row o : catalog.read(CatalogTable.OBJECTS).collectAsList()) {
      S3Uri u = S3Uri.parse(uris.get(o.<String>getAs("pack_id")));
      ObjectRef pack = new ObjectRef(u.bucket(), u.key(), null);
      store.requestRestore(pack, 1, io.lakevault.core.store.RestoreTier.BULK);
      PackReader r = PackReader.open(RangeSource.of(store, pack), u.toString());
      byte[] keys;
      try (var in = store.get(new ObjectRef(u.bucket(), u.key() + ".keys", null))) {
        keys = in.readAllBytes();
      }
      r.withKeys(io.lakevault.core.pack.PackKeyFile.decode(keys, "keys"), kek);
      PackEntry e = r.entries().get(o.<Integer>getAs("entry_ordinal"));
      byte[] expected;
      try (var in = store.get(new ObjectRef(o.getAs("bucket"), o.getAs("key"), o.getAs("version_id")))) {
        expected = in.readAllBytes();
      }
      assertArrayEquals(expected, r.readEntry(e), o.toString());
    }
  }

  @Test
  void duplicatesAreStoredOnceAndReferenced() throws Exception {
    Random r = new Random(1);
    byte[] same = json(r, 2000);
    source("src-a", "day1/trades.json", same);
    source("src-a", "day1/copy-of-trades.json", same);
    source("src-a", "day1/other.json", json(r, 500));
    writeClassified();
    ArchiveResult first = archive("archive-1", TUNING);
    assertEquals(1, first.classes().get(0).references(), "the copy within the run is a reference");
    // Keys are packed in order: "copy-of-trades" comes first and holds the bytes; "trades" refers to it.
    Row orig = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("day1/copy-of-trades.json")).first();
    Row copy = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("day1/trades.json")).first();
    assertNotNull(copy.getAs("dedup_ref"));
    assertNull(orig.getAs("dedup_ref"));
    assertEquals(orig.<String>getAs("pack_id"), copy.getAs("pack_id"));
    assertEquals(orig.<Integer>getAs("entry_ordinal"), copy.getAs("entry_ordinal"));
    assertEquals(orig.<String>getAs("sha256"), copy.getAs("sha256"));

    // A later copy, in another run, refers to the entry archived by the first.
    source("src-a", "day2/trades-again.json", same);
    writeClassified();
    ArchiveResult second = archive("archive-2", TUNING);
    assertEquals(1, second.objects());
    assertEquals(1, second.classes().get(0).references());
    Row again = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("day2/trades-again.json")).first();
    assertEquals(orig.<String>getAs("pack_id"), again.getAs("pack_id"));
    String[] ref = again.<String>getAs("dedup_ref").split("#");
    assertFalse(ref[0].equals(orig.getAs("pack_id")), "the reference record is in the new run's pack");
    assertEquals(0, catalog.read(CatalogTable.OBJECTS).where(col("content_key").isNull()).count(),
        "every row archived has its content key");

    // Rows archived before objects had content_key (NULL there) are still found by their own columns.
    io.delta.tables.DeltaTable.forPath(catalog.spark(), catalog.path(CatalogTable.OBJECTS))
        .update(Map.of("content_key", org.apache.spark.sql.functions.lit(null).cast("long")));
    source("src-a", "day3/trades-third.json", same);
    writeClassified();
    ArchiveResult third = archive("archive-3", TUNING);
    assertEquals(1, third.objects());
    assertEquals(1, third.classes().get(0).references(), "found among rows without a content key");
    Row thrice = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("day3/trades-third.json")).first();
    assertEquals(orig.<String>getAs("pack_id"), thrice.getAs("pack_id"));
    assertEveryObjectReadsBack();
  }

  /**
   * Defect 2 of issue 19: a copy that must be kept longer than the bytes it refers to extends their pack's
   * lock, and its key file's, to its own retain-until (and {@code packs.retain_until} with it); a copy kept
   * for less leaves the lock as it is.
   */
  @Test
  void aReferenceKeptLongerExtendsTheLockOfThePackItPointsAt() throws Exception {
    Random r = new Random(9);
    byte[] same = json(r, 1500);
    Instant first = Instant.now().plus(730, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
    source("src-a", "2032/trades.json", same, first);
    writeClassified();
    archive("archive-1", TUNING);
    Row bytes = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("2032/trades.json")).first();
    Row pack = catalog.read(CatalogTable.PACKS).where(col("pack_id").equalTo(bytes.getAs("pack_id"))).first();
    S3Uri u = S3Uri.parse(pack.getAs("uri"));
    ObjectRef packRef = new ObjectRef(u.bucket(), u.key(), pack.getAs("version_id"));
    ObjectRef keyRef = new ObjectRef(u.bucket(), u.key() + ".keys", pack.getAs("key_version_id"));
    assertNotNull(pack.getAs("key_version_id"), "the key file's version is cataloged");
    assertEquals(first, store.head(packRef).lockRetainUntil());
    assertEquals(io.lakevault.core.store.ObjectLockMode.GOVERNANCE, store.head(keyRef).lockMode(), "the key file is locked");
    assertEquals(first, store.head(keyRef).lockRetainUntil());

    // Three years later: the same bytes under a later retain-until, in another month's group.
    Instant later = first.plus(1095, ChronoUnit.DAYS);
    source("src-a", "2035/trades-again.json", same, later);
    writeClassified();
    ArchiveResult second = archive("archive-2", TUNING);
    assertEquals(1, second.classes().get(0).references(), "still stored once");
    Row again = catalog.read(CatalogTable.OBJECTS).where(col("key").equalTo("2035/trades-again.json")).first();
    assertEquals(bytes.<String>getAs("pack_id"), again.getAs("pack_id"));
    assertEquals(later, store.head(packRef).lockRetainUntil(), "the referenced pack is kept as long as the reference");
    assertEquals(io.lakevault.core.store.ObjectLockMode.COMPLIANCE, store.head(packRef).lockMode());
    assertEquals(later, store.head(keyRef).lockRetainUntil(), "and its key file");
    assertEquals(later, catalog.read(CatalogTable.PACKS).where(col("pack_id").equalTo(bytes.getAs("pack_id"))).first()
        .<Timestamp>getAs("retain_until").toInstant(), "packs.retain_until says so");

    // A copy kept for less changes nothing; every lock is still at least what refers to it.
    source("src-b", "2033/trades-short.json", same, first.plus(10, ChronoUnit.DAYS));
    writeClassified();
    archive("archive-3", TUNING);
    assertEquals(later, store.head(packRef).lockRetainUntil());
    for (Row o : catalog.read(CatalogTable.OBJECTS).collectAsList()) {
      Row p = catalog.read(CatalogTable.PACKS).where(col("pack_id").equalTo(o.getAs("pack_id"))).first();
      S3Uri pu = S3Uri.parse(p.getAs("uri"));
      Instant lock = store.head(new ObjectRef(pu.bucket(), pu.key(), p.getAs("version_id"))).lockRetainUntil();
      assertFalse(lock.isBefore(o.<Timestamp>getAs("retain_until").toInstant()), o + " outlives its bytes' lock " + lock);
    }
    assertEveryObjectReadsBack();
  }

  @Test
  void sourcesThatChangedOrVanishedAreSkippedNotArchivedWrong() throws Exception {
    Random r = new Random(2);
    source("src-a", "stable.json", json(r, 100));
    ObjectMetadata gone = source("src-a", "deleted.json", json(r, 100));
    source("src-b", "overwritten.json", json(r, 100));
    // Versioning off: the inventory lists the null version, which an overwrite replaces.
    store.createBucket("src-plain", false, false);
    ObjectMetadata plain = source("src-plain", "replaced.json", json(r, 100));
    assertEquals("null", plain.versionId());
    writeClassified();
    store.delete(gone.ref());  // the version is removed for good after the inventory
    store.put("src-b", "overwritten.json", json(r, 120), PutOptions.defaults());
    store.put("src-plain", "replaced.json", json(r, 100), PutOptions.defaults());
    // The inventory listed the overwritten object's first version; its version id still reads it, so
    // simulate an unversioned overwrite: classify the current version under the old ETag.
    Row old = classified.remove(2);
    ObjectMetadata now = store.head(ObjectRef.of("src-b", "overwritten.json"));
    Object[] v = new Object[old.length()];
    for (int i = 0; i < v.length; i++) v[i] = old.get(i);
    v[2] = now.versionId();
    classified.add(RowFactory.create(v));
    writeClassified();
    ArchiveResult result = archive("archive-1", TUNING);
    assertEquals(1, result.objects());
    assertEquals(3, result.skipped());
    assertTrue(result.skipReasons().keySet().stream().anyMatch(s -> s.startsWith("gone since the inventory")),
        result.skipReasons().toString());
    assertTrue(result.skipReasons().keySet().stream().anyMatch(s -> s.startsWith("changed since the inventory")),
        result.skipReasons().toString());
    // The replaced null version was refused by its GET's If-Match, before any byte was read.
    assertTrue(result.skippedExamples().stream().anyMatch(k -> k.toString().contains("replaced.json")
        && k.toString().contains("(If-Match)")), result.skippedExamples().toString());
    assertEquals(List.of("stable.json"), catalog.read(CatalogTable.OBJECTS).select("key").as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  /**
   * Bytes that went bad where they are stored, ETag and length unchanged: only the MD5 of what was read
   * tells, and only with archive.verify-source-md5 on (off by default: docs/archive.md).
   */
  @Test
  void withSourceMd5OnBytesThatDoNotMatchTheirETagAreSkipped() throws Exception {
    Random r = new Random(4);
    source("src-a", "sound.json", json(r, 100));
    source("src-a", "rotten.json", json(r, 100));
    writeClassified();
    Path file = store.livePath("src-a", "rotten.json");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x20;
    Files.write(file, bytes);
    LakevaultConfig md5 = SharedSpark.localConfig(dir, Map.of("keys.local.dir", dir.resolve("keys").toString(),
        "catalog.uri", "s3://cat/c" + N.get(), "archive.verify-source-md5", "true"));
    ArchiveResult result = new ArchiveJob(new Catalog(SharedSpark.session(), md5), Clock.systemUTC(), TUNING)
        .run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), "archive-md5");
    assertEquals(1, result.objects());
    assertEquals(1, result.skipped());
    assertTrue(result.skippedExamples().get(0).reason().contains("does not match its ETag"), result.skippedExamples().toString());
    assertEquals(List.of("sound.json"), catalog.read(CatalogTable.OBJECTS).select("key").as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  @Test
  void aCrashAfterStagingIsCommittedByTheNextRun() throws Exception {
    Random r = new Random(3);
    for (int i = 0; i < 20; i++) source(i % 2 == 0 ? "src-a" : "src-b", "k" + i + ".json", json(r, 50 + i));
    writeClassified();
    crash("archive-crashed", job -> job.afterStaging = () -> {
      throw new IllegalStateException("driver lost (test)");
    });
    assertEquals(0, catalog.read(CatalogTable.OBJECTS).count(), "nothing committed before the crash");
    List<String> written = packFiles();
    assertFalse(written.isEmpty());

    ArchiveResult next = archive("archive-next", TUNING);
    assertEquals(List.of("archive-crashed"), next.housekeeping().recoveredRuns());
    assertEquals(0, next.packs(), "the recovered run's packs are used, none written again");
    assertEquals(20, catalog.read(CatalogTable.OBJECTS).count());
    assertEquals(written, packFiles(), "no pack removed, none added");
    assertEveryPackLocked();
    assertEveryObjectReadsBack();
  }

  @Test
  void aRunCommittedAgainAfterACrashAddsNothing() throws Exception {
    Random r = new Random(5);
    for (int i = 0; i < 12; i++) source("src-a", "c" + i + ".json", json(r, 40 + i));
    writeClassified();
    crash("archive-committed", job -> job.afterCommit = () -> {
      throw new IllegalStateException("driver lost after the commit (test)");
    });
    long packs = catalog.read(CatalogTable.PACKS).count();
    assertEquals(12, catalog.read(CatalogTable.OBJECTS).count(), "committed before the crash");

    // The staging folder is still there, so the next run commits the same run again: Delta skips both appends.
    ArchiveResult next = archive("archive-after", TUNING);
    assertEquals(List.of("archive-committed"), next.housekeeping().recoveredRuns());
    assertEquals(0, next.objects());
    assertEquals(12, catalog.read(CatalogTable.OBJECTS).count());
    assertEquals(12, catalog.read(CatalogTable.OBJECTS).select("bucket", "key", "version_id").distinct().count());
    assertEquals(packs, catalog.read(CatalogTable.PACKS).count());
    assertEveryPackLocked(); // the crash came before the locks: the recovered run applies them
    assertEveryObjectReadsBack();
  }

  @Test
  void aCrashWhileWritingLeavesOrphansTheNextRunRemoves() throws Exception {
    Random r = new Random(4);
    for (int i = 0; i < 20; i++) source(i % 2 == 0 ? "src-a" : "src-b", "k" + i + ".json", json(r, 50 + i));
    writeClassified();
    assertThrows(Exception.class, () -> archive("archive-crashed", TUNING.crashingAfter(1)));
    assertEquals(0, catalog.read(CatalogTable.OBJECTS).count());
    List<String> orphans = packFiles();
    assertFalse(orphans.isEmpty(), "the crashed task uploaded a pack");
    assertFalse(notes("archive-crashed").isEmpty(), "each pack is noted before its upload");
    // And a multipart upload that a lost executor left dangling.
    store.startMultipartUpload("lakevault-archive", "packs/keep-2y/2030-01/src-a/dangling.lvp", PutOptions.defaults());

    ArchiveResult next = archive("archive-next", TUNING);
    assertEquals(orphans.size(), next.housekeeping().orphanPacks().size(), next.housekeeping().toString());
    assertEquals(1, next.housekeeping().abortedUploads().size());
    assertTrue(store.listMultipartUploads("lakevault-archive", "").isEmpty());
    assertEquals(20, catalog.read(CatalogTable.OBJECTS).count(), "everything archived once");
    assertEquals(20, catalog.read(CatalogTable.OBJECTS).select("bucket", "key").distinct().count());
    for (String o : orphans) assertFalse(packFiles().contains(o), o + " was removed");
    assertEquals(catalog.read(CatalogTable.PACKS).count() * 2, packFiles().size(), "each cataloged pack and its key file");
    assertTrue(notes("").isEmpty(), "no notes left: " + notes(""));
    assertEveryObjectReadsBack();
  }

  /**
   * Defect 5 of issue 19: a note cut short by a kill (as notes written in place were) stopped every later
   * run. Now the next run finds the pack by its id, deletes it, and drops the note; a writer's leftover
   * temporary is skipped.
   */
  @Test
  void aDamagedNoteIsResolvedByTheNextRunNotLeftToAnOperator() throws Exception {
    Random r = new Random(5);
    for (int i = 0; i < 20; i++) source(i % 2 == 0 ? "src-a" : "src-b", "d" + i + ".json", json(r, 50 + i));
    writeClassified();
    assertThrows(Exception.class, () -> archive("archive-killed", TUNING.crashingAfter(1)));
    List<String> orphans = packFiles();
    assertFalse(orphans.isEmpty(), "the crashed task uploaded a pack");
    Path runNotes = dir.resolve("store/cat/c" + N.get() + "/staging/archive-packs/archive-killed");
    List<Path> noted;
    try (var s = Files.list(runNotes)) {
      noted = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
    assertFalse(noted.isEmpty());
    for (Path note : noted) {
      String text = Files.readString(note);
      assertTrue(text.matches("keep-2y\ts3://lakevault-archive/packs/.*/" + note.getFileName() + "\\.lvp\n"), text);
      // Every note cut where a kill may cut it: mid-URI, or before any byte.
      Files.writeString(note, note.equals(noted.get(0)) ? "" : text.substring(0, text.length() / 2));
      Files.deleteIfExists(runNotes.resolve("." + note.getFileName() + ".crc"));
    }
    Files.writeString(runNotes.resolve(".left-by-a-killed-writer.tmp"), "keep-2y\ts3://lakev");

    ArchiveResult next = archive("archive-after", TUNING);
    assertTrue(next.housekeeping().orphanPacks().containsAll(orphans.stream().map(o -> "s3://lakevault-archive/" + o).toList()),
        next.housekeeping().toString());
    for (String o : orphans) assertFalse(packFiles().contains(o), o + " was removed");
    assertEquals(20, catalog.read(CatalogTable.OBJECTS).count(), "everything archived once");
    assertEquals(catalog.read(CatalogTable.PACKS).count() * 2, packFiles().size(), "each cataloged pack and its key file");
    assertTrue(notes("").isEmpty(), "no notes left: " + notes(""));
    assertFalse(Files.exists(runNotes), "the run's notes folder, temporaries and all, is gone");
    assertEveryObjectReadsBack();
  }

  /**
   * Defect 3 of issue 19: a run while another holds the catalog's lease is refused before it writes; a
   * run whose lease was taken over (it stalled past the timeout) stops before its commit, and what it
   * staged is committed by the next run, once.
   */
  @Test
  void oneWriterAtATimeARefusedRunWritesNothingAndARunThatLostItsLeaseDoesNotCommit() throws Exception {
    Random r = new Random(8);
    for (int i = 0; i < 10; i++) source("src-a", "l" + i + ".json", json(r, 40 + i));
    writeClassified();
    String catalogUri = catalog.config().get(Settings.CATALOG_URI);
    try (var other = io.lakevault.core.lease.RunLease.acquire(store, catalogUri, "archive-elsewhere", "archive",
        Clock.systemUTC(), java.time.Duration.ofMinutes(10))) {
      LakevaultException busy = assertThrows(LakevaultException.class, () -> archive("archive-second", TUNING));
      assertEquals(io.lakevault.core.ErrorKind.BUSY, busy.kind());
      assertTrue(busy.getMessage().contains("run archive-elsewhere (archive)"), busy.getMessage());
      assertTrue(packFiles().isEmpty() && notes("").isEmpty(), "the refused run wrote no pack and no note");
      assertFalse(catalog.exists(CatalogTable.OBJECTS) && catalog.read(CatalogTable.OBJECTS).count() > 0);
    }

    // A run whose lease another run takes over while it writes packs (a lease file rewritten as another's).
    LakevaultException lost = assertThrows(LakevaultException.class, () -> {
      ArchiveJob stalling = new ArchiveJob(catalog, Clock.systemUTC(), TUNING);
      stalling.afterStaging = () -> store.put("cat", "c" + N.get() + "/" + io.lakevault.core.lease.RunLease.FILE,
          ("{\"run_id\":\"archive-taker\",\"job\":\"archive\",\"host\":\"h\",\"pid\":1,\"started_at\":\"" + Instant.now()
              + "\",\"heartbeat_at\":\"" + Instant.now() + "\",\"timeout_seconds\":600}").getBytes(StandardCharsets.UTF_8),
          PutOptions.defaults());
      stalling.run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), "archive-stalled");
    });
    assertEquals(io.lakevault.core.ErrorKind.BUSY, lost.kind());
    assertTrue(lost.getMessage().contains("stopped before it could commit") && lost.getMessage().contains("archive-taker"),
        lost.getMessage());
    assertFalse(catalog.exists(CatalogTable.OBJECTS) && catalog.read(CatalogTable.OBJECTS).count() > 0, "nothing committed");
    assertEquals("archive-taker", io.lakevault.core.lease.RunLease.holder(store, catalogUri).runId(),
        "the run that lost the lease left the taker's lease alone");

    // The taker ends; the next run commits what the stalled run staged.
    store.put("cat", "c" + N.get() + "/" + io.lakevault.core.lease.RunLease.FILE,
        ("{\"run_id\":\"archive-taker\",\"job\":\"archive\",\"host\":\"h\",\"pid\":1,\"started_at\":\"" + Instant.now()
            + "\",\"heartbeat_at\":\"" + Instant.now() + "\",\"timeout_seconds\":600,\"released_at\":\"" + Instant.now() + "\"}")
            .getBytes(StandardCharsets.UTF_8), PutOptions.defaults());
    ArchiveResult next = archive("archive-next", TUNING);
    assertEquals(List.of("archive-stalled"), next.housekeeping().recoveredRuns());
    assertEquals(10, catalog.read(CatalogTable.OBJECTS).count(), "everything archived once");
    assertEquals(catalog.read(CatalogTable.PACKS).count() * 2, packFiles().size(), "each cataloged pack and its key file");
    assertTrue(notes("").isEmpty(), "no notes left: " + notes(""));
    assertEveryPackLocked();
    assertEveryObjectReadsBack();
  }

  /**
   * Defect 6 of issue 19: a lock that fails (here the bucket refuses retention for a while) is reported as
   * unlocked, not fatal; the run keeps its staging, and the next run retries the lock and it holds.
   */
  @Test
  void aLockThatFailsIsReportedAndRetriedByTheNextRunNotFatal() throws Exception {
    Random r = new Random(12);
    for (int i = 0; i < 6; i++) source("src-a", "u" + i + ".json", json(r, 40));
    writeClassified();
    java.nio.file.Path settings = dir.resolve("store/.lakevault-store/buckets/lakevault-archive.json");
    ArchiveJob refused = new ArchiveJob(catalog, Clock.systemUTC(), TUNING);
    refused.afterCommit = () -> {
      try {
        Files.writeString(settings, "{\"versioning\":true,\"objectLock\":false}");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    ArchiveResult first = refused.run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), "archive-unlocked");
    assertTrue(first.unlockedPacks() > 0, first.toString());
    assertTrue(first.lockProblems().stream().anyMatch(p -> p.startsWith("unlocked: ")), first.lockProblems().toString());
    assertEquals(6, catalog.read(CatalogTable.OBJECTS).count(), "cataloged all the same");
    for (Row p : catalog.read(CatalogTable.PACKS).collectAsList()) {
      S3Uri u = S3Uri.parse(p.getAs("uri"));
      assertNull(store.head(new ObjectRef(u.bucket(), u.key(), null)).lockMode(), "not locked yet");
    }

    Files.writeString(settings, "{\"versioning\":true,\"objectLock\":true}");
    ArchiveResult next = archive("archive-after-unlocked", TUNING);
    assertEquals(List.of("archive-unlocked"), next.housekeeping().recoveredRuns(), "the next run retried the locks");
    assertEquals(0, next.unlockedPacks());
    assertEquals(6, catalog.read(CatalogTable.OBJECTS).count(), "nothing twice");
    assertEveryPackLocked();
    ArchiveResult third = archive("archive-third", TUNING);
    assertTrue(third.housekeeping().recoveredRuns().isEmpty(), "retried until it held, then no more");
  }

  /** Defect 6 of issue 19: a target without versions, or without Object Lock for a class that locks, is refused before any write. */
  @Test
  void aTargetThatCannotProtectPacksIsRefusedBeforeAnythingIsWritten() throws Exception {
    Random r = new Random(10);
    for (int i = 0; i < 4; i++) source("src-a", "t" + i + ".json", json(r, 30));
    writeClassified();
    store.createBucket("lakevault-archive", false, false);
    LakevaultException e = assertThrows(LakevaultException.class, () -> archive("archive-unversioned", TUNING));
    assertEquals(io.lakevault.core.ErrorKind.USAGE, e.kind());
    assertTrue(e.getMessage().contains("archive bucket lakevault-archive does not keep versions")
        && e.getMessage().contains("put-bucket-versioning --bucket lakevault-archive"), e.getMessage());
    assertTrue(packFiles().isEmpty() && notes("").isEmpty(), "nothing written");

    java.nio.file.Path settings = dir.resolve("store/.lakevault-store/buckets/lakevault-archive.json");
    Files.createDirectories(settings.getParent());
    Files.writeString(settings, "{\"versioning\":true,\"objectLock\":false}");
    e = assertThrows(LakevaultException.class, () -> archive("archive-unlocked", TUNING));
    assertTrue(e.getMessage().contains("class keep-2y locks its packs (lock: COMPLIANCE) but archive bucket lakevault-archive"
        + " has no Object Lock"), e.getMessage());
    assertTrue(packFiles().isEmpty() && notes("").isEmpty(), "nothing written");
    assertFalse(catalog.exists(CatalogTable.OBJECTS) && catalog.read(CatalogTable.OBJECTS).count() > 0);
  }

  @Test
  void aPackOfAFailedTaskAttemptIsRemovedWhenItsRunCompletes() throws Exception {
    Random r = new Random(6);
    for (int i = 0; i < 6; i++) source("src-a", "f" + i + ".json", json(r, 30 + i));
    writeClassified();
    // What a task attempt that failed after uploading leaves in a run that Spark then completes with a retry:
    // a noted pack that no staged row names.
    store.createBucket("lakevault-archive", true, true);
    String lost = "packs/keep-2y/2030-01/src-a/0b5c2e1e-0000-4000-8000-000000000001.lvp";
    store.put("lakevault-archive", lost, new byte[] {1, 2, 3}, PutOptions.defaults());
    store.put("lakevault-archive", lost + ".keys", new byte[] {4}, PutOptions.defaults());
    new PackJournal(catalog.locations().hadoopPath(catalog.config().get(Settings.CATALOG_URI) + PackJournal.FOLDER),
        new HadoopConf(SharedSpark.session().sparkContext().hadoopConfiguration()))
        .note("archive-retried", "0b5c2e1e-0000-4000-8000-000000000001", "keep-2y", "s3://lakevault-archive/" + lost);

    ArchiveResult result = archive("archive-retried", TUNING);
    assertEquals(List.of("s3://lakevault-archive/" + lost, "s3://lakevault-archive/" + lost + ".keys"),
        result.housekeeping().orphanPacks());
    assertFalse(packFiles().contains(lost));
    assertEquals(catalog.read(CatalogTable.PACKS).count() * 2, packFiles().size(), "each cataloged pack and its key file");
    assertTrue(notes("").isEmpty(), "no notes left: " + notes(""));
    assertEveryObjectReadsBack();
  }

  @Test
  void aMissingKeyFailsTheRunClearlyAndCommitsNothing() throws Exception {
    source("src-a", "a.json", json(new Random(5), 10));
    writeClassified();
    Files.delete(dir.resolve("keys/default.key"));
    LakevaultException e = assertThrows(LakevaultException.class, () -> archive("archive-1", TUNING));
    assertTrue(e.getMessage().contains("default.key") && e.getMessage().contains("keys create"), e.getMessage());
    assertEquals(0, catalog.read(CatalogTable.OBJECTS).count());
    assertTrue(packFiles().isEmpty());
  }

  @Test
  void aLockedPackCannotBeDeleted() throws Exception {
    source("src-a", "a.json", json(new Random(6), 10));
    writeClassified();
    archive("archive-1", TUNING);
    Row p = catalog.read(CatalogTable.PACKS).first();
    S3Uri u = S3Uri.parse(p.getAs("uri"));
    ObjectStoreException refused = assertThrows(ObjectStoreException.class,
        () -> store.delete(new ObjectRef(u.bucket(), u.key(), p.getAs("version_id")), true));
    assertEquals(ObjectStoreException.Reason.ACCESS_DENIED, refused.reason());
  }

  @Test
  void verifyFindsTheCorruptEntryAndTheMissingPack() throws Exception {
    Random r = new Random(7);
    for (int i = 0; i < 12; i++) source(i % 2 == 0 ? "src-a" : "src-b", "v" + i + ".json", json(r, 40 + i));
    writeClassified();
    archive("archive-1", TUNING);
    VerifyJob.Request all = new VerifyJob.Request(List.of(), null, io.lakevault.core.store.RestoreTier.BULK);
    // The local store thaws at once; the first pass requests the restores of the DEEP_ARCHIVE packs.
    VerifyJob.Result first = new VerifyJob(catalog).run(all, "verify-1");
    long packCount = catalog.read(CatalogTable.PACKS).count();
    assertEquals(packCount, first.total(), first.toString());
    assertEquals(first.total(), first.count(VerifyJob.State.THAWING), first.toString());
    assertEquals("thawing", VerifyReport.status(first));
    VerifyJob.Result ok = new VerifyJob(catalog).run(all, "verify-2");
    assertEquals(ok.total(), ok.count(VerifyJob.State.VERIFIED), ok.toString());
    assertEquals(12, ok.entries());
    assertEquals(12, ok.listed().stream().mapToLong(VerifyJob.PackResult::entries).sum(), "few packs: all listed");
    // A sample is the same from one run to the next (a re-run after the thaw checks what it thawed).
    VerifyJob.Request sample = new VerifyJob.Request(List.of(), 1, io.lakevault.core.store.RestoreTier.BULK, 42);
    assertEquals(new VerifyJob(catalog).run(sample, "verify-3").listed().get(0).packId(),
        new VerifyJob(catalog).run(sample, "verify-4").listed().get(0).packId());
    VerifyJob.PackResult sampled = new VerifyJob(catalog).run(sample, "verify-5").listed().get(0);
    assertEquals(VerifyJob.State.VERIFIED, sampled.state(), sampled.toString());
    assertEquals(catalog.read(CatalogTable.OBJECTS).where(col("pack_id").equalTo(sampled.packId())).count(), sampled.entries(),
        "a sampled pack is checked against each of its cataloged members");

    // Bit rot in one entry of one pack, and another pack gone.
    List<Row> packs = catalog.read(CatalogTable.PACKS).orderBy("uri").collectAsList();
    Row rotten = packs.get(0);
    Row victim = catalog.read(CatalogTable.OBJECTS).where(col("pack_id").equalTo(rotten.<String>getAs("pack_id")))
        .orderBy("entry_ordinal").first();
    S3Uri ru = S3Uri.parse(rotten.getAs("uri"));
    Path file = dir.resolve("store").resolve(ru.bucket()).resolve(ru.key());
    byte[] b = Files.readAllBytes(file);
    b[(int) (victim.<Long>getAs("entry_offset") + victim.<Long>getAs("entry_length") / 2)] ^= 0x10;
    Files.write(file, b);
    S3Uri gu = S3Uri.parse(packs.get(1).getAs("uri"));
    Files.delete(dir.resolve("store").resolve(gu.bucket()).resolve(gu.key()));
    Files.walk(dir.resolve("store/.lakevault-store/meta").resolve(gu.bucket()).resolve(gu.key() + ".lvmeta"))
        .sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());

    VerifyJob.Result bad = new VerifyJob(catalog).run(all, "verify-6");
    assertEquals(1, bad.count(VerifyJob.State.CORRUPT), bad.toString());
    assertEquals(1, bad.count(VerifyJob.State.MISSING), bad.toString());
    assertEquals("failed", VerifyReport.status(bad));
    VerifyJob.PackResult corrupt = bad.listed().stream().filter(p -> p.state() == VerifyJob.State.CORRUPT).findFirst().orElseThrow();
    assertTrue(corrupt.problems().stream().anyMatch(p -> p.contains(victim.<String>getAs("key"))), corrupt.toString());
    assertTrue(corrupt.problems().stream().anyMatch(p -> p.contains("has SHA-256")), corrupt.toString());
    // Named packs are checked against their own members only (not a grouping of every object): the same finding.
    VerifyJob.Result named = new VerifyJob(catalog).run(new VerifyJob.Request(List.of(rotten.<String>getAs("pack_id")), null,
        io.lakevault.core.store.RestoreTier.BULK), "verify-7");
    assertEquals(VerifyJob.State.CORRUPT, named.listed().get(0).state(), named.toString());
    assertTrue(named.listed().get(0).problems().stream().anyMatch(p -> p.contains(victim.<String>getAs("key"))), named.toString());

    // Its key file removed too (by the eraser's bypass): that pack is reported as such, and every other still checked.
    store.delete(new ObjectRef(ru.bucket(), ru.key() + ".keys", rotten.getAs("key_version_id")), true);
    VerifyJob.Result worse = new VerifyJob(catalog).run(all, "verify-8");
    assertEquals(1, worse.count(VerifyJob.State.CORRUPT), worse.toString());
    assertEquals(1, worse.count(VerifyJob.State.MISSING), worse.toString());
    assertTrue(worse.listed().stream().filter(p -> p.state() == VerifyJob.State.CORRUPT).findFirst().orElseThrow().problems()
        .get(0).contains("its key file, cannot be read"), worse.toString());

    // The driver lists a bounded number of packs, the not-verified first; every pack's result is in the
    // Parquet list and the counts cover them all.
    VerifyJob.Result bounded = new VerifyJob(catalog).run(all, "verify-9", 1);
    assertEquals(packCount, bounded.total());
    assertEquals(2, bounded.notVerified());
    assertEquals(1, bounded.listed().size());
    assertTrue(bounded.listed().get(0).state() != VerifyJob.State.VERIFIED, bounded.toString());
    assertTrue(VerifyReport.text(bounded).contains("and 1 more pack(s) not verified: every pack's result is in "
        + bounded.packsUri()), VerifyReport.text(bounded));
    List<Row> every = catalog.spark().read().parquet(catalog.locations().hadoopPath(bounded.packsUri())).collectAsList();
    assertEquals(packCount, every.size());
    assertEquals(2, every.stream().filter(x -> !x.<String>getAs("state").equals("VERIFIED")).count());
    String json = new String(catalog.readFile(bounded.reportUri()), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(json.contains("\"status\" : \"failed\"") && json.contains("\"missing\" : 1")
        && json.contains("\"not_verified_listed\" : 1"), json);
  }

  @Test
  void theCatalogRebuiltFromPacksEqualsTheCatalog() throws Exception {
    Random r = new Random(8);
    byte[] same = json(r, 300);
    for (int i = 0; i < 10; i++) source(i % 2 == 0 ? "src-a" : "src-b", "r" + i + ".json", i % 4 == 0 ? same : json(r, 30 + i));
    writeClassified();
    archive("archive-1", TUNING);
    String[] objectCols = java.util.Arrays.stream(CatalogTable.OBJECTS.schema().fieldNames())
        .filter(c -> !c.equals("archived_at") && !c.equals("run_id") && !c.equals("rule_id")) // packs do not record rules
        .toArray(String[]::new);
    String[] packCols = java.util.Arrays.stream(CatalogTable.PACKS.schema().fieldNames())
        .filter(c -> !c.equals("run_id")).toArray(String[]::new);
    List<Row> objects = catalog.read(CatalogTable.OBJECTS).selectExpr(objectCols).orderBy("bucket", "key").collectAsList();
    List<Row> packs = catalog.read(CatalogTable.PACKS).selectExpr(packCols).orderBy("pack_id").collectAsList();
    assertTrue(objects.stream().anyMatch(o -> o.getAs("dedup_ref") != null), "the lake has a deduplicated object");

    // The catalog is lost.
    for (String t : List.of("objects", "packs")) {
      try (var w = Files.walk(dir.resolve("store/cat/c" + N.get() + "/" + t))) {
        w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    CatalogRebuild rebuild = new CatalogRebuild(catalog);
    CatalogRebuild.Result thawing = rebuild.run("s3://lakevault-archive/packs/", "rebuild-1", io.lakevault.core.store.RestoreTier.BULK);
    assertEquals(packs.size(), thawing.thawing().size(), "DEEP_ARCHIVE packs are thawed first");
    CatalogRebuild.Result done = rebuild.run("s3://lakevault-archive/packs/", "rebuild-2", io.lakevault.core.store.RestoreTier.BULK);
    assertEquals(packs.size(), done.packs());
    assertEquals(objects.size(), done.added());
    assertEquals(objects, catalog.read(CatalogTable.OBJECTS).selectExpr(objectCols).orderBy("bucket", "key").collectAsList());
    assertEquals(packs, catalog.read(CatalogTable.PACKS).selectExpr(packCols).orderBy("pack_id").collectAsList());
    // Again: nothing to add.
    assertEquals(0, rebuild.run("s3://lakevault-archive/packs/", "rebuild-3", io.lakevault.core.store.RestoreTier.BULK).added());
  }
}
