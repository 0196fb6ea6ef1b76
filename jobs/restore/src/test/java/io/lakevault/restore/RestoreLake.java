package io.lakevault.restore;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.ArchiveResult;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.PutOptions;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import io.lakevault.spark.Locations;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A small versioned lake for restore tests, archived with the real archive job: sources are put into a
 * store (local or the S3 emulator), classified by hand as the classify job would, and archived.
 */
final class RestoreLake {
  static final String POLICY = """
      version: 1
      classes:
        keep-2y:
          retain: 2y
          storage-class: DEEP_ARCHIVE
          lock: COMPLIANCE
          encryption: true
          pack-size: 5 MiB
      rules:
        - id: logs
          match: {bucket: [src-a, src-b]}
          class: keep-2y
      """;

  private RestoreLake() {}

  /** Writes the policy where the archive job looks for it. */
  static Policy storePolicy(Catalog catalog) throws Exception {
    byte[] bytes = POLICY.getBytes(StandardCharsets.UTF_8);
    Policy policy = PolicyParser.parse("restore-test.yaml", bytes);
    String uri = catalog.config().get(io.lakevault.core.config.Settings.CATALOG_URI) + "/policies/" + policy.sha256() + ".yaml";
    Path p = new Path(new Locations(catalog.config()).hadoopPath(uri));
    try (FSDataOutputStream out = p.getFileSystem(SharedSpark.session().sparkContext().hadoopConfiguration()).create(p, true)) {
      out.write(bytes);
    }
    return policy;
  }

  /** Every version and delete marker in the buckets, classified ARCHIVE in keep-2y, rule "logs" under logs/. */
  static void classifyAll(Catalog catalog, ObjectStore store, Policy policy, String... buckets) {
    List<Row> rows = new ArrayList<>();
    Instant until = Instant.now().plus(730, ChronoUnit.DAYS);
    for (String bucket : buckets) {
      Iterator<ObjectVersion> it = store.listVersions(bucket, "");
      while (it.hasNext()) {
        ObjectVersion v = it.next();
        String rule = v.key().startsWith("logs/") ? "logs" : "other";
        rows.add(RowFactory.create(bucket, v.key(), v.versionId(), v.isDeleteMarker() ? null : v.eTag(),
            v.isDeleteMarker() ? null : v.size(), Timestamp.from(v.lastModified()), v.isLatest(), v.isDeleteMarker(),
            "STANDARD", "SSE-S3", false, null, "ARCHIVE", "keep-2y", rule, Timestamp.from(until),
            "keep-2y/" + until.toString().substring(0, 7) + "/" + bucket, "daily", Timestamp.from(Instant.now()),
            policy.sha256(), Timestamp.from(Instant.now()), "classify-test", null));
      }
    }
    SharedSpark.session().createDataFrame(rows, CatalogTable.CLASSIFIED.schema()).write().format("delta")
        .mode("overwrite").save(catalog.path(CatalogTable.CLASSIFIED));
  }

  static ArchiveResult archive(Catalog catalog) {
    return new ArchiveJob(catalog, Clock.systemUTC())
        .run(new ArchiveJob.Request(List.of(), false, PriceTable.builtIn(), null), "archive-" + System.nanoTime());
  }

  static PutOptions json() {
    return PutOptions.builder().contentType("application/json").userMetadata("origin", "restore-test").build();
  }

  static byte[] content(String key, int version, int records) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < records; i++) {
      b.append("{\"key\":\"").append(key).append("\",\"v\":").append(version).append(",\"i\":").append(i).append("}\n");
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
