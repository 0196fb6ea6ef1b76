package io.lakevault.archive;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.classify.ClassifyJob;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.KeyEncryptionKey;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.pack.PackKeyFile;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectLockMode;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.S3Uri;
import io.lakevault.generator.GeneratedLake;
import io.lakevault.generator.GeneratorOptions;
import io.lakevault.generator.LakeGenerator;
import io.lakevault.generator.SimulatedClock;
import io.lakevault.inventory.InventoryJob;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive job on the generator's lake with the demo policy, on the local store: every candidate
 * archived once, every entry read back from its pack equal to its source, packs in their storage class
 * and locked, and a second run with nothing to do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArchiveJobTest {
  @TempDir static Path dir;
  static Catalog catalog;
  static LocalObjectStore store;
  static Policy policy;
  static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  /** Small limits, so a lake of a few hundred objects crosses every path: streamed entries, multipart packs. */
  static final PackTask.Tuning TUNING = new PackTask.Tuning(8, 4, 4L << 20, 1L << 20, 5L << 20, 2000, 8L << 20, 1_000_000, -1);

  @BeforeAll
  static void classify() throws Exception {
    SimulatedClock clock = new SimulatedClock();
    LocalObjectStore generatorStore = new LocalObjectStore(dir.resolve("store"), Duration.ZERO, clock);
    GeneratedLake lake = new LakeGenerator(generatorStore, clock, SharedSpark.session(),
        GeneratorOptions.defaults().withObjects(300).withLargeObjects(1, 28L << 20)).generate(); // compresses to over a 5 MiB part
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("keys.local.dir", dir.resolve("keys").toString()));
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    catalog = new Catalog(SharedSpark.session(), config);
    store = new LocalObjectStore(dir.resolve("store"));
    new InventoryJob(catalog, Clock.systemUTC()).run(new InventoryJob.Request(
        lake.reports().stream().map(GeneratedLake.Report::configPrefixUri).toList(), null, null, false), "inventory-1");
    byte[] bytes = Files.readAllBytes(Path.of("../../conf/policy.yaml"));
    policy = PolicyParser.parse("conf/policy.yaml", bytes);
    new ClassifyJob(catalog, Clock.fixed(NOW, ZoneOffset.UTC))
        .run(new ClassifyJob.Request(policy, bytes, PriceTable.builtIn(), false, null), "classify-1");
  }

  static ArchiveResult archive(String runId, boolean dryRun, List<String> classes) {
    return new ArchiveJob(catalog, Clock.systemUTC(), TUNING)
        .run(new ArchiveJob.Request(classes, dryRun, PriceTable.builtIn(), null), runId);
  }

  static long candidates() {
    return catalog.read(CatalogTable.CLASSIFIED).where(col("decision").equalTo("ARCHIVE")).count();
  }

  @Test
  @Order(1)
  void aDryRunPlansAndWritesNothing() {
    ArchiveResult plan = archive("archive-dry", true, List.of());
    assertTrue(plan.dryRun());
    assertTrue(plan.packs() > 0);
    assertEquals(candidates(), plan.objects() + plan.deleteMarkers());
    // A lake this small spreads a class over many retain-until months, a few objects per pack, so packing
    // saves billed bytes and archive objects here but not necessarily dollars; the bench measures those.
    ArchiveResult.ClassLine biggest = plan.classes().stream()
        .max(java.util.Comparator.comparingLong(ArchiveResult.ClassLine::objects)).orElseThrow();
    assertTrue(biggest.cost().packed().storedBytes() < biggest.cost().asIs().storedBytes(), biggest.toString());
    assertTrue(biggest.cost().packed().archiveObjects() < biggest.cost().asIs().archiveObjects(), biggest.toString());
    assertFalse(catalog.exists(CatalogTable.OBJECTS), "a dry run creates no table");
    assertFalse(store.bucketExists("lakevault-archive"));
  }

  @Test
  @Order(2)
  void archivesEveryCandidateOnceAndEveryEntryReadsBackAsItsSource() throws Exception {
    ArchiveResult result = archive("archive-1", false, List.of());
    assertTrue(result.packs() > 0);
    List<Row> objects = catalog.read(CatalogTable.OBJECTS).collectAsList();
    assertEquals(candidates(), objects.size() + result.skipped(), "every candidate archived or skipped with a reason");
    assertEquals(result.objects() + result.deleteMarkers(), objects.size());
    assertTrue(result.skippedExamples().stream().allMatch(s -> s.reason().contains("in GLACIER or DEEP_ARCHIVE and not restored")),
        "only GLACIER sources, which cannot be read without a restore, are skipped: " + result.skippedExamples());
    assertEquals(objects.size(), catalog.read(CatalogTable.OBJECTS).select("bucket", "key", "version_id").distinct().count());

    Map<String, Row> packs = new HashMap<>();
    for (Row p : catalog.read(CatalogTable.PACKS).collectAsList()) packs.put(p.getAs("pack_id"), p);
    assertEquals(result.packs(), packs.size());
    KeyEncryptionKey kek = new LocalKeyRing(dir.resolve("keys")).resolve("local:default");
    Map<String, PackReader> readers = new HashMap<>();
    long streamed = 0;
    for (Row o : objects) {
      if (o.<Boolean>getAs("is_delete_marker")) {
        assertNull(o.getAs("pack_id"));
        continue;
      }
      Row pack = packs.get(o.<String>getAs("pack_id"));
      assertNotNull(pack, "the pack of " + o);
      PackReader reader = readers.computeIfAbsent(pack.getAs("pack_id"), id -> open(pack, kek));
      PackEntry e = reader.entries().get(o.<Integer>getAs("entry_ordinal"));
      assertEquals(o.<String>getAs("key"), e.key());
      assertEquals(o.<Long>getAs("entry_offset"), e.storedOffset());
      assertEquals(o.<Long>getAs("entry_length"), e.storedLength());
      ObjectRef source = new ObjectRef(o.getAs("bucket"), o.getAs("key"), o.getAs("version_id"));
      byte[] original;
      try (var in = store.get(source)) {
        original = in.readAllBytes();
      }
      byte[] restored = reader.readEntry(e);
      assertArrayEquals(original, restored, source.toString());
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original)), o.getAs("sha256"));
      ObjectMetadata head = store.head(source);
      assertEquals(head.contentType(), o.getAs("content_type"));
      assertEquals(head.userMetadata(), o.<scala.collection.Map<String, String>>getAs("user_metadata") == null ? Map.of()
          : scala.collection.JavaConverters.mapAsJavaMap(o.<scala.collection.Map<String, String>>getAs("user_metadata")));
      if (e.size() > TUNING.inMemoryLimit()) streamed++;
    }
    assertEquals(1, streamed, "the large object was streamed into a pack of its own");

    int multipartPacks = 0;
    for (Row p : packs.values()) {
      S3Uri u = S3Uri.parse(p.getAs("uri"));
      ObjectRef ref = new ObjectRef(u.bucket(), u.key(), p.getAs("version_id"));
      ObjectMetadata head = store.head(ref);
      String cls = p.getAs("retention_class");
      assertEquals(policy.retentionClass(cls).storageClass(), head.storageClass(), cls);
      assertEquals(p.<Long>getAs("stored_bytes"), head.size());
      String lock = p.getAs("lock_mode");
      if (lock != null && p.getTimestamp(p.fieldIndex("retain_until")).toInstant().isAfter(Instant.now())) {
        assertEquals(ObjectLockMode.valueOf(lock), head.lockMode(), "pack of " + cls + " is locked");
        assertEquals(p.getTimestamp(p.fieldIndex("retain_until")).toInstant(), head.lockRetainUntil());
        ObjectStoreException refused = assertThrows(ObjectStoreException.class, () -> store.delete(ref, false));
        assertEquals(ObjectStoreException.Reason.ACCESS_DENIED, refused.reason());
      }
      assertEquals(policy.retentionClass(cls).encrypted(), p.<Boolean>getAs("encrypted"));
      assertEquals(p.<Boolean>getAs("encrypted"), store.bucketExists(u.bucket())
          && exists(new ObjectRef(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, null)));
      byte[] bytes = readAll(ref);
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(bytes);
      assertEquals(p.getAs("sha256"), HexFormat.of().formatHex(sha));
      // The store checked each pack against the writer's checksum: SHA-256 for one PUT, a full-object
      // CRC32 (not a composite of parts) for a multipart upload; packs.checksum is what the store holds.
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(bytes);
      String expected = head.eTag().contains("-")
          ? "CRC32:" + Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array())
          : "SHA256:" + Base64.getEncoder().encodeToString(sha);
      assertEquals(expected, p.getAs("checksum"), p.<String>getAs("uri"));
      assertEquals(expected, Staged.checksum(head));
      if (head.eTag().contains("-")) multipartPacks++;
    }
    assertTrue(multipartPacks > 0, "the large object's pack was a multipart upload");
  }

  @Test
  @Order(3)
  void aSecondRunHasNothingToDo() {
    long objects = catalog.read(CatalogTable.OBJECTS).count();
    long packs = catalog.read(CatalogTable.PACKS).count();
    ArchiveResult again = archive("archive-2", false, List.of());
    assertEquals(0, again.packs());
    assertEquals(objects, catalog.read(CatalogTable.OBJECTS).count());
    assertEquals(packs, catalog.read(CatalogTable.PACKS).count());
    assertTrue(again.housekeeping().isEmpty(), again.housekeeping().toString());
  }

  @Test
  @Order(4)
  void anUnknownClassIsAUsageError() {
    LakevaultException e = assertThrows(LakevaultException.class, () -> archive("archive-x", true, List.of("finra-7")));
    assertTrue(e.getMessage().contains("did you mean"), e.getMessage());
  }

  private static boolean exists(ObjectRef ref) {
    try {
      store.head(ref);
      return true;
    } catch (ObjectStoreException e) {
      return false;
    }
  }

  /** The whole object, thawed first when it is in an archive storage class. */
  static byte[] readAll(ObjectRef ref) {
    var sc = store.head(ref).storageClass();
    if (sc == io.lakevault.core.store.StorageClass.DEEP_ARCHIVE || sc == io.lakevault.core.store.StorageClass.GLACIER) {
      store.requestRestore(ref, 1, RestoreTier.STANDARD);
    }
    try (var in = store.get(ref)) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static PackReader open(Row pack, KeyEncryptionKey kek) {
    S3Uri u = S3Uri.parse(pack.getAs("uri"));
    ObjectRef ref = new ObjectRef(u.bucket(), u.key(), pack.getAs("version_id"));
    try {
      PackReader r = PackReader.open(RangeSource.of(readAll(ref)), pack.getAs("uri"));
      if (pack.<Boolean>getAs("encrypted")) {
        byte[] keys;
        try (var in = store.get(new ObjectRef(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, null))) {
          keys = in.readAllBytes();
        }
        r.withKeys(PackKeyFile.decode(keys, "keys"), kek);
      }
      return r;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
