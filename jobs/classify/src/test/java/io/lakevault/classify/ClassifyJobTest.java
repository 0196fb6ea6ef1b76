package io.lakevault.classify;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.policy.ObjectFacts;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyEvaluator;
import io.lakevault.core.policy.PolicyException;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.generator.GeneratedLake;
import io.lakevault.generator.GeneratorOptions;
import io.lakevault.generator.LakeGenerator;
import io.lakevault.generator.SimulatedClock;
import io.lakevault.inventory.InventoryJob;
import io.lakevault.spark.SharedSpark;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The classify job on the generator's lake, with the demo policy. */
class ClassifyJobTest {
  @TempDir static Path dir;
  static GeneratedLake lake;
  static Catalog catalog;
  static byte[] policyBytes;
  static Policy policy;
  static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private static final AtomicInteger RUNS = new AtomicInteger();

  @BeforeAll
  static void ingest() throws Exception {
    SimulatedClock clock = new SimulatedClock();
    LocalObjectStore store = new LocalObjectStore(dir.resolve("store"), Duration.ZERO, clock);
    lake = new LakeGenerator(store, clock, SharedSpark.session(),
        GeneratorOptions.defaults().withObjects(400).withLargeObjects(0, 0)).generate();
    catalog = newCatalog();
    new InventoryJob(catalog, Clock.systemUTC()).run(new InventoryJob.Request(
        lake.reports().stream().map(GeneratedLake.Report::configPrefixUri).toList(), null, null, false), "inventory-1");
    policyBytes = Files.readAllBytes(Path.of("../../conf/policy.yaml"));
    policy = PolicyParser.parse("conf/policy.yaml", policyBytes);
  }

  static Catalog newCatalog() {
    LakevaultConfig config = SharedSpark.localConfig(dir, Map.of("catalog.uri", "s3://cat-" + RUNS.incrementAndGet() + "/catalog"));
    return new Catalog(SharedSpark.session(), config);
  }

  static ClassifyResult classify(Catalog c, Policy p, byte[] bytes, boolean dryRun) {
    return new ClassifyJob(c, Clock.fixed(NOW, ZoneOffset.UTC))
        .run(new ClassifyJob.Request(p, bytes, PriceTable.builtIn(), dryRun, null), "classify-" + RUNS.incrementAndGet());
  }

  @Test
  void everyVersionOfTheLatestAllVersionsReportsGetsExactlyOneDecision() {
    ClassifyResult result = classify(catalog, policy, policyBytes, false);
    List<Row> table = catalog.read(CatalogTable.CLASSIFIED).collectAsList();
    long allVersionRows = lake.reports().stream().filter(GeneratedLake.Report::allVersions).mapToLong(GeneratedLake.Report::rows).sum();
    assertEquals(allVersionRows, table.size(), "all-versions reports are preferred over current ones of the same bucket");
    assertEquals(3, result.inventory().size());
    assertTrue(result.inventory().stream().allMatch(LatestInventory.Report::allVersions));
    long distinct = catalog.read(CatalogTable.CLASSIFIED).select("bucket", "key", "version_id").distinct().count();
    assertEquals(table.size(), distinct, "one row per object version");
    assertEquals(table.size(), result.counts().get("objects"));
    assertEquals(table.size(), result.total("ARCHIVE").objects() + result.total("EXCLUDE").objects()
        + result.total("UNMATCHED").objects(), "archived, excluded and unmatched account for every version");
    // Each row's decision is what the reference evaluator decides for it.
    PolicyEvaluator reference = new PolicyEvaluator(policy);
    Map<String, Row> inventory = new java.util.HashMap<>();
    Map<String, java.util.Set<ObjectFacts>> byKey = new java.util.TreeMap<>();
    for (Row r : LatestInventory.of(catalog).rows().collectAsList()) {
      inventory.put(r.getAs("bucket") + "/" + r.getAs("key") + "@" + r.getAs("version_id"), r);
      Timestamp lm = r.getAs("last_modified_date");
      byKey.computeIfAbsent(r.getAs("bucket") + "/" + r.getAs("key"), k -> new java.util.HashSet<>()).add(new ObjectFacts(
          r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), r.getAs("is_latest"), r.getAs("is_delete_marker"),
          r.getAs("size"), lm == null ? null : lm.toInstant(), r.getAs("storage_class"), r.getAs("encryption_status"),
          r.getAs("object_lock_mode"), r.getAs("object_lock_legal_hold_status")));
    }
    // explain's lookup of one object with Delta Kernel reads the same versions as the Spark reader: every
    // tenth key, and the keys with special characters.
    InventoryLookup kernel = new InventoryLookup(new io.lakevault.kernel.KernelCatalog(catalog.config()), catalog.config());
    int i = 0;
    for (Map.Entry<String, java.util.Set<ObjectFacts>> e : byKey.entrySet()) {
      String bucket = e.getKey().substring(0, e.getKey().indexOf('/'));
      String key = e.getKey().substring(bucket.length() + 1);
      if (i++ % 10 != 0 && !io.lakevault.generator.LakeGenerator.trickyKeys().contains(key)) continue;
      assertEquals(e.getValue(), new java.util.HashSet<>(kernel.versions(bucket, key, null).versions()), e.getKey());
    }
    for (Row c : table) {
      Row inv = inventory.get(c.getAs("bucket") + "/" + c.getAs("key") + "@" + c.getAs("version_id"));
      Timestamp lm = inv.getAs("last_modified_date");
      ObjectFacts o = new ObjectFacts(inv.getAs("bucket"), inv.getAs("key"), inv.getAs("version_id"), inv.getAs("is_latest"),
          inv.getAs("is_delete_marker"), inv.getAs("size"), lm == null ? null : lm.toInstant(), inv.getAs("storage_class"),
          inv.getAs("encryption_status"), inv.getAs("object_lock_mode"), inv.getAs("object_lock_legal_hold_status"));
      PolicyEvaluator.Decision d = reference.decide(o, NOW);
      String expected = !d.matched() ? "UNMATCHED" : d.retentionClass() == null ? "EXCLUDE" : "ARCHIVE";
      assertEquals(expected, c.getAs("decision"), o.toString());
      assertEquals(d.matched() ? d.rule().id() : null, c.getAs("rule_id"));
      assertEquals(d.retentionClass() == null ? null : d.retentionClass().name(), c.getAs("retention_class"));
      Timestamp until = c.getAs("retain_until");
      assertEquals(d.retainUntil(), until == null ? null : until.toInstant(), "retain-until of " + o);
      if ("ARCHIVE".equals(expected)) {
        String month = d.retainUntil().atZone(ZoneOffset.UTC).toLocalDate().toString().substring(0, 7);
        assertEquals(d.retentionClass().name() + "/" + month + "/" + o.bucket(), c.getAs("pack_group"));
      } else {
        assertNull(c.getAs("pack_group"));
      }
      assertEquals(policy.sha256(), c.getAs("policy_sha256"));
    }
    // The report: every class, per-rule counts, the unmatched listed.
    assertEquals(policy.classes().keySet(), result.classes().stream().map(s -> s.retentionClass().name())
        .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)));
    assertEquals(result.total("ARCHIVE").objects(), result.classes().stream().mapToLong(s -> s.volume().objects()).sum());
    ClassifyResult.ClassSummary finra = result.classes().stream().filter(s -> s.retentionClass().name().equals("finra-7y"))
        .findFirst().orElseThrow();
    assertEquals(finra.volume().objects(), finra.histogram().stream().mapToLong(ClassifyResult.Bin::objects).sum());
    assertTrue(finra.cost().packed().total() < finra.cost().asIs().total(), "packing small objects is cheaper");
    long unmatched = table.stream().filter(r -> r.getAs("decision").equals("UNMATCHED")).count();
    assertTrue(unmatched > 0, "the demo policy leaves the tricky keys of the sensor bucket unmatched on purpose");
    assertEquals(unmatched, result.unmatched().volume().objects());
    assertEquals(unmatched, result.unmatched().topPrefixes().stream().mapToLong(ClassifyResult.PrefixCount::objects).sum());
    assertTrue(result.unmatched().examples().contains("s3://acme-sensor-blobs/reports/emoji/📈 rally.json"),
        result.unmatched().examples().toString());
    String text = ReportFormat.text(result);
    assertTrue(text.contains("Unmatched: " + unmatched + " object versions"), text);
    // The policy and the JSON report are kept in the catalog.
    String catalogRoot = catalog.locations().hadoopPath(catalog.config().get(io.lakevault.core.config.Settings.CATALOG_URI))
        .substring("file:".length());
    assertTrue(Arrays.equals(policyBytes, readBytes(Path.of(catalogRoot, "policies", policy.sha256() + ".yaml"))));
    String json = new String(readBytes(Path.of(catalogRoot, "reports", "classify", result.runId() + ".json")), StandardCharsets.UTF_8);
    assertTrue(json.contains("\"saved_fraction\""), json);
    assertTrue(json.contains("\"unmatched\""), json);
  }

  @Test
  void aDryRunWritesNothingAndASecondRunReplacesTheFirst() {
    Catalog c = newCatalog();
    new InventoryJob(c, Clock.systemUTC()).run(new InventoryJob.Request(lake.reports().stream()
        .filter(GeneratedLake.Report::allVersions).map(GeneratedLake.Report::configPrefixUri).toList(), null, null, false),
        "inventory-2");
    ClassifyResult dry = classify(c, policy, policyBytes, true);
    assertFalse(c.exists(CatalogTable.CLASSIFIED) && !c.read(CatalogTable.CLASSIFIED).isEmpty(), "a dry run writes no rows");
    assertNull(dry.reportUri());
    ClassifyResult first = classify(c, policy, policyBytes, false);
    assertEquals(dry.totals(), first.totals(), "a dry run reports what a real run does");
    byte[] excludeAll = """
        version: 1
        classes:
          keep: {retain: 1y}
        rules:
          - id: nothing
            match: {}
            exclude: testing
          - id: big
            priority: 1
            match: {size: {at-least: 1 GiB}}
            class: keep
        """.getBytes(StandardCharsets.UTF_8);
    classify(c, PolicyParser.parse("x.yaml", excludeAll), excludeAll, false);
    List<Row> decisions = c.read(CatalogTable.CLASSIFIED).groupBy("decision").count().collectAsList();
    assertEquals(1, decisions.size(), "the table holds only the latest classification: " + decisions);
    assertEquals("EXCLUDE", decisions.get(0).getString(0));
    assertEquals(2, c.table(CatalogTable.CLASSIFIED).history().where(col("operation").equalTo("WRITE")).count(),
        "one commit per run; earlier decisions stay reachable by time travel");
  }

  @Test
  void aPolicyWithLintErrorsIsRefusedBeforeAnythingIsRead() {
    byte[] ambiguous = """
        version: 1
        classes:
          a: {retain: 1y}
          b: {retain: 2y}
        rules:
          - id: json
            match: {glob: '**.json'}
            class: a
          - id: logs
            match: {bucket: acme-trading-logs}
            class: b
        """.getBytes(StandardCharsets.UTF_8);
    Catalog empty = newCatalog();
    PolicyException e = assertThrows(PolicyException.class,
        () -> classify(empty, PolicyParser.parse("ambiguous.yaml", ambiguous), ambiguous, false));
    assertTrue(e.getMessage().contains("ambiguous.yaml:9: error: rules 'json' (line 6, a) and 'logs' (b) can match the same objects"),
        e.getMessage());
    assertFalse(empty.exists(CatalogTable.CLASSIFIED));
  }

  @Test
  void withoutAnInventoryTheMessageSaysWhatToRunFirst() {
    LakevaultException e = assertThrows(LakevaultException.class, () -> classify(newCatalog(), policy, policyBytes, false));
    assertTrue(e.getMessage().contains("has no ingested inventory report; run 'lakevault inventory' first"), e.getMessage());
  }

  private static byte[] readBytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aTableOfTheEarlierLayoutIsRewrittenWithThePendingPartitionAndKeepsItsProperties() {
    Catalog c = newCatalog();
    // classified as a catalog written before archive_pending: partitioned by class alone.
    io.delta.tables.DeltaTableBuilder b = io.delta.tables.DeltaTable.create(c.spark()).location(c.path(CatalogTable.CLASSIFIED))
        .partitionedBy("retention_class");
    for (org.apache.spark.sql.types.StructField f : CatalogTable.CLASSIFIED.schema().fields()) {
      if (!f.name().equals("archive_pending")) b = b.addColumn(f);
    }
    for (Map.Entry<String, String> e : c.tableProperties(CatalogTable.CLASSIFIED).entrySet()) b = b.property(e.getKey(), e.getValue());
    b.execute();
    // The inventory of the shared catalog, copied: this catalog has none of its own.
    c.spark().read().format("delta").load(catalog.path(CatalogTable.INVENTORY)).write().format("delta")
        .partitionBy(CatalogTable.INVENTORY.partitionColumns().toArray(new String[0])).save(c.path(CatalogTable.INVENTORY));
    c.spark().read().format("delta").load(catalog.path(CatalogTable.INVENTORY_REPORTS)).write().format("delta")
        .save(c.path(CatalogTable.INVENTORY_REPORTS));

    ClassifyResult result = classify(c, policy, policyBytes, false);
    Row detail = c.table(CatalogTable.CLASSIFIED).detail().select("partitionColumns", "properties").first();
    assertEquals(List.of("archive_pending", "retention_class"), detail.getList(0));
    assertEquals(c.tableProperties(CatalogTable.CLASSIFIED).get("lakevault.history"),
        detail.<String, String>getJavaMap(1).get("lakevault.history"), "the table's history settings survive the new layout");
    assertTrue(result.pending().plan().all(), "no archive run yet: " + result.pending().plan().reason());
    assertEquals(result.total("ARCHIVE").objects(), result.pending().versions());
    assertEquals(result.pending().versions(), c.read(CatalogTable.CLASSIFIED).where(col("archive_pending")).count());
    assertEquals(0, c.read(CatalogTable.CLASSIFIED).where(col("archive_pending").and(col("decision").notEqual("ARCHIVE"))).count());
  }
}
