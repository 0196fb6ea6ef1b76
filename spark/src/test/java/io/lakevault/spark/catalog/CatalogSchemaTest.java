package io.lakevault.spark.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/**
 * Pins the catalog schemas: a change to {@link CatalogTable} must also change the golden file and
 * docs/catalog.md, as a conscious migration.
 */
class CatalogSchemaTest {

  static String render() {
    StringBuilder sb = new StringBuilder();
    for (CatalogTable t : CatalogTable.values()) {
      sb.append(t.tableName()).append(" partitioned by ").append(t.partitionColumns()).append('\n');
      for (StructField f : t.schema().fields()) {
        sb.append("  ").append(f.name()).append(' ').append(f.dataType().sql())
            .append(f.nullable() ? "" : " NOT NULL").append('\n');
      }
    }
    return sb.toString();
  }

  @Test
  void schemasMatchTheGoldenFile() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/catalog-schemas.txt")) {
      String golden = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(golden, render(), "catalog schemas changed: update spark/src/test/resources/catalog-schemas.txt"
          + " and docs/catalog.md, and describe the migration");
    }
  }

  @Test
  void docsDescribeEveryColumn() throws IOException {
    Path doc = Path.of("..", "docs", "catalog.md");
    String text = Files.readString(doc);
    for (CatalogTable t : CatalogTable.values()) {
      assertTrue(text.contains("## `" + t.tableName() + "`"), "docs/catalog.md has no section for " + t.tableName());
      for (StructField f : t.schema().fields()) {
        String row = "| `" + f.name() + "` | " + f.dataType().sql() + (f.nullable() ? "" : " NOT NULL") + " |";
        assertTrue(text.contains(row), "docs/catalog.md lacks the row " + row + " for table " + t.tableName());
      }
    }
  }
}
