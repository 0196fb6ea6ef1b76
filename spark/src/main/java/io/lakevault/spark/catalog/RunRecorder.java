package io.lakevault.spark.catalog;

import io.lakevault.core.Version;
import java.net.InetAddress;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Writes the {@code runs} audit trail: a RUNNING row when a job starts, updated in place (one MERGE)
 * when it ends, so a run that crashed is visible as RUNNING with no end time.
 */
public final class RunRecorder {
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  /** Settings whose values never reach the catalog. */
  private static final Pattern SECRET = Pattern.compile("(?i).*(secret|password|token|credential|access\\.key|session).*");

  private final Catalog catalog;
  private final Clock clock;

  public RunRecorder(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  /** Records the start of a run and returns its handle. */
  public Run start(String job, List<String> arguments) {
    Instant now = clock.instant();
    String id = job + "-" + ID_TIME.format(now) + "-"
        + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    Map<String, String> conf = new LinkedHashMap<>();
    catalog.config().explicitValues().forEach((k, v) -> conf.put(k, SECRET.matcher(k).matches() ? "****" : v));
    Row row = RowFactory.create(id, job, List.copyOf(arguments),
        conf, System.getProperty("user.name"), host(), Version.get(),
        Timestamp.from(now), null, "RUNNING", null, null, null, null);
    catalog.ensure(CatalogTable.RUNS);
    frame(row).write().format("delta").mode("append").save(catalog.path(CatalogTable.RUNS));
    return new Run(id, job, now);
  }

  private Dataset<Row> frame(Row row) {
    return catalog.spark().createDataFrame(List.of(row), CatalogTable.RUNS.schema());
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return null;
    }
  }

  /** One run in progress. */
  public final class Run {
    private final String runId;
    private final String job;
    private final Instant startedAt;
    private boolean ended;

    private Run(String runId, String job, Instant startedAt) {
      this.runId = runId;
      this.job = job;
      this.startedAt = startedAt;
    }

    public String runId() {
      return runId;
    }

    public Instant startedAt() {
      return startedAt;
    }

    public void succeeded(Map<String, Long> counts, long bytes, Map<String, Double> metrics) {
      end("SUCCEEDED", null, counts, bytes, metrics);
    }

    public void failed(Throwable error, Map<String, Long> counts, long bytes) {
      String msg = error.getClass().getSimpleName() + ": " + error.getMessage();
      end("FAILED", msg.length() > 4000 ? msg.substring(0, 4000) : msg, counts, bytes, Map.of());
    }

    private void end(String status, String error, Map<String, Long> counts, long bytes, Map<String, Double> metrics) {
      if (ended) throw new IllegalStateException("run " + runId + " already ended");
      ended = true;
      Instant end = clock.instant();
      Map<String, Double> m = new LinkedHashMap<>(metrics);
      m.put("duration_seconds", (end.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0);
      Row row = RowFactory.create(runId, job, null, null, null, null, null, Timestamp.from(startedAt),
          Timestamp.from(end), status, error, counts, bytes, m);
      catalog.table(CatalogTable.RUNS).as("r").merge(frame(row).as("u"), "r.run_id = u.run_id")
          .whenMatched().updateExpr(Map.of("ended_at", "u.ended_at", "status", "u.status", "error", "u.error",
              "counts", "u.counts", "bytes", "u.bytes", "metrics", "u.metrics"))
          .execute();
    }
  }
}
