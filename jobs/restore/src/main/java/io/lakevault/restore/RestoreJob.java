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

  /** One pack of the plan. */
  record PackPlan(String packId, String uri, String versionId, String keyVersionId, String storageClass, long storedBytes, long objects,
      long bytes, long ranges, long rangeBytes) {}

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

      // ---- plan
      t = clock.millis();
      Map<String, String> previous = previousStates(restoreId);
      List<PackPlan> plan = plan(chosen);
      phases.put("plan", seconds(t));

      // ---- thaw
      t = clock.millis();
      List<PackPlan> open = plan.stream().filter(p -> !"DONE".equals(previous.get(p.packId()))).toList();
      Map<String, String[]> states = thaw(open, req.tier(), req.days(), false);
      List<RestoreCost.Thaw> cold = new ArrayList<>();
      for (PackPlan p : open) {
        if ("COLD".equals(states.get(p.packId())[0])) {
          cold.add(new RestoreCost.Thaw(StorageClass.valueOf(p.storageClass()), 1, p.storedBytes()));
        }
      }
      long getRequests = open.stream().mapToLong(p -> p.ranges() + 3).sum(); // ranges, footer, index, key file
      List<RestoreCost.Estimate> estimates = new RestoreCost(req.prices()).estimate(cold, getRequests, req.days());
      if (req.dryRun()) {
        Map<String, Long> packStates = countStates(plan, previous, states);
        return result(req, restoreId, runId, started, canonical, spec, objects, totals.getLong(1), plan, packStates,
            estimates, Map.of(), List.of(), 0, 0, 0, phases, Map.of(), null);
      }
      if (!cold.isEmpty()) states.putAll(thaw(open.stream().filter(p -> "COLD".equals(states.get(p.packId())[0])).toList(),
          req.tier(), req.days(), true));
      catalog.ensure(CatalogTable.RESTORES);
      record(restoreId, req, canonical, spec, sel, runId, plan, previous, states, "THAWING", null);
      phases.put("thaw", seconds(t));
      t = clock.millis();
      if (req.waitForThaw()) waitForThaws(open, states, req);
      phases.put("thaw-wait", seconds(t));

      // ---- extract what is readable and not done
      String resultsRoot = config().get(Settings.CATALOG_URI) + "/reports/restore/" + restoreId;
      List<String> ready = open.stream().filter(p -> "READY".equals(states.get(p.packId())[0])).map(PackPlan::packId).toList();
      Map<String, Row> packRows = new LinkedHashMap<>();
      long restoredBytes = 0;
      long bytesRead = 0;
      long metadataBytes = 0;
      if (!ready.isEmpty()) {
        t = clock.millis();
        extract(chosen, plan, ready, spec, req.overwrite(), resultsRoot, runId);
        afterExtract.run();
        // What this run did, per pack, in one pass: the pack's row (state, bytes, time) and its objects' outcome.
        Column pack = col("row_type").equalTo(Extracted.PACK);
        Column object = col("row_type").equalTo(Extracted.OBJECT);
        for (Row r : results(resultsRoot).where(col("run").equalTo(runId)).groupBy("pack_id").agg(
            count(when(pack, lit(1))).as("pack_rows"), max(when(pack, col("state"))).as("state"),
            max(when(pack, col("reason"))).as("reason"), coalesce(sum("bytes_read"), lit(0L)).as("bytes_read"),
            coalesce(sum("index_bytes"), lit(0L)).as("index_bytes"), coalesce(sum("read_ns"), lit(0L)).as("read_ns"),
            coalesce(sum("write_ns"), lit(0L)).as("write_ns"),
            count(when(object.and(col("state").equalTo("FAILED")), lit(1))).as("failed"),
            coalesce(sum(when(object.and(col("state").equalTo("RESTORED")), col("size"))), lit(0L)).as("restored_bytes"))
            .collectAsList()) {
          if (r.<Long>getAs("pack_rows") > 0) packRows.put(r.getAs("pack_id"), r);
          restoredBytes += r.<Long>getAs("restored_bytes");
          bytesRead += r.<Long>getAs("bytes_read");
          metadataBytes += r.<Long>getAs("index_bytes");
        }
        for (String id : ready) {
          Row p = packRows.get(id);
          boolean failed = p == null || "FAILED".equals(p.getAs("state")) || p.<Long>getAs("failed") > 0;
          states.put(id, new String[] {failed ? "FAILED" : "DONE", p == null ? null : p.getAs("reason")});
        }
        double extractSeconds = seconds(t);
        double readNs = packRows.values().stream().mapToLong(r -> r.<Long>getAs("read_ns")).sum();
        double writeNs = packRows.values().stream().mapToLong(r -> r.<Long>getAs("write_ns")).sum();
        // Task time split between reading packs and decoding-and-writing, scaled to the wall time of the stage.
        double share = readNs + writeNs == 0 ? 0 : readNs / (readNs + writeNs);
        phases.put("read", extractSeconds * share);
        phases.put("write", extractSeconds * (1 - share));
      }

      // ---- outcome over every run of the request
      t = clock.millis();
      Map<String, Long> objectStates = new LinkedHashMap<>();
      if (disposed > 0) objectStates.put("DISPOSED", disposed); // shown, not counted among the selected objects
      List<RestoreResult.Failure> failures = new ArrayList<>();
      Map<String, long[]> perPack = new LinkedHashMap<>();
      if (exists(resultsRoot + "/objects")) {
        // Counted, sampled for failures and (an export) listed: the window over every run is computed once.
        latest = latestObjectStates(resultsRoot).persist(StorageLevel.MEMORY_AND_DISK());
        for (Row r : latest.groupBy("pack_id", "state").count().collectAsList()) {
          objectStates.merge(r.getString(1), r.getLong(2), Long::sum);
          long[] c = perPack.computeIfAbsent(r.getString(0), k -> new long[2]);
          c["RESTORED".equals(r.getString(1)) || "PRESENT".equals(r.getString(1)) ? 0 : 1] += r.getLong(2);
        }
        for (Row r : latest.where(col("state").isin("FAILED", "UNSAFE_KEY", "KEPT_NEWER")).orderBy("bucket", "key", "version_id")
            .limit(MAX_FAILURES).collectAsList()) {
          failures.add(new RestoreResult.Failure(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), r.getAs("state"),
              r.getAs("reason")));
        }
      }
      Map<String, Long> packStates = countStates(plan, previous, states);
      String requestState = packStates.getOrDefault("DONE", 0L) == plan.size()
          ? (objectStates.getOrDefault("RESTORED", 0L) + objectStates.getOrDefault("PRESENT", 0L) == objects ? "DONE" : "PARTIAL")
          : packStates.getOrDefault("THAWING", 0L) > 0 ? "THAWING" : "FAILED";
      String reportUri = resultsRoot + "/" + runId + ".json";
      Map<String, Long> packBytes = new LinkedHashMap<>();
      packRows.forEach((id, r) -> packBytes.put(id, r.<Long>getAs("bytes_read") + r.<Long>getAs("index_bytes")));
      record(restoreId, req, canonical, spec, sel, runId, plan, previous, states, requestState, new Outcome(perPack, packBytes,
          restoredBytes, bytesRead + metadataBytes, phases, reportUri));
      Map<String, String> manifest = Map.of();
      RestoreResult partial = result(req, restoreId, runId, started, canonical, spec, objects, totals.getLong(1), plan,
          packStates, estimates, objectStates, failures, restoredBytes, bytesRead, metadataBytes, phases, Map.of(), null);
      if (req.export() && partial.complete()) {
        manifest = new ExportManifest(catalog).write(latest, spec, canonical, sel.asOf());
      }
      phases.put("commit", seconds(t));
      RestoreResult result = result(req, restoreId, runId, started, canonical, spec, objects, totals.getLong(1), plan,
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

  /** Per pack: objects, bytes, and the GETs the range planner makes; joined with the pack's row. */
  private List<PackPlan> plan(Dataset<Row> chosen) {
    Column[] order = {col("pack_id"), col("entry_offset")};
    int partitions = Math.max(1, catalog.spark().sparkContext().defaultParallelism());
    Dataset<Row> perPack = chosen.select("pack_id", "entry_offset", "entry_length", "size")
        .repartition(partitions, col("pack_id")).sortWithinPartitions(order)
        .mapPartitions((MapPartitionsFunction<Row, Row>) RestoreJob::planPartition, Encoders.row(PLAN));
    Dataset<Row> packs = catalog.read(CatalogTable.PACKS).select(col("pack_id").as("p_id"), col("uri"),
        col("version_id"), col("key_version_id"), col("storage_class"), col("stored_bytes"));
    List<PackPlan> out = new ArrayList<>();
    // Sorted here, not by Spark: a global sort first samples its input in a job of its own.
    for (Row r : SparkErrors.surfacing(() -> perPack.join(packs, col("pack_id").equalTo(col("p_id")), "left").collectAsList())) {
      if (r.isNullAt(r.fieldIndex("uri"))) {
        throw new LakevaultException(ErrorKind.INTERNAL, "pack " + r.getAs("pack_id") + " holds selected objects but is not "
            + "in the packs table; the catalog is inconsistent: see docs/restore.md");
      }
      out.add(new PackPlan(r.getAs("pack_id"), r.getAs("uri"), r.getAs("version_id"), r.getAs("key_version_id"),
          r.getAs("storage_class"),
          r.<Long>getAs("stored_bytes"), r.<Long>getAs("objects"), r.<Long>getAs("bytes"), r.<Long>getAs("ranges"),
          r.<Long>getAs("range_bytes")));
    }
    out.sort(java.util.Comparator.comparing(PackPlan::packId));
    return out;
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
   * S3 refuses a second restore in progress, and extends a finished one).
   */
  private Map<String, String[]> thaw(List<PackPlan> packs, RestoreTier tier, int days, boolean request) {
    Map<String, String[]> out = new LinkedHashMap<>();
    if (packs.isEmpty()) return out;
    List<Row> rows = packs.stream().map(p -> RowFactory.create(p.packId(), p.uri(), p.versionId())).toList();
    StructType in = new StructType().add("pack_id", "string").add("uri", "string").add("version_id", "string");
    LakevaultConfig config = config();
    int partitions = Math.max(1, Math.min(MAX_PARTITIONS, (rows.size() + 49) / 50));
    List<Row> checked = SparkErrors.surfacing(() -> catalog.spark().createDataFrame(rows, in).repartition(partitions)
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
        }, Encoders.row(THAW)).collectAsList());
    for (Row r : checked) out.put(r.getString(0), new String[] {r.getString(1), r.getString(2)});
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
  private void waitForThaws(List<PackPlan> open, Map<String, String[]> states, Request req) {
    Duration interval = config().get(Settings.RESTORE_POLL_INTERVAL);
    Duration cap = interval.multipliedBy(16);
    Instant deadline = clock.instant().plus(req.waitTimeout());
    while (true) {
      List<PackPlan> thawing = open.stream().filter(p -> "THAWING".equals(states.get(p.packId())[0])).toList();
      if (thawing.isEmpty()) return;
      Instant now = clock.instant();
      if (!now.isBefore(deadline)) {
        LOG.warn("{} pack(s) still thawing after --wait-timeout {}", thawing.size(), req.waitTimeout());
        return;
      }
      Duration sleep = interval.compareTo(Duration.between(now, deadline)) < 0 ? interval : Duration.between(now, deadline);
      LOG.info("{} pack(s) thawing; checking again in {}", thawing.size(), sleep);
      try {
        Waits.sleep(clock, sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LakevaultException(ErrorKind.INTERNAL, "interrupted while waiting for thaws; run the same command again", e);
      }
      // Requesting again is harmless and re-thaws a copy that expired while waiting.
      states.putAll(thaw(thawing, req.tier(), req.days(), true));
      interval = interval.multipliedBy(2).compareTo(cap) > 0 ? cap : interval.multipliedBy(2);
    }
  }

  // ------------------------------------------------------------------ extract

  private void extract(Dataset<Row> chosen, List<PackPlan> plan, List<String> ready, TargetSpec spec, boolean overwrite,
      String resultsRoot, String runId) {
    List<Row> packRows = new ArrayList<>();
    java.util.Set<String> readySet = new java.util.HashSet<>(ready);
    for (PackPlan p : plan) {
      if (readySet.contains(p.packId())) packRows.add(RowFactory.create(p.packId(), p.uri(), p.versionId(), p.keyVersionId()));
    }
    Dataset<Row> packs = catalog.spark().createDataFrame(packRows, new StructType().add("r_pack_id", "string")
        .add("pack_uri", "string").add("pack_version_id", "string").add("pack_key_version_id", "string"));
    Dataset<Row> work = chosen.join(org.apache.spark.sql.functions.broadcast(packs), col("pack_id").equalTo(col("r_pack_id")))
        .drop("r_pack_id");
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
    int partitions = Math.max(1, Math.min(MAX_PARTITIONS, ready.size()));
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

  /** Pack states recorded by earlier runs of this request. */
  private Map<String, String> previousStates(String restoreId) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!catalog.exists(CatalogTable.RESTORES)) return out;
    for (Row r : catalog.read(CatalogTable.RESTORES).where(col("restore_id").equalTo(restoreId).and(col("pack_id").isNotNull()))
        .select("pack_id", "state").collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    return out;
  }

  private static Map<String, Long> countStates(List<PackPlan> plan, Map<String, String> previous, Map<String, String[]> states) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (PackPlan p : plan) {
      String s = "DONE".equals(previous.get(p.packId())) ? "DONE" : states.get(p.packId())[0];
      out.merge(s, 1L, Long::sum);
    }
    return out;
  }

  /**
   * What a run did, for the {@code restores} rows; {@code null} before extraction.
   *
   * @param perPack objects at the target and not, per pack, over every run of the request
   * @param packBytes bytes this run read per pack
   */
  private record Outcome(Map<String, long[]> perPack, Map<String, Long> packBytes, long bytesRestored, long bytesRead,
      Map<String, Double> phases, String reportUri) {}

  /**
   * One MERGE: the request's row (pack_id NULL) and a row per pack, updated in place by later runs. A
   * state and its time change only when the state does; {@code requested_at} keeps the first run's time.
   */
  private void record(String restoreId, Request req, String canonical, TargetSpec spec, Selector sel, String runId,
      List<PackPlan> plan, Map<String, String> previous, Map<String, String[]> states, String requestState, Outcome o) {
    Timestamp now = Timestamp.from(clock.instant());
    Timestamp asOf = sel.asOf() == null ? null : Timestamp.from(sel.asOf());
    List<Row> rows = new ArrayList<>();
    long objects = plan.stream().mapToLong(PackPlan::objects).sum();
    long bytes = plan.stream().mapToLong(PackPlan::bytes).sum();
    Long restored = null;
    Long notRestored = null;
    if (o != null) {
      restored = o.perPack().values().stream().mapToLong(c -> c[0]).sum();
      notRestored = o.perPack().values().stream().mapToLong(c -> c[1]).sum();
    }
    rows.add(RowFactory.create(restoreId, now, canonical, asOf, req.tier().name(), req.days(), spec.location(), null, null,
        requestState, now, objects, bytes, runId, restored, notRestored, o == null ? null : o.bytesRestored(),
        o == null ? null : o.bytesRead(), o == null ? null : scala.collection.JavaConverters.mapAsScalaMap(o.phases()),
        o == null ? null : o.reportUri()));
    for (PackPlan p : plan) {
      String state = "DONE".equals(previous.get(p.packId())) ? "DONE" : states.get(p.packId())[0];
      long[] c = o == null ? null : o.perPack().get(p.packId());
      rows.add(RowFactory.create(restoreId, now, canonical, asOf, req.tier().name(), req.days(), spec.location(), p.packId(),
          p.uri(), state, now, p.objects(), p.bytes(), runId, c == null ? null : c[0], c == null ? null : c[1], null,
          o == null ? null : o.packBytes().get(p.packId()), null, null));
    }
    Dataset<Row> s = catalog.spark().createDataFrame(rows, CatalogTable.RESTORES.schema());
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
      long objects, long bytes, List<PackPlan> plan, Map<String, Long> packStates, List<RestoreCost.Estimate> estimates,
      Map<String, Long> objectStates, List<RestoreResult.Failure> failures, long restored, long read, long metadata,
      Map<String, Double> phases, Map<String, String> manifest, String reportUri) {
    return new RestoreResult(restoreId, runId, started, req.dryRun(), req.export(), canonical, spec.location(), req.tier(),
        req.days(), objects, bytes, plan.size(), packStates, plan.stream().mapToLong(PackPlan::ranges).sum(),
        plan.stream().mapToLong(PackPlan::rangeBytes).sum(), estimates, objectStates, failures, restored, read, metadata,
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
