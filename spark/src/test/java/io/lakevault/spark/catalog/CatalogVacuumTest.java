package io.lakevault.spark.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.spark.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * catalog vacuum on a catalog made by an earlier lakevault (every table kept removed files ten years):
 * the working tables' removed files go after the working retention, the audit tables' stay, a dry run
 * changes nothing, and a setting that would shorten an auditor's history is refused.
 *
 * <p>Time is not waited for: files VACUUM finds in a table's folder that no table version lists (what a
 * failed write leaves) are judged by their modification time, so the test ages such files, and ages the
 * tables' first commits to make the tables as old as the files.
 */
class CatalogVacuumTest {
  @TempDir Path dir;
  private final SparkSession spark = SharedSpark.session();

  private Catalog catalog(Map<String, String> settings) {
    return new Catalog(spark, SharedSpark.localConfig(dir, settings));
  }

  private Path table(CatalogTable t) {
    return dir.resolve("store/lakevault-catalog/catalog").resolve(t.tableName());
  }

  private Map<String, String> properties(Catalog c, CatalogTable t) {
    Row d = spark.sql("DESCRIBE DETAIL delta.`" + c.path(t) + "`").first();
    return scala.collection.JavaConverters.mapAsJavaMap(d.getMap(d.fieldIndex("properties")));
  }

  /** A file no table version lists, last modified {@code age} ago. */
  private Path leftover(CatalogTable t, String name, Duration age) throws Exception {
    Path f = table(t).resolve(name);
    Files.createDirectories(f.getParent());
    Files.write(f, new byte[1234]);
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(age)));
    return f;
  }

  private void age(CatalogTable t, Duration age) throws Exception {
    Files.setLastModifiedTime(table(t).resolve("_delta_log/00000000000000000000.json"),
        FileTime.from(Instant.now().minus(age)));
  }

  @Test
  void workingTablesLoseOldFilesAuditTablesKeepThemAndNothingAnAuditorHasIsShortened() throws Exception {
    Catalog c = catalog(Map.of());
    // Two tables of each purpose (vacuum plans the tables that exist): creating all fourteen takes longer
    // than the rest of the test.
    for (CatalogTable t : new CatalogTable[] {CatalogTable.CLASSIFIED, CatalogTable.INVENTORY, CatalogTable.OBJECTS,
        CatalogTable.PACKS}) {
      c.ensure(t);
    }
    // The layout an earlier lakevault created: ten years on every table.
    for (CatalogTable t : new CatalogTable[] {CatalogTable.CLASSIFIED, CatalogTable.INVENTORY}) {
      spark.sql("ALTER TABLE delta.`" + c.path(t) + "` SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = "
          + "'interval 3653 days')");
    }
    Path stale = leftover(CatalogTable.CLASSIFIED, "retention_class=finra-7y/part-00000-stale.snappy.parquet",
        Duration.ofDays(30));
    Path recent = leftover(CatalogTable.CLASSIFIED, "retention_class=finra-7y/part-00001-recent.snappy.parquet",
        Duration.ofDays(2));
    Path kept = leftover(CatalogTable.OBJECTS, "bucket=acme/part-00000-stale.snappy.parquet", Duration.ofDays(30));
    age(CatalogTable.CLASSIFIED, Duration.ofDays(60));
    age(CatalogTable.OBJECTS, Duration.ofDays(4000));

    CatalogVacuum vacuum = new CatalogVacuum(c, Clock.systemUTC());
    CatalogVacuum.Result plan = vacuum.run(new CatalogVacuum.Request(true, dir.resolve("plan.json").toString()),
        "dry-run");
    CatalogVacuum.TableOutcome classified = outcome(plan, "classified");
    assertEquals("3653d", classified.deletedBefore());
    assertEquals("7d", classified.deletedAfter());
    assertEquals(Map.of("delta.deletedFileRetentionDuration", "interval 7 days"), classified.set());
    assertTrue(classified.listed());
    assertEquals(1, classified.files(), plan.toString());
    assertEquals(1234, classified.bytes());
    CatalogVacuum.TableOutcome objects = outcome(plan, "objects");
    assertTrue(objects.set().isEmpty() && objects.listed() && objects.files() == 0, objects.toString());
    // A table younger than its retention is not listed at all.
    assertFalse(outcome(plan, "packs").listed());
    assertEquals(0, plan.refused());
    assertTrue(Files.readString(dir.resolve("plan.json")).contains("\"dry_run\" : true"));
    // The dry run changed nothing.
    assertTrue(Files.exists(stale));
    assertEquals("interval 3653 days", properties(c, CatalogTable.CLASSIFIED).get("delta.deletedFileRetentionDuration"));

    CatalogVacuum.Result done = vacuum.run(new CatalogVacuum.Request(false, null), "vacuum-1");
    assertEquals(1, outcome(done, "classified").files());
    assertFalse(Files.exists(stale), "a working table's file older than its retention is gone");
    assertTrue(Files.exists(recent), "a younger one stays");
    assertTrue(Files.exists(kept), "an audit table keeps its files for the history retention");
    assertEquals("interval 7 days", properties(c, CatalogTable.CLASSIFIED).get("delta.deletedFileRetentionDuration"));
    assertEquals("interval 7 days", properties(c, CatalogTable.INVENTORY).get("delta.deletedFileRetentionDuration"));
    assertEquals("interval 3653 days", properties(c, CatalogTable.OBJECTS).get("delta.deletedFileRetentionDuration"));
    assertEquals("interval 3653 days", properties(c, CatalogTable.CLASSIFIED).get("delta.logRetentionDuration"));
    assertTrue(Files.readString(dir.resolve("store/lakevault-catalog/catalog/reports/vacuum/vacuum-1.json"))
        .contains("\"table\" : \"classified\""));
    assertEquals(0, c.read(CatalogTable.CLASSIFIED).count(), "the table reads as before");

    // Run again: nothing left to set or delete.
    CatalogVacuum.Result again = vacuum.run(new CatalogVacuum.Request(false, null), "vacuum-2");
    assertEquals(0, again.files());
    assertTrue(again.tables().stream().allMatch(t -> t.set().isEmpty()), again.toString());

    // Someone lowers the history retention: every table would lose history an auditor has. Refused, untouched.
    Catalog shorter = catalog(Map.of("catalog.history-retention", "1000d"));
    CatalogVacuum.Result refused = new CatalogVacuum(shorter, Clock.systemUTC())
        .run(new CatalogVacuum.Request(false, null), "vacuum-3");
    assertEquals(refused.tables().size(), refused.refused());
    assertTrue(outcome(refused, "objects").refused().contains("does not shorten"), refused.toString());
    assertTrue(Files.exists(kept));
    assertEquals("interval 3653 days", properties(c, CatalogTable.OBJECTS).get("delta.deletedFileRetentionDuration"));
    assertTrue(CatalogVacuum.text(refused).contains("REFUSED"));
    assertNull(outcome(done, "objects").refused());
  }

  private static CatalogVacuum.TableOutcome outcome(CatalogVacuum.Result r, String table) {
    return r.tables().stream().filter(t -> t.table().equals(table)).findFirst()
        .orElseThrow(() -> new AssertionError(table + " not in " + r));
  }
}
