package io.lakevault.spark.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.time.MutableClock;
import io.lakevault.spark.SharedSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunRecorderTest {
  @TempDir Path dir;
  private final SparkSession spark = SharedSpark.session();

  @Test
  void aRunIsOneRowFromStartToEndWithSecretsRedacted() {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("spark.hadoop.fs.s3a.secret.key", "hunter2"));
    Catalog catalog = new Catalog(spark, config);
    MutableClock clock = new MutableClock(Instant.parse("2026-01-02T03:04:05Z"));
    RunRecorder recorder = new RunRecorder(catalog, clock);

    RunRecorder.Run run = recorder.start("inventory", List.of("--source", "s3://inv/x/"));
    assertTrue(run.runId().startsWith("inventory-20260102T030405Z-"), run.runId());
    Row started = catalog.read(CatalogTable.RUNS).first();
    assertEquals("RUNNING", started.getAs("status"));
    assertNull(started.getAs("ended_at"));
    Map<String, String> conf = scala.collection.JavaConverters.mapAsJavaMap(started.getMap(started.fieldIndex("config")));
    assertEquals("****", conf.get("spark.hadoop.fs.s3a.secret.key"));

    clock.advance(Duration.ofSeconds(90));
    run.succeeded(Map.of("rows", 1200L), 4096L, Map.of("rows_per_second", 13.3));

    StructType shape = new StructType().add("run_id", DataTypes.StringType).add("status", DataTypes.StringType)
        .add("ended_at", DataTypes.TimestampType).add("bytes", DataTypes.LongType)
        .add("rows", DataTypes.LongType).add("duration", DataTypes.DoubleType);
    Dataset<Row> expected = spark.createDataFrame(List.of(RowFactory.create(run.runId(), "SUCCEEDED",
        Timestamp.from(Instant.parse("2026-01-02T03:05:35Z")), 4096L, 1200L, 90.0)), shape);
    Dataset<Row> actual = catalog.read(CatalogTable.RUNS).selectExpr("run_id", "status", "ended_at", "bytes",
        "counts['rows'] AS rows", "metrics['duration_seconds'] AS duration");
    SharedSpark.assertSameRows(expected, spark.createDataFrame(actual.collectAsList(), shape));
  }

  @Test
  void aFailedRunKeepsItsError() {
    Catalog catalog = new Catalog(spark, SharedSpark.localConfig(dir, Map.of()));
    RunRecorder.Run run = new RunRecorder(catalog, java.time.Clock.systemUTC()).start("archive", List.of());
    run.failed(new IllegalStateException("pack upload refused"), Map.of(), 0);
    Row r = catalog.read(CatalogTable.RUNS).first();
    assertEquals("FAILED", r.getAs("status"));
    assertEquals("IllegalStateException: pack upload refused", r.getAs("error"));
    assertEquals(1, catalog.read(CatalogTable.RUNS).count());
  }
}
