package io.lakevault.cli;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.spark.SparkSessions;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.RunRecorder;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;

/** What one command run works with: its configuration, Spark session, catalog and run record. */
final class RunContext {
  final LakevaultConfig config;
  final SparkSession spark;
  final Catalog catalog;

  RunContext(LakevaultConfig config) {
    this.config = config;
    this.spark = SparkSessions.getOrCreate(config, "lakevault");
    this.catalog = new Catalog(spark, config);
  }

  ObjectStore openStore(Clock clock) {
    return ObjectStores.open(config, clock);
  }

  /** Runs {@code body} as one recorded run: RUNNING first, then SUCCEEDED with its counts, or FAILED. */
  <T> T recorded(String job, List<String> args, Function<T, Map<String, Long>> counts,
      Function<T, Long> bytes, java.util.function.Supplier<T> body) {
    return recordedWithId(job, args, counts, bytes, id -> body.get());
  }

  /** As {@link #recorded}, handing the body its run id (jobs stamp it on the rows they write). */
  <T> T recordedWithId(String job, List<String> args, Function<T, Map<String, Long>> counts,
      Function<T, Long> bytes, Function<String, T> body) {
    RunRecorder.Run run = new RunRecorder(catalog, Clock.systemUTC()).start(job, args);
    T result;
    try {
      result = body.apply(run.runId());
    } catch (RuntimeException e) {
      run.failed(e, Map.of(), 0);
      throw e;
    }
    run.succeeded(counts.apply(result), bytes.apply(result), Map.of());
    return result;
  }
}
