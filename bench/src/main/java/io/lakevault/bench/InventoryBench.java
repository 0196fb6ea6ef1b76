package io.lakevault.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.md5;
import static org.apache.spark.sql.functions.when;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.inventory.InventoryField;
import io.lakevault.core.inventory.InventoryFormat;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.generator.InventoryReportWriter;
import io.lakevault.inventory.InventoryJob;
import io.lakevault.spark.Locations;
import io.lakevault.spark.SparkSessions;
import io.lakevault.spark.catalog.Catalog;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * Inventory ingestion against a plain Spark read of the same files, side by side in one JVM.
 *
 * <p>For each format: a synthetic current-version report of {@code --rows} rows in {@code --files}
 * data files is delivered once (and reused by later runs with the same arguments); then, alternating,
 * {@code --runs} times each: the plain read (spark.read of the data files, written unchanged to a Delta
 * table: no checksums, no parsing rules, no change set) and the inventory job (manifest and data-file
 * verification, parsing and normalization, staging, the inventory partition, the change set and the
 * ledger) into an existing catalog (its tables are created before the clock starts). Medians are
 * printed with their ratio.
 *
 * <pre>bench/run InventoryBench [--rows N] [--files K] [--runs R] [--formats csv,orc,parquet] [--dir DIR]</pre>
 */
public final class InventoryBench {
  public static void main(String[] args) {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--rows", "20000000", "--files", "16", "--runs", "3",
        "--formats", "csv,orc,parquet", "--dir", "/tmp/lakevault-bench-inventory"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    long rows = Long.parseLong(a.get("--rows"));
    int files = Integer.parseInt(a.get("--files"));
    int runs = Integer.parseInt(a.get("--runs"));
    Path dir = Path.of(a.get("--dir"));
    LakevaultConfig config = LakevaultConfig.of(Map.of("store.local.root", dir.resolve("store").toString()));
    SparkSession spark = SparkSessions.getOrCreate(config, "lakevault-bench-inventory");
    LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
    store.createBucket("bench-inventory", false, false);
    System.out.printf("inventory benchmark: %,d rows in %d files per format, %d runs each, %d cores, heap %d MiB%n",
        rows, files, runs, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);

    List<String> summary = new ArrayList<>();
    for (String f : a.get("--formats").split(",")) {
      InventoryFormat format = InventoryFormat.parse(f);
      String configId = "bench-" + format.name().toLowerCase(Locale.ROOT) + "-" + rows + "-" + files;
      String manifest = deliver(spark, store, format, configId, rows, files);
      List<String> dataUris = dataFiles(spark, config, manifest);
      double[] plain = new double[runs];
      double[] job = new double[runs];
      for (int r = 0; r < runs; r++) {
        String plainTable = new Locations(config).hadoopPath("s3://bench-plain/" + configId + "-" + r);
        long t0 = System.nanoTime();
        Dataset<Row> raw = switch (format) {
          case CSV -> spark.read().csv(dataUris.toArray(String[]::new));
          case ORC -> spark.read().orc(dataUris.toArray(String[]::new));
          case PARQUET -> spark.read().parquet(dataUris.toArray(String[]::new));
        };
        raw.write().format("delta").mode("overwrite").save(plainTable);
        plain[r] = (System.nanoTime() - t0) / 1e9;

        LakevaultConfig runConfig = config.with(Map.of("catalog.uri", "s3://bench-catalog/" + configId + "-" + r));
        Catalog catalog = new Catalog(spark, runConfig);
        catalog.ensureTables(); // an existing catalog, as in daily operation: creating it is not ingestion
        long t1 = System.nanoTime();
        var result = new InventoryJob(catalog, Clock.systemUTC())
            .run(new InventoryJob.Request(List.of(manifest), null, null, false), "bench-" + r);
        job[r] = (System.nanoTime() - t1) / 1e9;
        if (result.rows() != rows) throw new IllegalStateException("ingested " + result.rows() + " rows, expected " + rows);
        System.out.printf("  %-7s run %d: plain read %6.1f s (%,9.0f rows/s)   inventory job %6.1f s (%,9.0f rows/s)%n",
            format.manifestName(), r + 1, plain[r], rows / plain[r], job[r], rows / job[r]);
        // Each run's tables are gigabytes at 20 million rows: remove them, keep the delivered reports.
        deleteTree(spark, plainTable);
        deleteTree(spark, new Locations(runConfig).hadoopPath("s3://bench-catalog/" + configId + "-" + r));
      }
      double p = median(plain);
      double j = median(job);
      summary.add(String.format("| %s | %,d | %.1f s | %,.0f | %.1f s | %,.0f | %.2f |", format.manifestName(), rows, p,
          rows / p, j, rows / j, p / j));
    }
    System.out.println();
    System.out.println("| format | rows | plain read, median | rows/s | inventory job, median | rows/s | job / plain |");
    System.out.println("|---|---|---|---|---|---|---|");
    summary.forEach(System.out::println);
    spark.stop();
  }

  /** A current-version report as S3 would deliver it, written once per (format, rows, files). */
  static String deliver(SparkSession spark, LocalObjectStore store, InventoryFormat format, String configId, long rows,
      int files) {
    String prefix = "inventory/bench-lake/" + configId + "/2024-07-01T00-00Z/";
    String manifest = "s3://bench-inventory/" + prefix + "manifest.json";
    try {
      store.head(ObjectRef.of("bench-inventory", prefix + "manifest.checksum"));
      System.out.printf("  %s report of %,d rows: reusing %s%n", format.manifestName(), rows, manifest);
      return manifest;
    } catch (ObjectStoreException e) {
      // not delivered yet
    }
    long t0 = System.nanoTime();
    Column id = col("id");
    Map<String, Column> values = new LinkedHashMap<>();
    values.put("bucket", lit("bench-lake"));
    // Keys like a real lake's: partitioned prefixes, spaces and '+' and '%' that CSV must URL-encode.
    values.put("key", concat(lit("logs/app=svc"), expr("id % 50"), lit("/dt=2024-06-"), expr("lpad(id % 28 + 1, 2, '0')"),
        lit("/part "), id, when(expr("id % 7 = 0"), lit("+retry%1.json")).otherwise(lit(".json"))));
    values.put("size", expr("(id * 7919) % 65536 + 100"));
    values.put("last_modified_date", expr("timestamp_millis(1700000000000 + id * 1000)"));
    values.put("e_tag", md5(id.cast("string")));
    values.put("storage_class", element_at(expr("array('STANDARD','STANDARD_IA','INTELLIGENT_TIERING','GLACIER')"),
        expr("cast(id % 4 + 1 as int)")));
    values.put("is_multipart_uploaded", expr("id % 97 = 0"));
    values.put("encryption_status", when(expr("id % 5 = 0"), lit("SSE-KMS")).otherwise(lit("SSE-S3")));
    values.put("checksum_algorithm", when(expr("id % 3 = 0"), lit("CRC32")));
    List<Column> cols = new ArrayList<>();
    for (StructField f : InventoryReportWriter.rowSchema().fields()) {
      Column v = values.getOrDefault(f.name(), lit(null));
      cols.add(v.cast(f.dataType()).as(f.name()));
    }
    Dataset<Row> data = spark.range(rows).select(cols.toArray(Column[]::new));
    List<InventoryField> fields = Arrays.asList(InventoryField.SIZE, InventoryField.LAST_MODIFIED_DATE, InventoryField.E_TAG,
        InventoryField.STORAGE_CLASS, InventoryField.IS_MULTIPART_UPLOADED, InventoryField.ENCRYPTION_STATUS,
        InventoryField.CHECKSUM_ALGORITHM);
    var spec = new InventoryReportWriter.Spec("bench-lake", configId, format, false, fields, "bench-inventory", "inventory",
        Instant.parse("2024-07-01T00:00:00Z"), files);
    String uri = InventoryReportWriter.write(spark, store, data, spec);
    System.out.printf("  %s report of %,d rows delivered in %.0f s: %s%n", format.manifestName(), rows,
        (System.nanoTime() - t0) / 1e9, uri);
    return uri;
  }

  private static List<String> dataFiles(SparkSession spark, LakevaultConfig config, String manifestUri) {
    try (LocalObjectStore s = new LocalObjectStore(Path.of(config.get(io.lakevault.core.config.Settings.STORE_LOCAL_ROOT)))) {
      String key = manifestUri.substring("s3://bench-inventory/".length());
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(s.get(ObjectRef.of("bench-inventory", key)));
      List<String> out = new ArrayList<>();
      Locations where = new Locations(config);
      node.get("files").forEach(f -> out.add(where.hadoopPath("s3://bench-inventory/" + f.get("key").asText())));
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void deleteTree(SparkSession spark, String path) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      p.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(p, true);
    } catch (java.io.IOException e) {
      System.err.println("could not remove " + path + ": " + e);
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
