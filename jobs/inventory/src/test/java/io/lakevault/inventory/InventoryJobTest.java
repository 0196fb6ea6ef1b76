package io.lakevault.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.inventory.InventoryField;
import io.lakevault.core.inventory.InventoryFormat;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.PutOptions;
import io.lakevault.generator.GeneratedLake;
import io.lakevault.generator.GeneratorOptions;
import io.lakevault.generator.LakeGenerator;
import io.lakevault.generator.SimulatedClock;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inventory job on the generator's lake: every format, tricky keys, idempotency, change sets. */
class InventoryJobTest {
  @TempDir static Path dir;
  static LocalObjectStore store;
  static SimulatedClock clock;
  static GeneratedLake lake;
  private static final AtomicInteger CATALOGS = new AtomicInteger();
  private final SparkSession spark = SharedSpark.session();

  @BeforeAll
  static void generate() {
    clock = new SimulatedClock();
    store = new LocalObjectStore(dir.resolve("store"), Duration.ZERO, clock);
    lake = new LakeGenerator(store, clock, SharedSpark.session(),
        GeneratorOptions.defaults().withObjects(300).withLargeObjects(0, 0)).generate();
  }

  static Catalog newCatalog(Map<String, String> more) {
    Map<String, String> m = new java.util.HashMap<>(more);
    m.put("catalog.uri", "s3://cat-" + CATALOGS.incrementAndGet() + "/catalog");
    LakevaultConfig config = SharedSpark.localConfig(dir, m);
    return new Catalog(SharedSpark.session(), config);
  }

  static InventoryResult ingest(Catalog catalog, List<String> sources) {
    return new InventoryJob(catalog, Clock.systemUTC()).run(new InventoryJob.Request(sources, null, null, false),
        "inventory-test-" + CATALOGS.incrementAndGet());
  }

  @Test
  void everyFormatIsIngestedWithDecodedKeysAndVersions() {
    Catalog catalog = newCatalog(Map.of());
    List<String> sources = lake.reports().stream().map(GeneratedLake.Report::configPrefixUri).toList();
    InventoryResult result = ingest(catalog, sources);
    assertEquals(6, result.reports().size());
    for (GeneratedLake.Report r : lake.reports()) {
      InventoryResult.Report got = result.reports().stream()
          .filter(x -> x.configId().equals(r.configId()) && x.sourceBucket().equals(r.sourceBucket())).findFirst().orElseThrow();
      assertEquals(r.rows(), got.rows(), r.configId());
      assertEquals(0, got.badRows());
      assertEquals(r.rows(), got.newVersions(), "a first report is all new");
      Dataset<Row> rows = catalog.read(CatalogTable.INVENTORY)
          .where("source_bucket = '" + r.sourceBucket() + "' AND config_id = '" + r.configId() + "'");
      Set<String> keys = rows.select("key").collectAsList().stream().map(x -> x.getString(0)).collect(Collectors.toSet());
      for (String tricky : LakeGenerator.trickyKeys()) {
        assertTrue(keys.contains(tricky), r.configId() + " has " + tricky);
      }
      if (r.allVersions()) {
        assertEquals(0, rows.where("version_id IS NULL").count(), "all-versions rows carry a version id");
        if (!r.sourceBucket().equals(LakeGenerator.BLOBS)) {
          assertTrue(rows.where("is_delete_marker AND is_latest").count() > 0, r.configId() + " has delete markers");
          assertTrue(rows.where("NOT is_latest").count() > 0, r.configId() + " has noncurrent versions");
        } else {
          assertEquals(rows.count(), rows.where("version_id = 'null'").count(), "an unversioned bucket has the null version");
        }
      } else {
        assertEquals(rows.count(), rows.where("version_id IS NULL").count());
      }
      assertEquals(0, rows.where("storage_class <> upper(storage_class)").count());
    }
    // The lock columns of the transactions bucket survive every format.
    assertTrue(catalog.read(CatalogTable.INVENTORY).where("source_bucket = 'acme-transactions' AND object_lock_mode = 'COMPLIANCE'"
        + " AND object_lock_retain_until_date > last_modified_date AND object_lock_legal_hold_status = 'OFF'").count() > 0);
    Row reportRow = catalog.read(CatalogTable.INVENTORY_REPORTS).where("config_id = 'all-versions-csv'").first();
    assertEquals(lake.reports().get(0).rows(), reportRow.<Long>getAs("rows"));
    assertEquals(Instant.parse("2024-07-01T00:00:00Z"), reportRow.getTimestamp(reportRow.fieldIndex("report_time")).toInstant());
  }

  @Test
  void theSameRowsReadTheSameInEveryFormat() {
    // The generator's rows of one bucket, written again in all three formats: the normalized rows must match.
    Catalog catalog = newCatalog(Map.of());
    Dataset<Row> source = spark.read().format("delta").load(ingestOne(catalog, "all-versions-csv"))
        .where("config_id = 'all-versions-csv'").select(java.util.Arrays.stream(InventoryField.values())
            .map(f -> org.apache.spark.sql.functions.col(f.column())).toArray(org.apache.spark.sql.Column[]::new));
    List<InventoryField> optional = java.util.Arrays.stream(InventoryField.values()).filter(InventoryField::optional).toList();
    List<String> sources = new java.util.ArrayList<>();
    for (InventoryFormat f : InventoryFormat.values()) {
      var spec = new io.lakevault.generator.InventoryReportWriter.Spec(LakeGenerator.LOGS, "same-" + f.name().toLowerCase(),
          f, true, optional, LakeGenerator.INVENTORY, "equivalence", Instant.parse("2024-08-01T00:00:00Z"), 2);
      String manifest = io.lakevault.generator.InventoryReportWriter.write(spark, store, source, spec);
      sources.add(manifest);
    }
    ingest(catalog, sources);
    Dataset<Row> all = catalog.read(CatalogTable.INVENTORY).where("config_id LIKE 'same-%'");
    List<String> cols = java.util.Arrays.stream(InventoryField.values()).map(InventoryField::column).toList();
    Dataset<Row> csv = all.where("config_id = 'same-csv'").selectExpr(cols.toArray(String[]::new));
    for (String other : List.of("same-orc", "same-parquet")) {
      Dataset<Row> o = all.where("config_id = '" + other + "'").selectExpr(cols.toArray(String[]::new));
      SharedSpark.assertSameRows(csv, o);
    }
    assertEquals(source.count(), csv.count());
  }

  private String ingestOne(Catalog catalog, String configId) {
    GeneratedLake.Report r = lake.reports().stream().filter(x -> x.configId().equals(configId)).findFirst().orElseThrow();
    ingest(catalog, List.of(r.manifestUri()));
    return catalog.path(CatalogTable.INVENTORY);
  }

  @Test
  void ingestingTheSameReportTwiceLeavesOneCopy() {
    Catalog catalog = newCatalog(Map.of());
    GeneratedLake.Report r = lake.reports().get(1);
    ingest(catalog, List.of(r.configPrefixUri()));
    InventoryResult again = ingest(catalog, List.of(r.configPrefixUri()));
    assertEquals(r.rows(), catalog.read(CatalogTable.INVENTORY).count());
    assertEquals(1, catalog.read(CatalogTable.INVENTORY_REPORTS).count());
    assertEquals(r.rows(), again.reports().get(0).rows());
    assertNull(again.reports().get(0).previousReportTime(), "a re-run compares with the same previous report as before");
  }

  @Test
  void aDryRunCountsAndCommitsNothing() {
    Catalog catalog = newCatalog(Map.of());
    InventoryResult r = new InventoryJob(catalog, Clock.systemUTC()).run(new InventoryJob.Request(
        List.of(lake.reports().get(2).configPrefixUri()), null, null, true), "dry");
    assertEquals(lake.reports().get(2).rows(), r.reports().get(0).rows());
    assertFalse(io.delta.tables.DeltaTable.isDeltaTable(spark, catalog.path(CatalogTable.INVENTORY)));
  }

  @Test
  void changeSetsAcrossTwoReports() {
    // A lake of its own: this test delivers a second day of reports.
    Path own = dir.resolve("changes");
    SimulatedClock c2 = new SimulatedClock();
    LocalObjectStore s2 = new LocalObjectStore(own.resolve("store"), Duration.ZERO, c2);
    GeneratedLake lake2 = new LakeGenerator(s2, c2, spark, GeneratorOptions.defaults().withObjects(120)
        .withLargeObjects(0, 0)).generate();
    Catalog catalog = new Catalog(spark, SharedSpark.localConfig(own, Map.of()));
    List<String> logs = lake2.reports().stream().filter(r -> r.sourceBucket().equals(LakeGenerator.LOGS))
        .map(GeneratedLake.Report::configPrefixUri).toList();
    ingest(catalog, logs);

    // A day in the lake: one key overwritten, one deleted, one created.
    String changed = LakeGenerator.trickyKeys().get(0);
    String deleted = LakeGenerator.trickyKeys().get(1);
    String created = "app=order-router/dt=2024-07-01/hour=09/new-object.json";
    c2.set(Instant.parse("2024-07-01T09:00:00Z"));
    s2.put(LakeGenerator.LOGS, changed, "{\"rewritten\":true}\n".getBytes(), PutOptions.builder().contentType("application/json").build());
    s2.delete(ObjectRef.of(LakeGenerator.LOGS, deleted));
    s2.put(LakeGenerator.LOGS, created, "{\"new\":true}\n".getBytes(), PutOptions.defaults());
    c2.clear();
    new LakeGenerator(s2, c2, spark, GeneratorOptions.defaults()).writeReports(Instant.parse("2024-07-02T00:00:00Z"));

    InventoryResult second = ingest(catalog, logs);
    InventoryResult.Report all = second.reports().stream().filter(InventoryResult.Report::allVersions).findFirst().orElseThrow();
    InventoryResult.Report cur = second.reports().stream().filter(x -> !x.allVersions()).findFirst().orElseThrow();
    assertEquals(Instant.parse("2024-07-01T00:00:00Z"), all.previousReportTime());
    // All versions: the new version of `changed` and the new key are NEW; the new delete marker is DELETED.
    assertEquals(2, all.newVersions());
    assertEquals(0, all.changed());
    assertEquals(1, all.deleted());
    // Current versions: the new key is NEW, the overwritten key CHANGED, the deleted key DELETED.
    assertEquals(1, cur.newVersions());
    assertEquals(1, cur.changed());
    assertEquals(1, cur.deleted());
    Dataset<Row> day = catalog.read(CatalogTable.INVENTORY_CHANGES).where("report_date = DATE'2024-07-02'");
    assertEquals(Set.of(changed), keys(day.where("config_id = 'current-parquet' AND change = 'CHANGED'")));
    assertEquals(Set.of(deleted), keys(day.where("change = 'DELETED'")));
    assertEquals(Set.of(created), keys(day.where("config_id = 'current-parquet' AND change = 'NEW'")));
    Row c = day.where("config_id = 'current-parquet' AND change = 'CHANGED'").first();
    assertEquals(19L, c.<Long>getAs("size"), "{\"rewritten\":true} and a newline");
    assertTrue(c.<Long>getAs("previous_size") > 19L);
    // Both reports stay in the inventory, one partition each.
    assertEquals(2, catalog.read(CatalogTable.INVENTORY).where("config_id = 'current-parquet'")
        .select("report_date").distinct().count());
  }

  private static Set<String> keys(Dataset<Row> d) {
    return d.select("key").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
  }

  @Test
  void noSourceIsAUsageError() {
    LakevaultException e = assertThrows(LakevaultException.class, () -> InventoryJob.sources(List.of(),
        LakevaultConfig.defaults()));
    assertTrue(e.getMessage().contains("inventory.sources"), e.getMessage());
  }
}
