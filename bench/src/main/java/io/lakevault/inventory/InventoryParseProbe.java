package io.lakevault.inventory;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.spark.Locations;
import io.lakevault.spark.SparkSessions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Where the inventory job's time goes, without the Delta write: Spark's CSV reader and the job's
 * reader, each into the no-op sink, on a report the InventoryBench delivered.
 * {@code bench/run ../inventory.InventoryParseProbe <manifest-uri> [dir]} (same package as the job).
 */
public final class InventoryParseProbe {
  public static void main(String[] args) {
    Path dir = Path.of(args.length > 1 ? args[1] : "/tmp/lakevault-bench-inventory");
    LakevaultConfig config = LakevaultConfig.of(Map.of("store.local.root", dir.resolve("store").toString()));
    SparkSession spark = SparkSessions.getOrCreate(config, "probe");
    ResolvedReport r;
    try (ObjectStore store = ObjectStores.open(config)) {
      r = ReportResolver.resolve(store, args[0], null, null);
    }
    Locations where = new Locations(config);
    String[] paths = r.manifest().files().stream().map(f -> where.hadoopPath("s3://" + r.dataBucket() + "/" + f.key()))
        .toArray(String[]::new);
    for (int i = 0; i < 2; i++) {
      long t0 = System.nanoTime();
      spark.read().csv(paths).write().format("noop").mode("overwrite").save();
      long t1 = System.nanoTime();
      InventoryReader.read(spark, config, r).write().format("noop").mode("overwrite").save();
      long t2 = System.nanoTime();
      InventoryReader.verifyDataFiles(spark, config, r);
      long t3 = System.nanoTime();
      System.out.printf("spark csv -> noop %.1f s; lakevault reader -> noop %.1f s; verify %.1f s%n",
          (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    }
    System.out.println(List.of(paths).size() + " files");
  }
}
