package io.lakevault.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {
  private static final String CORES = Integer.toString(Runtime.getRuntime().availableProcessors());

  @Test
  void laptopRunIsLocalWithOneSnapshotTaskPerCore() {
    Map<String, String> p = SparkSessions.sessionProperties(Map.of(), null);
    assertEquals("local[*]", p.get("spark.master"));
    assertEquals(CORES, p.get(SparkSessions.DELTA_SNAPSHOT_PARTITIONS));
    assertEquals("UTC", p.get("spark.sql.session.timeZone"));
  }

  @Test
  void clusterRunKeepsSparkAndDeltaDefaults() {
    Map<String, String> p = SparkSessions.sessionProperties(Map.of(), "yarn");
    assertFalse(p.containsKey("spark.master"), "spark-submit's master is not overridden");
    assertFalse(p.containsKey(SparkSessions.DELTA_SNAPSHOT_PARTITIONS));
    assertFalse(p.containsKey("spark.sql.shuffle.partitions"));
  }

  @Test
  void configuredSparkKeysWin() {
    Map<String, String> p = SparkSessions.sessionProperties(
        Map.of("spark.master", "local[2]", SparkSessions.DELTA_SNAPSHOT_PARTITIONS, "16"), null);
    assertEquals("local[2]", p.get("spark.master"));
    assertEquals("16", p.get(SparkSessions.DELTA_SNAPSHOT_PARTITIONS));
    assertFalse(p.containsKey("spark.sql.shuffle.partitions"), "a configured master is not a laptop default");

    Map<String, String> submittedLocal = SparkSessions.sessionProperties(Map.of(), "local[4]");
    assertEquals(CORES, submittedLocal.get(SparkSessions.DELTA_SNAPSHOT_PARTITIONS));
  }
}
