package io.lakevault.restore;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.cost.RestoreCost;
import io.lakevault.core.restore.RangePlanner;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.S3Uri;
import io.lakevault.core.store.StorageClass;
import io.lakevault.spark.Selection;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import io.lakevault.core.time.Waits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code restore} and {@code export}: find the chosen versions in the catalog, plan the packs and byte
 * ranges, thaw the cold packs, extract and verify every object, write it to the target, and record all
 * of it.
 *
 * <p>A request is identified by what it asks for (selection, target, overwrite, restore or export), so
 * running the same command again resumes it: packs a run extracted are DONE and not read again, thaws
 * in progress are not requested twice, and objects already at the target are recognised and left. Packs
 * are extracted as soon as they are readable, so a request whose packs thaw at different times never
 * waits for a restored copy that has already expired.
 */
public final class RestoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreJob.class);
  private static final int MAX_PARTITIONS = 4000;
  private static final int MAX_FAILURES = 50;

  /**
   * @param to {@code original}, {@code s3://bucket/prefix} or a local folder
   * @param days how long restored copies of cold packs are kept
   * @param waitTimeout with {@code waitForThaw}, how long to wait for thaws before giving up (exit "thawing")
   * @param reportFile where to write the JSON report as well, or {@code null}
   */
  public record Request(Selector selector, String to, RestoreTier tier, int days, boolean dryRun, boolean overwrite,
      boolean waitForThaw, Duration waitTimeout, boolean export, String reportFile, PriceTable prices) {}

  private static final StructType PLAN = new StructType().add("pack_id", "string").add("objects", "long")
      .add("bytes", "long").add("entry_bytes", "long").add("ranges", "long").add("range_bytes", "long");
  private static final StructType THAW = new StructType().add("pack_id", "string").add("state", "string")
      .add("detail", "string");

  private final Catalog catalog;
  private final Clock clock;
  /** Tests only: runs once the objects are extracted, before the restores table is updated; a throw is a crash there. */
  Runnable afterExtract = () -> { };

  public RestoreJob(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  private LakevaultConfig config() {
    return catalog.config();
  }

  public RestoreResult run(Request req, String runId) {
    Instant started = clock.instant();
    Map<String, Double> phases = new LinkedHashMap<>();
    Selector sel = req.selector().validate();
    if (req.export() && sel.asOf() == null) {
      throw LakevaultException.usage("export needs --as-of: an auditor's set is what existed at a stated time");
    }
    if (req.days() < 1) throw LakevaultException.usage("--days must be at least 1, not " + req.days());
    TargetSpec spec = TargetSpec.parse(req.to(), sel.mode() == Selector.Mode.ALL_VERSIONS);
    if (req.export() && spec.kind() == TargetSpec.Kind.ORIGINAL) {
      throw LakevaultException.usage("export writes a new set with its manifests: --to must be s3://bucket/prefix or a folder");
    }
    Selection selection = new Selection(catalog);
    String canonical = sel.canonical(selection.keysDigest(sel.keysFile()));
    String restoreId = restoreId(req, canonical, spec);
    LOG.info("{} request {}: {} -> {}", req.export() ? "export" : "restore", restoreId, canonical, spec.location());

    // ---- find
    long t = clock.millis();
    // Versions whose pack retention expiry deleted are chosen as any other, then set apart: they are reported
    // as disposed (no longer exist), not restored and not missing.
    Dataset<Row> selected = selection.apply(sel).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> chosen = selected.where(col("disposed_at").isNull());
    Dataset<Row> latest = null;
    try {
      // One pass over the selection: what is restored, and what expiry disposed of (reported, not restored).
      Column live = col("disposed_at").isNull();
      Row totals = selected.agg(count(when(live, lit(1))), coalesce(sum(when(live, col("size"))), lit(0L)),
          countDistinct(when(live, col("bucket"))), count(when(live.and(col("pack_id").isNull()), lit(1))),
          count(when(live.unary_$bang(), lit(1))), org.apache.spark.sql.functions.max("disposed_at")).first();
      long objects = totals.getLong(0);
      long disposed = totals.getLong(4);
      if (objects == 0) {
        if (disposed > 0) {
          throw LakevaultException.input("every version the selection (" + canonical + ") chooses was disposed of when its"
              + " retention ended (" + disposed + " version(s), the last at " + totals.get(5) + "): they no longer"
              + " exist; `lakevault versions` shows each disposal");
        }
        List<String> erased = io.lakevault.spark.lifecycle.ErasedVersions.erased(catalog, exactVersions(sel));
        if (!erased.isEmpty()) {
          throw LakevaultException.input(String.join("; ", erased) + ": its keys were destroyed, so no one can read it"
              + " (docs/lifecycle.md, \"Erasure\")");
        }
        throw LakevaultException.input("no archived version matches the selection (" + canonical + "); check it with "
            + "`lakevault find` or `lakevault versions`");
      }
      if (disposed > 0) {
        LOG.warn("{} selected version(s) were disposed of by retention expiry and are not restored", disposed);
      }
      if (totals.getLong(3) > 0) {
        throw new LakevaultException(ErrorKind.INTERNAL, totals.getLong(3) + " selected versions have no pack in the "
            + "objects table; the catalog is inconsistent: run `lakevault verify` and see docs/restore.md");
      }
      if (spec.kind() == TargetSpec.Kind.STORE && totals.getLong(2) > 1) {
        throw LakevaultException.usage("the selection spans " + totals.getLong(2) + " buckets and --to " + req.to()
            + " is one bucket and prefix: their keys could collide. Restore each bucket on its own (--bucket), to "
            + "`original`, or to a local folder");
      }
      phases.put("find", seconds(t));

      // ---- plan: a row per pack, held by the executors; the driver keeps totals and counts only
      t = clock.millis();
      Dataset<Row> plan = plan(chosen, restoreId);
      Dataset<Row> packRun = null;
      PlanTotals planned = planTotals(plan);
      phases.put("plan", seconds(t));

      // ---- thaw
      t = clock.millis();
      Dataset<Row> open = plan.where(col("prev_state").isNull().or(col("prev_state").notEqual("DONE")));
      Dataset<Row> states = thaw(open, planned.openPacks(), req.tier(), req.days(), false);
      long doneBefore = planned.packs() - planned.openPacks();
      Map<String, Long> byState = countStates(states, doneBefore);
      List<RestoreCost.Thaw> cold = byState.containsKey("COLD") ? coldThaws(open, states) : List.of();
      List<RestoreCost.Estimate> estimates = new RestoreCost(req.prices()).estimate(cold, planned.openGets(), req.days());
      if (req.dryRun()) {
        return result(req, restoreId, runId, started, canonical, spec, objects, totals.getLong(1), planned, byState,
            estimates, Map.of(), List.of(), 0, 0, 0, phases, Map.of(), null);
      }
      if (!cold.isEmpty()) {
        states = replace(states, thaw(packsIn(open, states, "COLD"), byState.get("COLD"), req.tier(), req.days(), true));
      }
      catalog.ensure(CatalogTable.RESTORES);
      record(restoreId, req, canonical, spec, sel, runId, plan, states, planned, "THAWING", null);
      phases.put("thaw", seconds(t));
      t = clock.millis();
      if (req.waitForThaw()) states = waitForThaws(open, states, req);
      phases.put("thaw-wait", seconds(t));

      // ---- extract what is readable and not done
      String resultsRoot = config().get(Settings.CATALOG_URI) + "/reports/restore/" + restoreId;
      Dataset<Row> ready = packsIn(open, states, "READY");
      long readyPacks = states.where(col("state").equalTo("READY")).count();
      long restoredBytes = 0;
      long bytesRead = 0;
      long metadataBytes = 0;
      if (readyPacks > 0) {
        t = clock.millis();
        extract(chosen, ready, readyPacks, spec, req.overwrite(), resultsRoot, runId);
        afterExtract.run();
        // What this run did, per pack, in one pass: the pack's row (state, bytes, time) and its objects' outcome.
        Column pack = col("row_type").equalTo(Extracted.PACK);
        Column object = col("row_type").equalTo(Extracted.OBJECT);
        Dataset<Row> perPackRun = results(resultsRoot).where(col("run").equalTo(runId)).groupBy("pack_id").agg(
            count(when(pack, lit(1))).as("pack_rows"), max(when(pack, col("state"))).as("state"),
            max(when(pack, col("reason"))).as("reason"), coalesce(sum("bytes_read"), lit(0L)).as("bytes_read"),
            coalesce(sum("index_bytes"), lit(0L)).as("index_bytes"), coalesce(sum("read_ns"), lit(0L)).as("read_ns"),
            coalesce(sum("write_ns"), lit(0L)).as("write_ns"),
            count(when(object.and(col("state").equalTo("FAILED")), lit(1))).as("failed"),
            coalesce(sum(when(object.and(col("state").equalTo("RESTORED")), col("size"))), lit(0L)).as("restored_bytes"));
        packRun = SparkErrors.surfacing(() -> perPackRun.localCheckpoint(true));
        Row sums = packRun.agg(coalesce(sum("restored_bytes"), lit(0L)), coalesce(sum("bytes_read"), lit(0L)),
            coalesce(sum("index_bytes"), lit(0L)), coalesce(sum(when(col("pack_rows").gt(0), col("read_ns"))), lit(0L)),
            coalesce(sum(when(col("pack_rows").gt(0), col("write_ns"))), lit(0L))).first();
        restoredBytes = sums.getLong(0);
        bytesRead = sums.getLong(1);
        metadataBytes = sums.getLong(2);
        // A ready pack is DONE when its task wrote its row and no object of it failed.
        Dataset<Row> extracted = ready.select(col("pack_id").as("r_id"))
            .join(packRun.where(col("pack_rows").gt(0)), col("r_id").equalTo(col("pack_id")), "left")
            .select(col("r_id").as("pack_id"), when(col("pack_rows").isNull().or(col("state").equalTo("FAILED"))
                .or(col("failed").gt(0)), lit("FAILED")).otherwise(lit("DONE")).as("state"), col("reason").as("detail"));
        states = replace(states, extracted);
        double extractSeconds = seconds(t);
        double readNs = sums.getLong(3);
        double writeNs = sums.getLong(4);
        // Task time split between reading packs and decoding-and-writing, scaled to the wall time of the stage.
        double share = readNs + writeNs == 0 ? 0 : readNs / (readNs + writeNs);
        phases.put("read", extractSeconds * share);
        phases.put("write", extractSeconds * (1 - share));
      }

      // ---- outcome over every run of the request
      t = clock.millis();
      Map<String, Long> fromResults = new LinkedHashMap<>();
      List<RestoreResult.Failure> failures = new ArrayList<>();
      Dataset<Row> perPack = null;
      if (exists(resultsRoot + "/objects")) {
        // Counted, sampled for failures and (an export) listed: the window over every run is computed once.
        latest = latestObjectStates(resultsRoot).persist(StorageLevel.MEMORY_AND_DISK());
        for (Row r : latest.groupBy("state").count().collectAsList()) fromResults.merge(r.getString(0), r.getLong(1), Long::sum);
        Column at = col("state").isin("RESTORED", "PRESENT");
        perPack = latest.groupBy(col("pack_id").as("o_pack_id")).agg(count(when(at, lit(1))).as("o_restored"),
            count(when(at.unary_$bang(), lit(1))).as("o_not_restored"));
        for (Row r : latest.where(col("state").isin("FAILED", "UNSAFE_KEY", "KEPT_NEWER")).orderBy("bucket", "key", "version_id")
            .limit(MAX_FAILURES).collectAsList()) {
          failures.add(new RestoreResult.Failure(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), r.getAs("state"),
              r.getAs("reason")));
        }
      }
      long restoredObjects = fromResults.getOrDefault("RESTORED", 0L) + fromResults.getOrDefault("PRESENT", 0L);
      long notRestoredObjects = fromResults.values().stream().mapToLong(Long::longValue).sum() - restoredObjects;
      Map<String, Long> objectStates = new LinkedHashMap<>();
      if (disposed > 0) objectStates.put("DISPOSED", disposed); // shown, not counted among the selected objects
      objectStates.putAll(fromResults);
      Map<String, Long> packStates = countStates(states, doneBefore);
      String requestState = packStates.getOrDefault("DONE", 0L) == planned.packs()
          ? (restoredObjects == objects ? "DONE" : "PARTIAL")
          : packStates.getOrDefault("THAWING", 0L) > 0 ? "THAWING" : "FAILED";
      String reportUri = resultsRoot + "/" + runId + ".json";
      record(restoreId, req, canonical, spec, sel, runId, plan, states, planned, requestState, new Outcome(perPack, packRun,
          restoredObjects, notRestoredObjects, restoredBytes, bytesRead + metadataBytes, phases, reportUri));
      Map<String, String> manifest = Map.of();
      RestoreResult partial = result(req, restoreId, runId, started, canonical, spec, objects, totals.getLong(1), planned,
          packStates, estimates, objectStates, failures, restoredBytes, bytesRead, metadataBytes, phases, Map.of(), null);
      if (req.export() && partial.complete()) {
        manifest = new ExportManifest(catalog).write(latest, spec, canonical, sel.asOf());
      }
      phases.put("commit", seconds(t));
      RestoreResult result = result(req, restoreId, runId, started, canonical, spec, objects, totals.getLong(1), planned,
          packStates, estimates, objectStates, failures, restoredBytes, bytesRead, metadataBytes, phases, manifest, reportUri);
      byte[] json = RestoreReport.json(result).getBytes(StandardCharsets.UTF_8);
      write(reportUri, json);
      if (req.reportFile() != null) write(req.reportFile(), json);
      return result;
    } finally {
      selected.unpersist();
      if (latest != null) latest.unpersist();
    }
  }

  /** The id of a request: what it selects, where it writes, and how. Tier and days are not part of it. */
  static String restoreId(Request req, String canonical, TargetSpec spec) {
    String what = (req.export() ? "export" : "restore") + "\n" + canonical + "\nto=" + spec.kind() + ":" + spec.location()
        + "\noverwrite=" + req.overwrite();
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(what.getBytes(StandardCharsets.UTF_8));
      return (req.export() ? "x-" : "r-") + HexFormat.of().formatHex(d).substring(0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ plan

  /** What the driver keeps of the plan: totals, however many packs it spans. */
  record PlanTotals(long packs, long ranges, long rangeBytes, long objects, long bytes, long openPacks, long openGets) {}

  /**
   * Per pack: objects, bytes, the GETs the range planner makes, the pack's row, and the state an earlier
   * run of this request recorded ({@code prev_state}). Computed once and held by the executors (a local
   * checkpoint), so the thaw's HEADs and restore requests are made once per run, and nothing of it is
   * collected to the driver.
   */
  private Dataset<Row> plan(Dataset<Row> chosen, String restoreId) {
    Column[] order = {col("pack_id"), col("entry_offset")};
    int partitions = Math.max(1, catalog.spark().sparkContext().defaultParallelism());
    Dataset<Row> perPack = chosen.select("pack_id", "entry_offset", "entry_length", "size")
        .repartition(partitions, col("pack_id")).sortWithinPartitions(order)
        .mapPartitions((MapPartitionsFunction<Row, Row>) RestoreJob::planPartition, Encoders.row(PLAN));
    Dataset<Row> packs = catalog.read(CatalogTable.PACKS).select(col("pack_id").as("p_id"), col("uri"),
        col("version_id"), col("key_version_id"), col("storage_class"), col("stored_bytes"));
    Dataset<Row> plan = perPack.join(packs, col("pack_id").equalTo(col("p_id")), "left").drop("p_id");
    if (catalog.exists(CatalogTable.RESTORES)) {
      Dataset<Row> previous = catalog.read(CatalogTable.RESTORES)
          .where(col("restore_id").equalTo(restoreId).and(col("pack_id").isNotNull()))
          .select(col("pack_id").as("q_id"), col("state").as("prev_state"));
      plan = plan.join(previous, col("pack_id").equalTo(col("q_id")), "left").drop("q_id");
    } else {
      plan = plan.withColumn("prev_state", lit(null).cast("string"));
    }
    Dataset<Row> p = plan;
    return SparkErrors.surfacing(() -> p.localCheckpoint(true));
  }

  private static PlanTotals planTotals(Dataset<Row> plan) {
    Column open = col("prev_state").isNull().or(col("prev_state").notEqual("DONE"));
    Column noPack = col("uri").isNull();
    Row r = plan.agg(count(lit(1)), coalesce(sum("ranges"), lit(0L)), coalesce(sum("range_bytes"), lit(0L)),
        coalesce(sum("objects"), lit(0L)), coalesce(sum("bytes"), lit(0L)),
        // ranges, footer, index, key file
        coalesce(sum(when(open, col("ranges").plus(3))), lit(0L)), count(when(noPack, lit(1))),
        org.apache.spark.sql.functions.min(when(noPack, col("pack_id"))), count(when(open, lit(1)))).first();
    if (r.getLong(6) > 0) {
      throw new LakevaultException(ErrorKind.INTERNAL, "pack " + r.getString(7) + " holds selected objects but is not "
          + "in the packs table" + (r.getLong(6) > 1 ? " (and " + (r.getLong(6) - 1) + " more)" : "")
          + "; the catalog is inconsistent: see docs/restore.md");
    }
    return new PlanTotals(r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(8), r.getLong(5));
  }

  private static Iterator<Row> planPartition(Iterator<Row> rows) {
    List<Row> out = new ArrayList<>();
    String pack = null;
    long objects = 0;
    long bytes = 0;
    long entryBytes = 0;
    long[] offsets = new long[1024];
    long[] lengths = new long[1024];
    int n = 0;
    while (true) {
      Row r = rows.hasNext() ? rows.next() : null;
      if (pack != null && (r == null || !pack.equals(r.getString(0)))) {
        List<RangePlanner.Range> ranges = RangePlanner.DEFAULT.plan(offsets, lengths, n);
        out.add(RowFactory.create(pack, objects, bytes, entryBytes, (long) ranges.size(),
            ranges.stream().mapToLong(RangePlanner.Range::length).sum()));
        objects = bytes = entryBytes = 0;
        n = 0;
      }
      if (r == null) break;
      pack = r.getString(0);
      if (n == offsets.length) {
        offsets = java.util.Arrays.copyOf(offsets, n * 2);
        lengths = java.util.Arrays.copyOf(lengths, n * 2);
      }
      offsets[n] = r.getLong(1);
      lengths[n] = r.getLong(2);
      if (n == 0 || offsets[n] != offsets[n - 1]) entryBytes += lengths[n];
      n++;
      objects++;
      bytes += r.getLong(3);
    }
    return out.iterator();
  }

  // ------------------------------------------------------------------ thaw

  /**
   * The state of each pack: READY (readable now), THAWING (a restore is running), COLD (archived, no
   * restored copy) or MISSING. With {@code request}, cold packs get a restore request first (idempotent:
   * S3 refuses a second restore in progress, and extends a finished one). A HEAD per pack on the
   * executors, 50 packs a task; the result is checkpointed, so no HEAD or request is repeated by a later use.
   */
  private Dataset<Row> thaw(Dataset<Row> packs, long n, RestoreTier tier, int days, boolean request) {
    if (n == 0) return catalog.spark().createDataFrame(List.of(), THAW);
    LakevaultConfig config = config();
    int partitions = (int) Math.max(1, Math.min(MAX_PARTITIONS, (n + 49) / 50));
    Dataset<Row> checked = packs.select("pack_id", "uri", "version_id").repartition(partitions)
        .mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
          List<Row> res = new ArrayList<>();
          try (ObjectStore store = ObjectStores.open(config)) {
            while (it.hasNext()) {
              Row r = it.next();
              String[] s = packState(store, r.getString(1), r.getString(2), tier, days, request);
              res.add(RowFactory.create(r.getString(0), s[0], s[1]));
            }
          }
          return res.iterator();
        }, Encoders.row(THAW));
    return SparkErrors.surfacing(() -> checked.localCheckpoint(true));
  }

  /** The plan's rows of the packs in {@code state}. */
  private static Dataset<Row> packsIn(Dataset<Row> plan, Dataset<Row> states, String state) {
    return plan.join(states.where(col("state").equalTo(state)).select(col("pack_id").as("s_id")),
        col("pack_id").equalTo(col("s_id")), "left_semi");
  }

  /** {@code states} with the packs of {@code newer} in their newer state. */
  private static Dataset<Row> replace(Dataset<Row> states, Dataset<Row> newer) {
    Dataset<Row> merged = states.join(newer.select(col("pack_id").as("n_id")), col("pack_id").equalTo(col("n_id")), "left_anti")
        .unionByName(newer.select("pack_id", "state", "detail"));
    return SparkErrors.surfacing(() -> merged.localCheckpoint(true));
  }

  /** The cold packs by storage class, for the cost of thawing them. */
  private static List<RestoreCost.Thaw> coldThaws(Dataset<Row> open, Dataset<Row> states) {
    List<RestoreCost.Thaw> out = new ArrayList<>();
    for (Row r : packsIn(open, states, "COLD").groupBy("storage_class").agg(count(lit(1)), sum("stored_bytes")).collectAsList()) {
      out.add(new RestoreCost.Thaw(StorageClass.valueOf(r.getString(0)), r.getLong(1), r.getLong(2)));
    }
    return out;
  }

  static String[] packState(ObjectStore store, String uri, String versionId, RestoreTier tier, int days, boolean request) {
    S3Uri u = S3Uri.parse(uri);
    ObjectRef ref = new ObjectRef(u.bucket(), u.key(), versionId);
    try {
      ObjectMetadata m = store.head(ref);
      if (m.readable()) return new String[] {"READY", null};
      if (Boolean.TRUE.equals(m.restoreOngoing())) return new String[] {"THAWING", null};
      if (!request) return new String[] {"COLD", m.storageClass().name()};
      store.requestRestore(ref, days, tier);
      return new String[] {store.head(ref).readable() ? "READY" : "THAWING", null};
    } catch (ObjectStoreException e) {
      if (e.reason() == ObjectStoreException.Reason.NOT_FOUND) {
        return new String[] {"MISSING", uri + " is not in the archive bucket: " + e.getMessage()};
      }
      throw e;
    }
  }

  /** Polls the thawing packs with a doubling interval until all are readable or the timeout passes. */
  private Dataset<Row> waitForThaws(Dataset<Row> open, Dataset<Row> states, Request req) {
    Duration interval = config().get(Settings.RESTORE_POLL_INTERVAL);
    Duration cap = interval.multipliedBy(16);
    Instant deadline = clock.instant().plus(req.waitTimeout());
    while (true) {
      long waiting = states.where(col("state").equalTo("THAWING")).count();
      Dataset<Row> thawing = packsIn(open, states, "THAWING");
      if (waiting == 0) return states;
      Instant now = clock.instant();
      if (!now.isBefore(deadline)) {
        LOG.warn("{} pack(s) still thawing after --wait-timeout {}", waiting, req.waitTimeout());
        return states;
      }
      Duration sleep = interval.compareTo(Duration.between(now, deadline)) < 0 ? interval : Duration.between(now, deadline);
      LOG.info("{} pack(s) thawing; checking again in {}", waiting, sleep);
      try {
        Waits.sleep(clock, sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LakevaultException(ErrorKind.INTERNAL, "interrupted while waiting for thaws; run the same command again", e);
      }
      // Requesting again is harmless and re-thaws a copy that expired while waiting.
      states = replace(states, thaw(thawing, waiting, req.tier(), req.days(), true));
      interval = interval.multipliedBy(2).compareTo(cap) > 0 ? cap : interval.multipliedBy(2);
    }
  }

  // ------------------------------------------------------------------ extract

  private void extract(Dataset<Row> chosen, Dataset<Row> ready, long readyPacks, TargetSpec spec, boolean overwrite,
      String resultsRoot, String runId) {
    Dataset<Row> packs = ready.select(col("pack_id").as("r_pack_id"), col("uri").as("pack_uri"),
        col("version_id").as("pack_version_id"), col("key_version_id").as("pack_key_version_id"));
    // A few hundred bytes a pack: sent whole to each task up to 100,000 packs, joined by a shuffle past that.
    Dataset<Row> work = chosen.join(readyPacks <= 100_000 ? org.apache.spark.sql.functions.broadcast(packs) : packs,
        col("pack_id").equalTo(col("r_pack_id"))).drop("r_pack_id");
    // What an earlier run of this request wrote, so the target can recognise it.
    if (exists(resultsRoot + "/objects")) {
      Dataset<Row> prev = latestObjectStates(resultsRoot).where(col("state").equalTo("RESTORED").and(col("tag").isNotNull()))
          .select(col("bucket").as("p_bucket"), col("key").as("p_key"), col("version_id").as("p_version_id"),
              col("tag").as("prev_tag"));
      work = work.join(prev, col("bucket").equalTo(col("p_bucket")).and(col("key").equalTo(col("p_key")))
          .and(col("version_id").eqNullSafe(col("p_version_id"))), "left").drop("p_bucket", "p_key", "p_version_id");
    } else {
      work = work.withColumn("prev_tag", lit(null).cast("string"));
    }
    int partitions = (int) Math.max(1, Math.min(MAX_PARTITIONS, readyPacks));
    Column[] order = {col("pack_id"), col("entry_offset")};
    Dataset<Row> extracted = work.repartition(partitions, col("pack_id")).sortWithinPartitions(order)
        .mapPartitions(new ExtractTask(config(), spec, overwrite), Encoders.row(Extracted.SCHEMA));
    String out = catalog.locations().hadoopPath(resultsRoot + "/objects/run=" + runId);
    SparkErrors.surfacing(() -> {
      extracted.write().mode("overwrite").parquet(out);
      return null;
    });
  }

  private Dataset<Row> results(String resultsRoot) {
    return catalog.spark().read().schema(Extracted.SCHEMA.add("run", "string"))
        .parquet(catalog.locations().hadoopPath(resultsRoot + "/objects"));
  }

  /** Each object's outcome in the latest run that handled it. */
  private Dataset<Row> latestObjectStates(String resultsRoot) {
    return results(resultsRoot).where(col("row_type").equalTo(Extracted.OBJECT))
        .withColumn("_n", row_number().over(Window.partitionBy("bucket", "key", "version_id").orderBy(col("run").desc())))
        .where(col("_n").equalTo(1)).drop("_n");
  }

  // ------------------------------------------------------------------ the restores table

  /**
   * Packs by state: this run's state of each pack it handled ({@code states} covers the packs not DONE
   * before), and DONE for the {@code doneBefore} an earlier run finished.
   */
  private static Map<String, Long> countStates(Dataset<Row> states, long doneBefore) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Row r : states.groupBy("state").count().collectAsList()) out.put(r.getString(0), r.getLong(1));
    if (doneBefore > 0) out.merge("DONE", doneBefore, Long::sum);
    return out;
  }

  /** The plan with each pack's state ({@code run_state}) and its reason ({@code run_detail}). */
  private static Dataset<Row> withState(Dataset<Row> plan, Dataset<Row> states) {
    Dataset<Row> s = states.select(col("pack_id").as("s_id"), col("state").as("s_state"), col("detail").as("run_detail"));
    return plan.join(s, col("pack_id").equalTo(col("s_id")), "left").drop("s_id")
        .withColumn("run_state", when(col("prev_state").equalTo("DONE"), lit("DONE")).otherwise(col("s_state")));
  }

  /**
   * What a run did, for the {@code restores} rows; {@code null} before extraction.
   *
   * @param perPack objects at the target and not, per pack, over every run of the request ({@code o_pack_id},
   *     {@code o_restored}, {@code o_not_restored}); null when no run extracted anything
   * @param packRun this run's per-pack results ({@code pack_id}, {@code pack_rows}, {@code bytes_read},
   *     {@code index_bytes}); null when this run extracted nothing
   */
  private record Outcome(Dataset<Row> perPack, Dataset<Row> packRun, long restored, long notRestored, long bytesRestored,
      long bytesRead, Map<String, Double> phases, String reportUri) {}

  /**
   * One MERGE: the request's row (pack_id NULL) and a row per pack, updated in place by later runs. A
   * state and its time change only when the state does; {@code requested_at} keeps the first run's time.
   * The pack rows are a join on the executors, never a list on the driver.
   */
  private void record(String restoreId, Request req, String canonical, TargetSpec spec, Selector sel, String runId,
      Dataset<Row> plan, Dataset<Row> states, PlanTotals planned, String requestState, Outcome o) {
    Timestamp now = Timestamp.from(clock.instant());
    Timestamp asOf = sel.asOf() == null ? null : Timestamp.from(sel.asOf());
    StructType schema = CatalogTable.RESTORES.schema();
    Row request = RowFactory.create(restoreId, now, canonical, asOf, req.tier().name(), req.days(), spec.location(), null, null,
        requestState, now, planned.objects(), planned.bytes(), runId, o == null ? null : o.restored(),
        o == null ? null : o.notRestored(), o == null ? null : o.bytesRestored(), o == null ? null : o.bytesRead(),
        o == null ? null : scala.collection.JavaConverters.mapAsScalaMap(o.phases()), o == null ? null : o.reportUri());
    Dataset<Row> packs = withState(plan, states);
    Column restored = lit(null);
    Column notRestored = lit(null);
    Column bytesRead = lit(null);
    if (o != null && o.perPack() != null) {
      packs = packs.join(o.perPack(), col("pack_id").equalTo(col("o_pack_id")), "left");
      restored = col("o_restored");
      notRestored = col("o_not_restored");
    }
    if (o != null && o.packRun() != null) {
      packs = packs.join(o.packRun().where(col("pack_rows").gt(0)).select(col("pack_id").as("b_pack_id"),
          col("bytes_read").plus(col("index_bytes")).as("b_bytes")), col("pack_id").equalTo(col("b_pack_id")), "left");
      bytesRead = col("b_bytes");
    }
    Map<String, Column> value = new LinkedHashMap<>();
    value.put("restore_id", lit(restoreId));
    value.put("requested_at", lit(now));
    value.put("selector", lit(canonical));
    value.put("as_of", lit(asOf));
    value.put("tier", lit(req.tier().name()));
    value.put("days", lit(req.days()));
    value.put("target", lit(spec.location()));
    value.put("pack_id", col("pack_id"));
    value.put("pack_uri", col("uri"));
    value.put("state", col("run_state"));
    value.put("state_changed_at", lit(now));
    value.put("objects", col("objects"));
    value.put("bytes", col("bytes"));
    value.put("run_id", lit(runId));
    value.put("restored", restored);
    value.put("not_restored", notRestored);
    value.put("bytes_read", bytesRead);
    List<Column> cols = new ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : schema.fields()) {
      cols.add(value.getOrDefault(f.name(), lit(null)).cast(f.dataType()).as(f.name()));
    }
    Dataset<Row> s = catalog.spark().createDataFrame(List.of(request), schema)
        .unionByName(packs.select(cols.toArray(Column[]::new)));
    Map<String, String> always = new LinkedHashMap<>();
    always.put("tier", "s.tier");
    always.put("days", "s.days");
    always.put("run_id", "s.run_id");
    for (String c : List.of("restored", "not_restored", "bytes_restored", "bytes_read", "phase_seconds", "report_uri")) {
      always.put(c, "coalesce(s." + c + ", t." + c + ")");
    }
    Map<String, String> changed = new LinkedHashMap<>(always);
    changed.put("state", "s.state");
    changed.put("state_changed_at", "s.state_changed_at");
    catalog.table(CatalogTable.RESTORES).as("t")
        .merge(s.as("s"), "t.restore_id = s.restore_id AND t.pack_id <=> s.pack_id")
        .whenMatched("t.state <> s.state").updateExpr(changed)
        .whenMatched().updateExpr(always)
        .whenNotMatched().insertAll().execute();
  }

  // ------------------------------------------------------------------ helpers

  private RestoreResult result(Request req, String restoreId, String runId, Instant started, String canonical, TargetSpec spec,
      long objects, long bytes, PlanTotals plan, Map<String, Long> packStates, List<RestoreCost.Estimate> estimates,
      Map<String, Long> objectStates, List<RestoreResult.Failure> failures, long restored, long read, long metadata,
      Map<String, Double> phases, Map<String, String> manifest, String reportUri) {
    return new RestoreResult(restoreId, runId, started, req.dryRun(), req.export(), canonical, spec.location(), req.tier(),
        req.days(), objects, bytes, plan.packs(), packStates, plan.ranges(), plan.rangeBytes(), estimates, objectStates, failures, restored, read, metadata,
        new LinkedHashMap<>(phases), manifest, reportUri);
  }

  /** Seconds on the job's clock since {@code t0} ({@link Clock#millis()}): wall time, or a test's moved clock. */
  private double seconds(long t0) {
    return Waits.secondsSince(clock, t0);
  }

  private boolean exists(String uri) {
    return catalog.fileExists(uri);
  }

  private void write(String uri, byte[] bytes) {
    catalog.writeFile(uri, bytes);
  }

  /**
   * The exact versions a selection names ({@code --version-id} with keys given in full), for telling an
   * erased version from one never archived; empty for any other selection (an erased version's name is
   * not kept, so only its exact bucket, key and version id can be recognised).
   */
  static List<String[]> exactVersions(Selector s) {
    List<String[]> out = new java.util.ArrayList<>();
    if (s.mode() != Selector.Mode.VERSION_IDS) return out;
    for (Selector.Prefix p : s.parsedPrefixes()) {
      for (String bucket : p.bucket() != null ? List.of(p.bucket()) : s.buckets()) {
        for (String v : s.versionIds()) out.add(new String[] {bucket, p.prefix(), "null".equals(v) ? null : v});
      }
    }
    return out;
  }
}
