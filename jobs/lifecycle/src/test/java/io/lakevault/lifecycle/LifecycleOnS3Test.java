package io.lakevault.lifecycle;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.aws.S3ObjectStore;
import io.lakevault.aws.S3Settings;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Uri;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds and expiry on the S3 emulator with an Object Lock bucket: S3 itself refuses to delete a held pack
 * version (even with a governance bypass) and its key file; expiry keeps it and names the case; after the
 * release it deletes the pack and its key file and marks the members disposed.
 */
@ExtendWith(MotoExtension.class)
class LifecycleOnS3Test {
  private static final String POLICY = """
      version: 1
      classes:
        short:
          retain: 1y
          storage-class: GLACIER_IR
          lock: COMPLIANCE
          encryption: true
      rules:
        - id: all
          match: {bucket: [src-s3life]}
          class: short
      """;

  @TempDir Path dir;
  private final MotoServer moto;

  LifecycleOnS3Test(MotoServer moto) {
    this.moto = moto;
  }

  @Test
  void theStoreRefusesToDeleteAHeldPackAndExpiryDeletesItOnceReleased() throws Exception {
    Policy policy = PolicyParser.parse("s3life.yaml", POLICY.getBytes(StandardCharsets.UTF_8));
    List<Row> classified = new ArrayList<>();
    try (S3ObjectStore s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3))) {
      s3.createBucket("src-s3life", true, false);
      s3.createBucket("lakevault-archive", true, true);
      for (int i = 0; i < 5; i++) {
        String key = "logs/" + i + ".json";
        ObjectMetadata m = s3.put("src-s3life", key, ("{\"n\":" + i + "}\n").repeat(50).getBytes(StandardCharsets.UTF_8),
            PutOptions.builder().contentType("application/json").build());
        // Retention already over: the packs are archived without a lock (S3 refuses a past retain-until).
        classified.add(RowFactory.create("src-s3life", key, m.versionId(), m.eTag(), m.size(),
            Timestamp.from(m.lastModified()), true, false, "STANDARD", "SSE-S3", false, null, "ARCHIVE", "short", "all",
            Timestamp.from(Instant.parse("2022-01-01T00:00:00Z")), "short/2022-01/src-s3life", "daily",
            Timestamp.from(Instant.now()), policy.sha256(), Timestamp.from(Instant.now()), "classify-test", null));
      }
    }
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");
    Catalog catalog = new Catalog(SharedSpark.session(), LakevaultConfig.of(Map.of("s3.endpoint", moto.endpoint(),
        "s3.path-style", "true", "catalog.uri", dir.resolve("catalog").toUri().toString(),
        "archive.uri", "s3://lakevault-archive/packs", "keys.local.dir", dir.resolve("keys").toString())));
    Path policies = dir.resolve("catalog").resolve("policies");
    Files.createDirectories(policies);
    Files.writeString(policies.resolve(policy.sha256() + ".yaml"), POLICY);
    SharedSpark.session().createDataFrame(classified, CatalogTable.CLASSIFIED.schema()).write().format("delta")
        .mode("overwrite").save(catalog.path(CatalogTable.CLASSIFIED));
    new ArchiveJob(catalog, Clock.systemUTC()).run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null),
        "archive-1");

    Selector logs = new Selector(List.of("src-s3life"), List.of("logs/"), null, List.of(), List.of(), List.of(), null, null,
        null, null, null, List.of(), false);
    HoldJob holds = new HoldJob(catalog, Clock.systemUTC());
    HoldJob.Result placed = holds.place(new HoldJob.PlaceRequest("LIT-3", "litigation", "counsel", logs), "hold-1");
    assertEquals(5, placed.versions());
    assertEquals(placed.packs(), placed.holds().done(), placed.toString());
    Row pack = catalog.read(CatalogTable.PACKS).first();
    S3Uri u = S3Uri.parse(pack.getAs("uri"));
    ObjectRef packRef = new ObjectRef(u.bucket(), u.key(), pack.getAs("version_id"));
    ObjectRef keysRef = new ObjectRef(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, pack.getAs("key_version_id"));
    Clock later = Clock.fixed(Instant.now().plus(120, ChronoUnit.DAYS), ZoneOffset.UTC); // past GLACIER_IR's 90 days
    try (S3ObjectStore s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3))) {
      assertTrue(s3.head(packRef).legalHold());
      assertTrue(s3.head(keysRef).legalHold());
      for (ObjectRef r : List.of(packRef, keysRef)) {
        assertEquals(ObjectStoreException.Reason.ACCESS_DENIED,
            assertThrows(ObjectStoreException.class, () -> s3.delete(r, true)).reason(), "S3 refuses: " + r);
      }
      ExpireJob.Result kept = new ExpireJob(catalog, later).run(new ExpireJob.Request(List.of(), false, PriceTable.builtIn(),
          null), "expire-1");
      assertEquals(0, kept.deleted());
      assertTrue(kept.examples().get("HELD").get(0).contains("LIT-3"), kept.examples().toString());

      // No --by: the caller's AWS identity is recorded (STS GetCallerIdentity of the job's credentials).
      HoldJob.Result released = holds.release(new HoldJob.ReleaseRequest("LIT-3", "settled", null), "hold-2");
      assertEquals(placed.packs(), released.holds().done(), released.toString());
      HoldJob.Case closed = holds.list("LIT-3").get(0);
      assertEquals("counsel", closed.placedBy());
      assertTrue(closed.releasedBy().startsWith("arn:aws:"), closed.releasedBy());
      assertFalse(s3.head(packRef).legalHold());
      ExpireJob.Result gone = new ExpireJob(catalog, later).run(new ExpireJob.Request(List.of(), false, PriceTable.builtIn(),
          null), "expire-2");
      assertEquals(placed.packs(), gone.deleted(), gone.toString());
      assertTrue(gone.problems().isEmpty(), gone.problems().toString());
      for (ObjectRef r : List.of(packRef, keysRef)) {
        assertEquals(ObjectStoreException.Reason.NOT_FOUND,
            assertThrows(ObjectStoreException.class, () -> s3.head(r)).reason(), "deleted: " + r);
      }
      assertEquals(5, catalog.read(CatalogTable.OBJECTS).where(col("disposed_run_id").equalTo("expire-2")).count());
    }
  }
}
