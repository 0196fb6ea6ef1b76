package io.lakevault.spark;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the one SparkSession of a run, the same way on a laptop and on EMR: Delta enabled, UTC
 * everywhere, and S3 reachable through whichever file system the platform has.
 */
public final class SparkSessions {
  private SparkSessions() {}

  static final String DELTA_SNAPSHOT_PARTITIONS = "spark.databricks.delta.snapshotPartitions";

  /** Settings every lakevault session has; {@code spark.*} keys from the configuration override them. */
  public static Map<String, String> baseProperties() {
    return Map.of(
        "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        // Retention arithmetic and inventory timestamps are UTC; a session in local time would shift them.
        "spark.sql.session.timeZone", "UTC",
        "spark.sql.parquet.compression.codec", "zstd",
        // Catalog tables are written with few, large commits; no per-file statistics collection surprises.
        "spark.databricks.delta.schema.autoMerge.enabled", "false");
  }

  /**
   * Returns the active session, or builds one. Under spark-submit the master comes from there; run
   * from {@code bin/lakevault} it is {@code local[*]} unless {@code spark.master} is configured.
   */
  public static SparkSession getOrCreate(LakevaultConfig config, String appName) {
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    sessionProperties(config.sparkProperties(), System.getProperty("spark.master")).forEach(b::config);
    SparkSession spark = b.getOrCreate();
    configureS3(spark, config);
    return spark;
  }

  /**
   * The properties a session is built with: the base ones, local-mode defaults when the master is
   * local, then the configuration's {@code spark.*} keys, which win.
   *
   * @param submittedMaster the master spark-submit set, or null when not submitted
   */
  static Map<String, String> sessionProperties(Map<String, String> user, String submittedMaster) {
    Map<String, String> p = new LinkedHashMap<>(baseProperties());
    if (submittedMaster == null && !user.containsKey("spark.master")) {
      p.put("spark.master", "local[*]");
      p.put("spark.ui.enabled", "false");
      p.put("spark.sql.shuffle.partitions", "8");
      p.put("spark.driver.bindAddress", "127.0.0.1");
    }
    String master = user.getOrDefault("spark.master", submittedMaster == null ? "local[*]" : submittedMaster);
    if (master.startsWith("local")) {
      // Delta rebuilds a table's state from its log in 50 tasks by default: sized for a cluster, on a
      // laptop it kept a daily inventory run's four catalog tables busy for 4-5 s before the write could
      // start (bench/README.md). One task per core does the same work.
      p.put(DELTA_SNAPSHOT_PARTITIONS, Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    p.putAll(user);
    return p;
  }

  /**
   * Off EMR, {@code s3://} is mapped to S3A with the {@code s3.*} settings; on EMR, EMRFS already
   * serves {@code s3://} and is left alone.
   */
  static void configureS3(SparkSession spark, LakevaultConfig config) {
    configureS3(spark.sparkContext().hadoopConfiguration(), config);
  }

  /** The same for a Hadoop configuration of its own (Delta Kernel's reads, which start no session). */
  public static void configureS3(org.apache.hadoop.conf.Configuration h, LakevaultConfig config) {
    String impl = h.get("fs.s3.impl");
    boolean emrfs = impl != null && impl.contains("EmrFileSystem");
    if (!emrfs) {
      h.set("fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
      h.set("fs.AbstractFileSystem.s3.impl", "org.apache.hadoop.fs.s3a.S3A");
    }
    if (config.isSet(Settings.S3_ENDPOINT)) {
      String endpoint = config.get(Settings.S3_ENDPOINT);
      h.set("fs.s3a.endpoint", endpoint);
      h.set("fs.s3a.connection.ssl.enabled", Boolean.toString(endpoint.startsWith("https")));
    }
    h.set("fs.s3a.endpoint.region", config.get(Settings.S3_REGION));
    h.set("fs.s3a.path.style.access", config.get(Settings.S3_PATH_STYLE).toString());
    h.set("fs.s3a.attempts.maximum", config.get(Settings.S3_MAX_ATTEMPTS).toString());
  }
}
