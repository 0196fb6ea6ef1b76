package io.lakevault.archive;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.aws.S3ObjectStore;
import io.lakevault.aws.S3Settings;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.PutOptions;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import io.lakevault.testing.FaultProxy;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 4 of issue 19: the archive job on the S3 emulator behind a fault-injecting proxy (seeded: 10% of
 * requests 503 SlowDown, 500 or a reset connection; three chosen objects always 403) completes, catalogs
 * what a fault-free run catalogs but the 403 objects, and reports those as skipped with their reason; a run
 * that skips more than {@code archive.max-skipped-fraction} fails after committing what it read.
 */
@ExtendWith(MotoExtension.class)
class ArchiveUnderFaultsTest {
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
          match: {bucket: [src-faults]}
          class: keep-2y
      """;
  private static final Set<String> FORBIDDEN = Set.of("src-faults/k/007.json", "src-faults/k/031.json", "src-faults/k/064.json");

  @TempDir Path dir;
  private final MotoServer moto;

  ArchiveUnderFaultsTest(MotoServer moto) {
    this.moto = moto;
  }

  @Test
  void sourcesThatCannotBeReadAreSkippedWithTheirReasonAndTransientFaultsAreRetried() throws Exception {
    List<Row> classified = new ArrayList<>();
    Policy policy = PolicyParser.parse("faults.yaml", POLICY.getBytes(StandardCharsets.UTF_8));
    try (S3ObjectStore s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3))) {
      s3.createBucket("src-faults", true, false);
      s3.createBucket("lakevault-archive", true, true);
      Random r = new Random(24);
      Instant until = Instant.now().plus(730, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
      for (int i = 0; i < 80; i++) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < 20 + r.nextInt(200); j++) sb.append("{\"trade\":").append(r.nextInt(1_000_000)).append("}\n");
        String key = String.format("k/%03d.json", i);
        ObjectMetadata m = s3.put("src-faults", key, sb.toString().getBytes(StandardCharsets.UTF_8),
            PutOptions.builder().contentType("application/json").build());
        classified.add(RowFactory.create("src-faults", key, m.versionId(), m.eTag(), m.size(),
            Timestamp.from(m.lastModified()), true, false, "STANDARD", "SSE-S3", false, null, "ARCHIVE", "keep-2y", "all",
            Timestamp.from(until), "keep-2y/" + until.toString().substring(0, 7) + "/src-faults", "daily",
            Timestamp.from(Instant.now()), policy.sha256(), Timestamp.from(Instant.now()), "classify-test"));
      }
    }
    new LocalKeyRing(dir.resolve("keys")).createIfMissing("local:default");

    Catalog clean = catalog("clean", moto.endpoint(), classified, policy, Map.of());
    ArchiveResult expected = archive(clean, "archive-clean");
    assertEquals(0, expected.skipped());
    TreeSet<String> cleanRows = objects(clean);
    assertEquals(80, cleanRows.size());

    try (FaultProxy proxy = FaultProxy.start(moto.endpoint(), 20261203L, 0.10, FORBIDDEN)) {
      Catalog faulty = catalog("faulty", proxy.endpoint(), classified, policy, Map.of());
      ArchiveResult got = archive(faulty, "archive-faulty");
      Map<String, Long> injected = proxy.injected();
      assertTrue(injected.getOrDefault("503", 0L) + injected.getOrDefault("500", 0L) + injected.getOrDefault("reset", 0L) >= 3,
          "the proxy failed requests: " + injected);
      assertEquals(3, got.skipped(), () -> ArchiveReport.text(got));
      assertEquals(Map.of("access denied", 3L), got.skipReasons());
      TreeSet<String> keys = new TreeSet<>();
      got.skippedExamples().forEach(s -> keys.add(s.bucket() + "/" + s.key()));
      assertEquals(new TreeSet<>(FORBIDDEN), keys);
      TreeSet<String> want = new TreeSet<>(cleanRows);
      want.removeIf(row -> FORBIDDEN.stream().anyMatch(f -> row.startsWith(f.replaceFirst("/", "|") + "|")));
      assertEquals(77, want.size());
      assertEquals(want, objects(faulty), "everything readable is cataloged as a fault-free run catalogs it");

      // More skipped than allowed: the run fails, and what it read is committed all the same.
      Catalog strict = catalog("strict", proxy.endpoint(), classified, policy, Map.of("archive.max-skipped-fraction", "0.01"));
      LakevaultException e = assertThrows(LakevaultException.class, () -> archive(strict, "archive-strict"));
      assertEquals(ErrorKind.INPUT, e.kind());
      assertTrue(e.getMessage().contains("3 of 80 sources (3.8%) could not be read, more than archive.max-skipped-fraction=0.01")
          && e.getMessage().contains("access denied"), e.getMessage());
      assertEquals(want, objects(strict));
    }
  }

  private Catalog catalog(String name, String endpoint, List<Row> classified, Policy policy, Map<String, String> more)
      throws Exception {
    Map<String, String> conf = new HashMap<>(Map.of("s3.endpoint", endpoint, "s3.path-style", "true", "s3.max-attempts", "10",
        "catalog.uri", dir.resolve(name).toUri().toString(), "archive.uri", "s3://lakevault-archive/" + name,
        "keys.local.dir", dir.resolve("keys").toString()));
    conf.putAll(more);
    Catalog c = new Catalog(SharedSpark.session(), LakevaultConfig.of(conf));
    Path policies = dir.resolve(name).resolve("policies");
    Files.createDirectories(policies);
    Files.writeString(policies.resolve(policy.sha256() + ".yaml"), POLICY);
    SharedSpark.session().createDataFrame(classified, CatalogTable.CLASSIFIED.schema()).write().format("delta")
        .mode("overwrite").save(c.path(CatalogTable.CLASSIFIED));
    return c;
  }

  private static ArchiveResult archive(Catalog c, String runId) {
    return new ArchiveJob(c, Clock.systemUTC()).run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), runId);
  }

  /** bucket|key|version|sha256|size of each cataloged object. */
  private static TreeSet<String> objects(Catalog c) {
    TreeSet<String> out = new TreeSet<>();
    for (Row r : c.read(CatalogTable.OBJECTS).select(col("bucket"), col("key"), col("version_id"), col("sha256"), col("size"))
        .collectAsList()) {
      out.add(r.mkString("|"));
    }
    return out;
  }
}
