package io.lakevault.spark.catalog;

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
  void ensureCreatesEveryTableOnTheLocalStoreWithAuditRetention() {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("catalog.history-retention", "2557d"));
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
      assertEquals("interval 2557 days", props.get("delta.deletedFileRetentionDuration"), t.tableName());
      assertEquals(t.partitionColumns(),
          scala.collection.JavaConverters.seqAsJavaList(detail.getSeq(detail.fieldIndex("partitionColumns"))));
    }
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
}
