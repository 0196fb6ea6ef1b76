package io.lakevault.spark;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import com.holdenkarau.spark.testing.SparkSessionProvider;
import io.lakevault.core.config.LakevaultConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test JVM ({@code local[2]}, built by {@link SparkSessions} like a real run,
 * with generated code off),
 * and spark-testing-base's DataFrame assertions wired to it.
 */
public final class SharedSpark {
  private static SparkSession spark;
  private static JavaDataFrameSuiteBase assertions;

  private SharedSpark() {}

  public static synchronized SparkSession session() {
    if (spark == null) {
      spark = SparkSessions.getOrCreate(LakevaultConfig.of(Map.of(
          "spark.master", "local[2]",
          "spark.ui.enabled", "false",
          "spark.sql.shuffle.partitions", "2",
          "spark.default.parallelism", "2",
          // Tests run thousands of small queries, each compiling its generated code once: interpreted
          // evaluation cut the lifecycle tests from 175 s to 128 s (2 cores). Semantics are the same (Spark
          // falls back to it when codegen fails); lakevault processes the tests start keep Spark's defaults.
          "spark.sql.codegen.wholeStage", "false",
          "spark.sql.codegen.factoryMode", "NO_CODEGEN",
          "spark.driver.bindAddress", "127.0.0.1")), "lakevault-tests");
      SparkSessionProvider._sparkSession_$eq(spark);
    }
    return spark;
  }

  /** A configuration whose local store and catalog live under {@code dir}. */
  public static LakevaultConfig localConfig(Path dir, Map<String, String> more) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("store.local.root", dir.resolve("store").toString());
    m.put("catalog.uri", "s3://lakevault-catalog/catalog");
    m.put("archive.uri", "s3://lakevault-archive/packs");
    m.putAll(more);
    return LakevaultConfig.of(m);
  }

  /** Asserts equal schemas and equal rows in any order (spark-testing-base). */
  public static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    session();
    synchronized (SharedSpark.class) {
      if (assertions == null) assertions = new JavaDataFrameSuiteBase();
    }
    assertions.assertDataFrameNoOrderEquals(expected, actual);
  }
}
