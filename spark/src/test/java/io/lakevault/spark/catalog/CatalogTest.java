package io.lakevault.spark.catalog;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {
  @TempDir Path dir;
  private final SparkSession spark = SharedSpark.session();

  @Test
  void ensureCreatesEveryTableOnTheLocalStoreWithTheRetentionOfItsPurpose() {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("catalog.history-retention", "2557d",
        "catalog.working-retention", "14d"));
    Catalog catalog = new Catalog(spark, config);
    catalog.ensureTables();
    catalog.ensureTables(); // idempotent
    for (CatalogTable t : CatalogTable.values()) {
      Path onDisk = dir.resolve("store/lakevault-catalog/catalog").resolve(t.tableName()).resolve("_delta_log");
      assertTrue(Files.isDirectory(onDisk), onDisk.toString());
      assertEquals(t.schema(), catalog.read(t).schema(), t.tableName());
      Row detail = spark.sql("DESCRIBE DETAIL delta.`" + catalog.path(t) + "`").first();
      Map<String, String> props = scala.collection.JavaConverters.mapAsJavaMap(detail.getMap(detail.fieldIndex("properties")));
      assertEquals("interval 2557 days", props.get("delta.logRetentionDuration"), t.tableName());
      // Removed files: an auditor's years on the archive's record, two weeks on what the next run recomputes.
      boolean working = java.util.Set.of(CatalogTable.INVENTORY, CatalogTable.INVENTORY_CHANGES,
          CatalogTable.INVENTORY_QUARANTINE, CatalogTable.CLASSIFIED).contains(t);
      assertEquals(working ? "interval 14 days" : "interval 2557 days", props.get("delta.deletedFileRetentionDuration"),
          t.tableName());
      assertEquals(working ? "working" : "audit", props.get("lakevault.history"), t.tableName());
      assertEquals(t.partitionColumns(),
          scala.collection.JavaConverters.seqAsJavaList(detail.getSeq(detail.fieldIndex("partitionColumns"))));
    }
  }

  @Test
  void aTableWhoseCreationWasKilledIsCreatedByTheNextRun() throws Exception {
    Catalog catalog = new Catalog(spark, SharedSpark.localConfig(dir, Map.of()));
    // What a kill -9 during the first commit leaves: the log folder, a temporary file, no commit.
    Path log = Path.of(java.net.URI.create(catalog.path(CatalogTable.OBJECTS))).resolve("_delta_log");
    Files.createDirectories(log);
    Files.writeString(log.resolve(".00000000000000000000.json.0b5e1c3a.tmp"), "{\"commitInfo\":");
    assertEquals(false, catalog.exists(CatalogTable.OBJECTS));
    catalog.ensure(CatalogTable.OBJECTS);
    assertTrue(catalog.exists(CatalogTable.OBJECTS));
    assertEquals(0L, catalog.read(CatalogTable.OBJECTS).count());
    assertEquals(CatalogTable.OBJECTS.schema(), catalog.read(CatalogTable.OBJECTS).schema());
  }

  @Test
  void anOlderTableGainsNewColumnsButAChangedTypeIsRefused() {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of());
    Catalog catalog = new Catalog(spark, config);
    String path = catalog.path(CatalogTable.PACKS);
    spark.sql("CREATE TABLE delta.`" + path + "` (pack_id STRING NOT NULL, uri STRING NOT NULL) USING delta");
    catalog.ensure(CatalogTable.PACKS);
    assertEquals(CatalogTable.PACKS.schema().fieldNames().length, catalog.read(CatalogTable.PACKS).schema().size());

    String runs = catalog.path(CatalogTable.RUNS);
    spark.sql("CREATE TABLE delta.`" + runs + "` (run_id STRING NOT NULL, bytes STRING) USING delta");
    LakevaultException e = assertThrows(LakevaultException.class, () -> catalog.ensure(CatalogTable.RUNS));
    assertTrue(e.getMessage().contains("column 'bytes' of type STRING but this lakevault expects BIGINT"), e.getMessage());
  }

  @Test
  void optimizeRewritesTheObjectsTableByKeyAndKeepsEveryRow() {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of());
    Catalog catalog = new Catalog(spark, config);
    assertEquals(0L, catalog.optimizeObjects().get("files_added"), "no table yet: nothing to do");
    catalog.ensure(CatalogTable.OBJECTS);
    java.util.List<org.apache.spark.sql.Column> cols = new java.util.ArrayList<>();
    for (var f : CatalogTable.OBJECTS.schema().fields()) {
      org.apache.spark.sql.Column c = switch (f.name()) {
        case "bucket" -> org.apache.spark.sql.functions.lit("bkt");
        case "key" -> org.apache.spark.sql.functions.expr("concat('k/', lpad(cast(pmod(id * 7919, 100000) as string), 6, '0'))");
        case "size", "entry_offset", "entry_length" -> org.apache.spark.sql.functions.col("id");
        case "is_delete_marker" -> org.apache.spark.sql.functions.lit(false);
        case "retention_class", "run_id" -> org.apache.spark.sql.functions.lit("x");
        case "archived_at" -> org.apache.spark.sql.functions.current_timestamp();
        default -> org.apache.spark.sql.functions.lit(null);
      };
      cols.add(c.cast(f.dataType()).as(f.name()));
    }
    for (int run = 0; run < 3; run++) { // three archive runs, each spanning the whole key range
      spark.range(run * 3000L, (run + 1) * 3000L, 1, 2).select(cols.toArray(org.apache.spark.sql.Column[]::new))
          .write().format("delta").mode("append").save(catalog.path(CatalogTable.OBJECTS));
    }
    assertEquals(9000L, catalog.read(CatalogTable.OBJECTS).where(col(ContentKey.COLUMN).isNull()).count(),
        "rows written before content_key existed");
    Map<String, Long> m = catalog.optimizeObjects();
    assertEquals(6L, m.get("files_removed"));
    assertEquals(9000L, catalog.read(CatalogTable.OBJECTS).count());
    assertEquals(0L, catalog.read(CatalogTable.OBJECTS).where(col(ContentKey.COLUMN).isNull()).count(),
        "optimize fills content_key in");
    assertEquals(9000L, catalog.read(CatalogTable.OBJECTS).where(col(ContentKey.COLUMN).equalTo(
        ContentKey.of(col("retention_class"), col("size"), col("e_tag")))).count());
    // Small tables compact to one file; on large ones each file gets its own key range (bench/README.md).
    assertEquals(1L, m.get("files_added"));
    // In key order inside the file, so Parquet's page statistics let a reader skip to one page.
    String[] files = catalog.read(CatalogTable.OBJECTS).inputFiles();
    assertEquals(1, files.length);
    java.util.List<String> keys = spark.read().parquet(files[0]).select("key").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
    java.util.List<String> sorted = new java.util.ArrayList<>(keys);
    java.util.Collections.sort(sorted);
    assertEquals(9000, keys.size());
    assertEquals(sorted, keys, "rows in key order");
  }
}
