package io.lakevault.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every notebook's SQL ({@code notebooks/}), cell by cell and in order, against the catalog the demo builds
 * (inventory, classify, archive, restore and export of a small generated lake; shared with the demo's and
 * the desk's tests, which is why this test lives here), so a schema change that breaks a notebook breaks
 * the build. Parameters the notebooks SET are pointed at the demo's data; cells tagged
 * {@code expect-rows} must return rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotebooksTest {
  private static final Path NOTEBOOKS = Path.of("").toAbsolutePath().getParent().resolve("notebooks");
  private static final Pattern SET = Pattern.compile("(?is)SET\\s+([a-z0-9_.]+)\\s*=\\s*(.*)");
  private static final Pattern USE = Pattern.compile("\\$\\{([a-z0-9_.]+)}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private SparkSession spark;
  private final Map<String, String> parameters = new LinkedHashMap<>();

  @BeforeAll
  void runTheDemo() {
    DemoCatalog demo = DemoCatalog.get();
    spark = SparkSession.active();
    String catalog = "file:" + demo.store().resolve("lakevault-catalog/catalog").toAbsolutePath();
    parameters.put("lakevault.catalog", catalog);
    parameters.put("lakevault.since", "2000-01-01T00:00:00Z");
    // The key with the most archived versions, a prefix of it, and a time in the middle of its history.
    Row key = spark.read().format("delta").load(catalog + "/objects").groupBy("bucket", "key")
        .agg(count("*").as("n")).orderBy(col("n").desc(), col("key")).first();
    assertTrue(key.getLong(2) >= 2, "the demo lake has versioned keys");
    parameters.put("lakevault.bucket", key.getString(0));
    parameters.put("lakevault.key", key.getString(1));
    parameters.put("lakevault.prefix", key.getString(1).substring(0, key.getString(1).indexOf('/') + 1));
    List<Row> times = spark.read().format("delta").load(catalog + "/objects")
        .where(col("bucket").equalTo(key.getString(0)).and(col("key").equalTo(key.getString(1))))
        .select("last_modified_date").orderBy("last_modified_date").collectAsList();
    parameters.put("lakevault.as_of", times.get(times.size() / 2).getTimestamp(0).toInstant().toString());
    Timestamp lastCommit = DeltaTable.forPath(spark, catalog + "/objects").history(1).first().getAs("timestamp");
    parameters.put("lakevault.catalog_as_of", lastCommit.toInstant().toString());
  }

  @Test
  void everyNotebookRunsAgainstTheDemoCatalog() throws IOException {
    List<Path> notebooks = notebooks();
    assertEquals(3, notebooks.size(), notebooks.toString());
    int queries = 0;
    for (Path nb : notebooks) {
      queries += run(nb);
    }
    assertTrue(queries >= 15, "only " + queries + " queries ran");
  }

  /** Runs a notebook's cells in order; returns how many returned rows. */
  private int run(Path notebook) throws IOException {
    JsonNode doc = JSON.readTree(notebook.toFile());
    String name = notebook.getFileName().toString();
    assertEquals(4, doc.get("nbformat").asInt(), name);
    assertEquals("pysparkkernel", doc.get("metadata").get("kernelspec").get("name").asText(), name);
    int withRows = 0;
    java.util.Set<String> setSoFar = new java.util.HashSet<>();
    for (JsonNode cell : doc.get("cells")) {
      if (!cell.get("cell_type").asText().equals("code")) continue;
      StringBuilder source = new StringBuilder();
      cell.get("source").forEach(l -> source.append(l.asText()));
      String text = source.toString();
      String id = name + " cell " + cell.get("id").asText();
      assertTrue(text.startsWith("%%sql\n"), id + ": every code cell is Spark SQL (%%sql), so this test can run it");
      String statement = text.substring("%%sql\n".length()).strip();
      Matcher used = USE.matcher(statement);
      while (used.find()) {
        assertTrue(setSoFar.contains(used.group(1)), id + " uses ${" + used.group(1) + "} before a cell SETs it");
      }
      Matcher set = SET.matcher(statement);
      if (set.matches()) {
        setSoFar.add(set.group(1));
        if (parameters.containsKey(set.group(1))) statement = "SET " + set.group(1) + "=" + parameters.get(set.group(1));
      }
      List<Row> rows;
      try {
        rows = spark.sql(statement).limit(1000).collectAsList();
      } catch (Exception e) {
        throw new AssertionError(id + " failed: " + e.getMessage() + "\n" + statement, e);
      }
      boolean expectRows = false;
      JsonNode tags = cell.get("metadata").get("tags");
      if (tags != null) for (JsonNode t : tags) expectRows |= t.asText().equals("expect-rows");
      if (expectRows) {
        assertFalse(rows.isEmpty(), id + " returned no rows against the demo catalog:\n" + statement);
        withRows++;
      }
    }
    return withRows;
  }

  private static List<Path> notebooks() throws IOException {
    try (Stream<Path> s = Files.list(NOTEBOOKS)) {
      return s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
    }
  }
}
