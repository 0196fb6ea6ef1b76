package io.lakevault.restore;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.aws.S3ObjectStore;
import io.lakevault.aws.S3Settings;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore against the S3 emulator: packs in DEEP_ARCHIVE are thawed through RestoreObject, keys S3
 * allows but a file system must not take are refused, objects go back to a bucket with their metadata
 * (large ones through a multipart upload), and a re-run recognises them.
 */
@ExtendWith(MotoExtension.class)
@MotoExtension.SharedBetweenTests
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreOnS3Test {
  @TempDir static Path dir;
  MotoServer moto;
  S3ObjectStore s3;
  Catalog catalog;
  final byte[] big = new byte[17 << 20];

  RestoreOnS3Test(MotoServer moto) {
    this.moto = moto;
  }

  /** One archived lake for the class: the cold test runs first, the one that changes a source bucket last. */
  @BeforeAll
  void setUp() throws Exception {
    s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3));
    s3.createBucket("src-a", true, false);
    s3.createBucket("src-b", true, false);
    s3.createBucket("lakevault-archive", true, true);
    s3.createBucket("restored", false, false);
    LakevaultConfig config = LakevaultConfig.of(Map.of("s3.endpoint", moto.endpoint(), "s3.path-style", "true",
        "catalog.uri", dir.resolve("cat").toUri().toString(), "archive.uri", "s3://lakevault-archive/packs",
        "keys.local.dir", dir.resolve("keys").toString()));
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    catalog = new Catalog(SharedSpark.session(), config);
    Policy policy = RestoreLake.storePolicy(catalog);
    new Random(5).nextBytes(big);
    for (String key : List.of("logs/ok.json", "../../escape.json", "logs/../../../up.json", "/abs.json", "logs//x.json")) {
      s3.put("src-a", key, RestoreLake.content(key, 1, 30), RestoreLake.json());
    }
    s3.put("src-a", "logs/big.bin", big, PutOptions.builder().contentType("application/octet-stream").build());
    s3.put("src-b", "logs/other.json", RestoreLake.content("other", 1, 10), RestoreLake.json());
    RestoreLake.classifyAll(catalog, s3, policy, "src-a", "src-b");
    RestoreLake.archive(catalog);
  }

  @AfterAll
  void tearDown() {
    s3.close();
  }

  private static Selector select(List<String> buckets, List<String> prefixes) {
    return new Selector(buckets, prefixes, null, List.of(), List.of(), List.of(), null, null, null, null, null, List.of(), false);
  }

  private RestoreResult restore(Selector s, String to, boolean overwrite, String runId) {
    return new RestoreJob(catalog, Clock.systemUTC()).run(new RestoreJob.Request(s, to, RestoreTier.BULK, 1, false,
        overwrite, false, Duration.ofMinutes(1), false, null, PriceTable.builtIn()), runId);
  }

  @Test
  @Order(1)
  void coldPacksAreThawedAndKeysThatWouldEscapeTheFolderAreRefused() throws Exception {
    Path to = dir.resolve("out");
    RestoreResult r = restore(select(List.of("src-a"), List.of()), to.toString(), false, "restore-1");
    // The emulator completes restores at once: requested, then readable, in one run.
    assertEquals(r.packs(), r.packs("DONE"), () -> RestoreReport.text(r));
    assertEquals(4, r.objectsIn(Extracted.State.UNSAFE_KEY), () -> RestoreReport.text(r));
    assertEquals(2, r.objectsIn(Extracted.State.RESTORED));
    assertArrayEquals(RestoreLake.content("logs/ok.json", 1, 30), Files.readAllBytes(to.resolve("src-a/logs/ok.json")));
    assertArrayEquals(big, Files.readAllBytes(to.resolve("src-a/logs/big.bin")));
    try (var w = Files.walk(dir)) {
      assertTrue(w.noneMatch(p -> p.getFileName().toString().equals("escape.json") || p.getFileName().toString().equals("up.json")
          || p.getFileName().toString().equals("abs.json")), "no refused key was written anywhere");
    }
    assertTrue(r.failures().stream().anyMatch(f -> f.key().equals("../../escape.json") && f.reason().contains("traversal")),
        r.failures().toString());
    List<Row> packs = catalog.read(CatalogTable.RESTORES)
        .where(col("restore_id").equalTo(r.restoreId()).and(col("pack_id").isNotNull())).collectAsList();
    assertFalse(packs.isEmpty());
    assertTrue(packs.stream().allMatch(p -> p.getAs("state").equals("DONE")));
    for (Row p : catalog.read(CatalogTable.PACKS).where(col("uri").contains("/src-a/")).collectAsList()) {
      io.lakevault.core.store.S3Uri u = io.lakevault.core.store.S3Uri.parse(p.getAs("uri"));
      ObjectMetadata m = s3.head(new ObjectRef(u.bucket(), u.key(), p.getAs("version_id")));
      assertEquals(io.lakevault.core.store.StorageClass.DEEP_ARCHIVE, m.storageClass());
      assertTrue(m.readable(), "thawed by RestoreObject: " + m);
    }
  }

  @Test
  @Order(3)
  void objectsGoBackToABucketWithTheirMetadataAndAReRunRecognisesThem() throws Exception {
    Selector logs = select(List.of("src-a"), List.of("logs/ok", "logs/big"));
    RestoreResult r = restore(logs, "s3://restored/copy/", false, "restore-1");
    assertTrue(r.complete(), () -> RestoreReport.text(r));
    ObjectMetadata m = s3.head(new ObjectRef("restored", "copy/logs/ok.json", null));
    assertEquals("application/json", m.contentType());
    assertEquals(Map.of("origin", "restore-test"), m.userMetadata());
    try (InputStream in = s3.get(new ObjectRef("restored", "copy/logs/big.bin", null))) {
      assertArrayEquals(big, in.readAllBytes(), "the 17 MiB object, through a multipart upload");
    }
    // The same request again (its packs done): nothing read; a new request over the same target finds the objects there.
    assertEquals(0, restore(logs, "s3://restored/copy/", false, "restore-2").bytesRead());
    RestoreResult other = restore(select(List.of("src-a"), List.of("logs/ok")), "s3://restored/copy/", false, "restore-3");
    assertEquals(1, other.objectsIn(Extracted.State.PRESENT), () -> RestoreReport.text(other));

    // Back to the original location: the source still holds that version, so it is there already.
    RestoreResult same = restore(select(List.of("src-a"), List.of("logs/ok")), "original", false, "restore-4");
    assertEquals(1, same.objectsIn(Extracted.State.PRESENT), () -> RestoreReport.text(same));
    // A newer object replaced it since: kept, unless --overwrite. (A new request: the one above is done.)
    s3.put("src-a", "logs/ok.json", "newer".getBytes(), RestoreLake.json());
    RestoreResult kept = restore(select(List.of("src-a"), List.of("logs/ok.json")), "original", false, "restore-5");
    assertEquals(1, kept.objectsIn(Extracted.State.KEPT_NEWER), () -> RestoreReport.text(kept));
    try (InputStream in = s3.get(new ObjectRef("src-a", "logs/ok.json", null))) {
      assertArrayEquals("newer".getBytes(), in.readAllBytes());
    }
    RestoreResult forced = restore(select(List.of("src-a"), List.of("logs/ok")), "original", true, "restore-6");
    assertEquals(1, forced.objectsIn(Extracted.State.RESTORED), () -> RestoreReport.text(forced));
    try (InputStream in = s3.get(new ObjectRef("src-a", "logs/ok.json", null))) {
      assertArrayEquals(RestoreLake.content("logs/ok.json", 1, 30), in.readAllBytes());
    }
  }

  @Test
  @Order(2)
  void twoBucketsIntoOneBucketPrefixIsRefused() {
    LakevaultException e = assertThrows(LakevaultException.class,
        () -> restore(select(List.of("src-a", "src-b"), List.of("logs/")), "s3://restored/both/", false, "restore-1"));
    assertTrue(e.getMessage().contains("spans 2 buckets"), e.getMessage());
  }
}
