package io.lakevault.lifecycle;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.when;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.lifecycle.ErasurePlanner;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.pack.PackKeyFile;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.ObjectLockMode;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Uri;
import io.lakevault.core.store.StorageClass;
import io.lakevault.spark.Selection;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogLease;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault erase}: answers an erasure request (GDPR Art. 17) for archived versions by destroying
 * their keys inside the locked packs (crypto-shredding; docs/lifecycle.md, "Erasure").
 *
 * <ol>
 *   <li>Plan: the versions the selection chooses (delete markers too: their rows name the key), each
 *       with the {@link ErasurePlanner} verdict. Per erased version, its name key (version-2 packs seal
 *       each entry's name under a key of its own) and its content key, unless a kept version still reads
 *       the same bytes by deduplication. A dry run stops here and lists both sides.
 *   <li>Record before: the request in {@code erasures}, every version to erase, with the keys that go,
 *       in {@code erased_versions}.
 *   <li>Rewrite, from the executors through the eraser role: each key file without its slots, as a new
 *       GOVERNANCE-locked version; then {@code packs.key_version_id}; then every other version of the
 *       key file deleted (bypassing GOVERNANCE, which only the eraser may).
 *   <li>Record after: the erased versions' {@code objects} rows removed, {@code erased_versions.erased_at},
 *       the request completed.
 * </ol>
 * Idempotent and resumable: running the same request again finishes what a crash left (the keys recorded
 * in step 2 are destroyed whatever the catalog still holds), and a completed request is not run twice.
 * Nothing it stores or logs names an erased version: the selection is kept as its SHA-256.
 */
public final class EraseJob {
  private static final Logger LOG = LoggerFactory.getLogger(EraseJob.class);
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");
  private static final int EXAMPLES = 20;

  /**
   * @param erasable each class of the current policy and whether it is erasable
   * @param by who asks; {@code null}: the caller's identity
   */
  public record Request(String requestId, String reason, String by, Selector selector, Map<String, Boolean> erasable,
      boolean dryRun, String reportUri) {
    public Request {
      erasable = Map.copyOf(erasable);
    }
  }

  /**
   * What a run did, or (dry run) would do. Only a dry run's {@code toErase} names erased versions; it is
   * printed for the operator and never stored.
   *
   * @param refused selected versions kept, by verdict
   * @param refusedExamples a few kept versions with the reason (they are not erased, so they may be named)
   */
  public record Result(String requestId, String runId, boolean dryRun, String state, boolean alreadyCompleted,
      Instant requestedAt, Instant completedAt, Instant purgeDue, long versionsErased, long markersErased,
      long contentsKept, long keysDestroyed, long keysPlanned, Map<String, Long> refused, List<String> refusedExamples,
      List<String> toErase, List<String> problems) {}

  private final Catalog catalog;
  private final Clock clock;
  private final int crashAfterRewrites;

  public EraseJob(Catalog catalog, Clock clock) {
    this(catalog, clock, -1);
  }

  /** @param crashAfterRewrites tests only: the run dies after rewriting key files, before recording them */
  EraseJob(Catalog catalog, Clock clock, int crashAfterRewrites) {
    this.catalog = catalog;
    this.clock = clock;
    this.crashAfterRewrites = crashAfterRewrites;
  }

  /** Refuses a request id that is not one, before anything starts. */
  public static void checkRequest(String requestId, String reason) {
    if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
      throw LakevaultException.usage("--request '" + requestId + "' is not a request id: letters, digits and . _ : / -,"
          + " starting with a letter or digit, at most 128 characters (e.g. the ticket, DSR-2026-0091)");
    }
    if (reason == null || reason.isBlank()) {
      throw LakevaultException.usage("erase needs --reason: the legal ground (e.g. \"GDPR Art. 17(1)(a), ticket"
          + " DSR-2026-0091\"); never the data subject's name, which the erasures table would keep");
    }
  }

  /**
   * SHA-256 of a selection's canonical form (a keys file by the SHA-256 of its content): what the run
   * record and {@code erasures} keep instead of the selection, which names the objects.
   */
  public static String selectionSha256(Catalog catalog, Selector s) {
    return sha256(s.canonical(s.keysFile() == null ? null : new Selection(catalog).keysDigest(s.keysFile())));
  }

  private static String sha256(String canonical) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Result run(Request req, String runId) {
    checkRequest(req.requestId(), req.reason());
    Selector s = req.selector().validate();
    if (!catalog.exists(CatalogTable.OBJECTS) || !catalog.exists(CatalogTable.PACKS)) {
      throw LakevaultException.usage("nothing is archived yet: the catalog has no objects table (run `lakevault archive`)");
    }
    String selectorSha = selectionSha256(catalog, s);
    Result r;
    if (req.dryRun()) {
      r = plan(req, s, selectorSha, runId, clock.instant(), null, null);
    } else {
      try (CatalogLease lease = CatalogLease.acquire(catalog, runId, "erase", clock)) {
        for (CatalogTable t : List.of(CatalogTable.OBJECTS, CatalogTable.PACKS, CatalogTable.ERASURES, CatalogTable.ERASED_VERSIONS)) {
          catalog.ensure(t);
        }
        Row existing = requestRow(req.requestId());
        if (existing != null && !selectorSha.equals(existing.getAs("selector_sha256"))) {
          throw LakevaultException.usage("request " + req.requestId() + " was run with another selection (its SHA-256 is "
              + existing.getAs("selector_sha256") + "): run a new selection under a new request id");
        }
        if (existing != null && "completed".equals(existing.getAs("state"))) {
          r = completed(existing, runId);
        } else {
          r = plan(req, s, selectorSha, runId, clock.instant(), lease, existing);
        }
      }
    }
    byte[] json = LifecycleReport.json(r).getBytes(StandardCharsets.UTF_8);
    if (!req.dryRun()) catalog.writeFile(reportUri(runId), json);
    if (req.reportUri() != null) catalog.writeFile(req.reportUri(), json);
    return r;
  }

  /** Where a run's JSON report is kept (it names no erased version). */
  public String reportUri(String runId) {
    return catalog.uriOf("reports/erase/" + runId + ".json");
  }

  private Result completed(Row e, String runId) {
    LOG.info("request {} completed at {}: nothing to do", e.<String>getAs("request_id"), e.<Timestamp>getAs("completed_at"));
    return new Result(e.getAs("request_id"), runId, false, "completed", true, instant(e.getAs("requested_at")),
        instant(e.getAs("completed_at")), instant(e.getAs("purge_due")), e.<Long>getAs("versions_erased"),
        e.<Long>getAs("markers_erased"), e.<Long>getAs("contents_kept"), e.<Long>getAs("keys_destroyed"),
        e.<Long>getAs("keys_destroyed"), Map.of(), List.of(), List.of(), List.of());
  }

  private Result plan(Request req, Selector s, String selectorSha, String runId, Instant now, CatalogLease lease, Row existing) {
    Dataset<Row> decided = decisions(s, req.erasable()).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> erased = decided.where(col("verdict").equalTo(ErasurePlanner.Verdict.ERASE.name()));
      Dataset<Row> keepers = keptOwners(erased);
      // Bytes another kept version reads stay: only the erased version's name key goes.
      Dataset<Row> planned = erased.join(keepers, col("pack_id").equalTo(col("k_pack"))
              .and(col("entry_ordinal").equalTo(col("k_ordinal"))), "left")
          .select(col("version_sha256"), lit(false).as("is_delete_marker"), col("name_pack").as("name_pack_id"),
              col("name_ordinal").cast("long").plus(lit(PackFormat.NAME_SLOT_BASE)).as("name_slot"),
              col("pack_id").as("content_pack_id"),
              when(col("k_pack").isNull(), col("entry_ordinal").cast("long")).as("content_slot"),
              col("k_pack").isNotNull().as("content_kept"), col("bucket"), col("key"), col("version_id"))
          .unionByName(decided.where(col("verdict").equalTo(ErasurePlanner.Verdict.ERASE_MARKER.name()))
              .select(col("version_sha256"), lit(true).as("is_delete_marker"), lit(null).cast("string").as("name_pack_id"),
                  lit(null).cast("long").as("name_slot"), lit(null).cast("string").as("content_pack_id"),
                  lit(null).cast("long").as("content_slot"), lit(false).as("content_kept"), col("bucket"), col("key"),
                  col("version_id")))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Map<String, Long> refused = new LinkedHashMap<>();
        Dataset<Row> kept = decided.where(col("verdict").isin("HELD", "NOT_ERASABLE", "DISPOSED", "NOT_SEALED"));
        for (Row r : kept.groupBy("verdict").count().orderBy("verdict").collectAsList()) {
          refused.put(r.getString(0), r.getLong(1));
        }
        List<String> refusedExamples = new ArrayList<>();
        for (Row r : kept.orderBy("bucket", "key", "version_id").limit(EXAMPLES)
            .select("bucket", "key", "version_id", "reason").collectAsList()) {
          refusedExamples.add(describe(r.getString(0), r.getString(1), r.getString(2)) + ": " + r.getString(3));
        }
        long refusedCount = refused.values().stream().mapToLong(Long::longValue).sum();
        if (lease == null) {
          Counts c = counts(planned);
          List<String> toErase = new ArrayList<>();
          for (Row r : planned.orderBy("bucket", "key", "version_id").limit(1000)
              .select("bucket", "key", "version_id", "is_delete_marker", "content_kept").collectAsList()) {
            toErase.add(describe(r.getString(0), r.getString(1), r.getString(2))
                + (r.getBoolean(3) ? " (delete marker: its row)" : "")
                + (r.getBoolean(4) ? " (name only: a kept version has the same bytes)" : ""));
          }
          return new Result(req.requestId(), runId, true, "dry run", false, now, null, null, c.versions, c.markers,
              c.contentsKept, 0, c.keys, refused, refusedExamples, toErase, List.of());
        }
        return erase(req, selectorSha, runId, now, lease, existing, decided, planned, refusedCount, refused, refusedExamples);
      } finally {
        planned.unpersist();
      }
    } finally {
      decided.unpersist();
    }
  }

  /** Versions, delete markers, versions erased by name only, and distinct keys, of rows shaped as {@code erased_versions}. */
  private record Counts(long versions, long markers, long contentsKept, long keys) {}

  private static Counts counts(Dataset<Row> rows) {
    Row c = rows.agg(count(when(col("is_delete_marker").equalTo(false), lit(1))), count(when(col("is_delete_marker"), lit(1))),
        count(when(col("content_kept"), lit(1)))).first();
    long keys = rows.where(col("name_slot").isNotNull()).select(col("name_pack_id").as("p"), col("name_slot").as("s"))
        .unionByName(rows.where(col("content_slot").isNotNull()).select(col("content_pack_id").as("p"), col("content_slot").as("s")))
        .distinct().count();
    return new Counts(c.getLong(0), c.getLong(1), c.getLong(2), keys);
  }

  private Result erase(Request req, String selectorSha, String runId, Instant now, CatalogLease lease, Row existing,
      Dataset<Row> decided, Dataset<Row> planned, long refusedCount, Map<String, Long> refused, List<String> refusedExamples) {
    String id = req.requestId();
    Timestamp t = Timestamp.from(now);
    // 1. Recorded before: the request, then every version it erases with the keys that go. A resumed run
    // finds again the versions whose rows a crashed run had not removed yet; they are planned once.
    if (existing == null) {
      Dataset<Row> row = catalog.spark().createDataFrame(List.of(RowFactory.create(id, req.reason(), selectorSha,
          by(req.by()), t, "running", null, 0L, 0L, refusedCount, 0L, 0L, null, null, runId)),
          CatalogTable.ERASURES.schema());
      catalog.table(CatalogTable.ERASURES).as("t").merge(row.as("s"), "t.request_id = s.request_id")
          .whenNotMatched().insertAll().execute();
    }
    Dataset<Row> rows = planned.select(lit(id).as("request_id"), col("version_sha256"), col("is_delete_marker"),
        col("name_pack_id"), col("name_slot"), col("content_pack_id"), col("content_slot"), col("content_kept"),
        lit(t).as("planned_at"), lit(null).cast("timestamp").as("erased_at"), lit(runId).as("run_id"));
    catalog.table(CatalogTable.ERASED_VERSIONS).as("t").merge(rows.as("s"), "t.request_id = s.request_id"
            + " AND t.version_sha256 = s.version_sha256 AND t.name_pack_id <=> s.name_pack_id AND t.name_slot <=> s.name_slot")
        .whenNotMatched().insertAll().execute();
    lease.check("destroy the keys of erasure request " + id);
    // 2. The keys, pack by pack.
    Dataset<Row> pending = catalog.read(CatalogTable.ERASED_VERSIONS)
        .where(col("request_id").equalTo(id).and(col("erased_at").isNull())).persist(StorageLevel.MEMORY_AND_DISK());
    List<String> problems = new ArrayList<>();
    String stagingPath = catalog.locations().hadoopPath(catalog.uriOf("staging/erase/" + runId));
    try {
      Dataset<Row> destroyed = destroyKeys(id, runId, now, pending, problems, stagingPath);
      lease.check("remove the erased versions' rows of request " + id);
      // 3. A version whose keys are gone from every pack that held them is erased: its row (and a delete
      // marker's) leaves the objects table; older table versions keep it until `catalog purge`.
      Dataset<Row> done = pending
          .join(destroyed.select(col("d_pack").as("n_done")), col("name_pack_id").equalTo(col("n_done")), "left")
          .join(destroyed.select(col("d_pack").as("c_done")), col("content_pack_id").equalTo(col("c_done")), "left")
          .where(col("is_delete_marker").or(col("n_done").isNotNull()
              .and(col("content_slot").isNull().or(col("c_done").isNotNull()))))
          .select(col("version_sha256").as("s_sha"), col("name_pack_id").as("s_pack"), col("name_slot").as("s_slot"))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Dataset<Row> gone = decided.where(col("verdict").isin("ERASE", "ERASE_MARKER"))
            .join(done, col("version_sha256").equalTo(col("s_sha")), "left_semi")
            .select(col("bucket").as("g_bucket"), col("key").as("g_key"), col("version_id").as("g_version"),
                col("e_tag").as("g_tag"), col("last_modified_date").as("g_modified"));
        catalog.table(CatalogTable.OBJECTS).as("t").merge(gone.as("s"), "t.bucket = s.g_bucket AND t.key = s.g_key"
                + " AND t.version_id <=> s.g_version AND t.e_tag <=> s.g_tag AND t.last_modified_date <=> s.g_modified")
            .whenMatched().delete().execute();
        catalog.table(CatalogTable.ERASED_VERSIONS).as("t").merge(done.as("s"), "t.request_id = '" + id + "'"
                + " AND t.version_sha256 = s.s_sha AND t.name_pack_id <=> s.s_pack AND t.name_slot <=> s.s_slot"
                + " AND t.erased_at IS NULL")
            .whenMatched().updateExpr(Map.of("erased_at", "timestamp'" + t + "'", "run_id", "'" + runId + "'")).execute();
      } finally {
        done.unpersist();
      }
    } finally {
      pending.unpersist();
      deleteStaging(stagingPath);
    }
    Dataset<Row> all = catalog.read(CatalogTable.ERASED_VERSIONS).where(col("request_id").equalTo(id));
    Counts c = counts(all.where(col("erased_at").isNotNull()));
    long open = all.where(col("erased_at").isNull()).count();
    Instant completedAt = null;
    Instant purgeDue = null;
    String state = "running";
    Map<String, org.apache.spark.sql.Column> set = new LinkedHashMap<>(Map.of("versions_erased", lit(c.versions),
        "markers_erased", lit(c.markers), "contents_kept", lit(c.contentsKept), "keys_destroyed", lit(c.keys),
        "versions_refused", lit(Math.max(refusedCount, existing == null ? 0 : existing.<Long>getAs("versions_refused"))),
        "run_id", lit(runId)));
    if (open == 0 && problems.isEmpty()) {
      completedAt = clock.instant();
      purgeDue = completedAt.plus(catalog.config().get(Settings.ERASURE_PURGE_WITHIN));
      state = "completed";
      set.put("state", lit("completed"));
      set.put("completed_at", lit(Timestamp.from(completedAt)));
      set.put("purge_due", lit(Timestamp.from(purgeDue)));
      LOG.info("request {} completed: {} version(s) erased, {} key(s) destroyed; purge the catalog's older files by {}",
          id, c.versions, c.keys, purgeDue);
    } else {
      LOG.warn("request {} is not complete: {} version(s) still to erase; run it again", id, open);
    }
    catalog.table(CatalogTable.ERASURES).as("t").update(col("request_id").equalTo(lit(id)), set);
    Row after = requestRow(id);
    return new Result(id, runId, false, state, false, instant(after.getAs("requested_at")), completedAt, purgeDue,
        c.versions, c.markers, c.contentsKept, c.keys, c.keys + open, refused, refusedExamples, List.of(), problems);
  }

  /**
   * Destroys the keys of the pending versions, pack by pack: the key file rewritten without them, the
   * catalog pointed at the new version, then every other version deleted.
   *
   * @param problems filled with what failed, naming packs (never objects)
   * @param stagingPath where the executors' outcomes are staged; the caller removes it once it has used the result
   * @return the packs done, as {@code d_pack}: no version of their key file holds a pending key any more (read
   *     from the staging folder, so nothing on the driver grows with packs)
   */
  private Dataset<Row> destroyKeys(String requestId, String runId, Instant now, Dataset<Row> pendingVersions,
      List<String> problems, String stagingPath) {
    LakevaultConfig config = catalog.config();
    String eraser = config.get(Settings.LIFECYCLE_ERASER_ROLE);
    Dataset<Row> keys = pendingVersions.where(col("name_slot").isNotNull())
        .select(col("name_pack_id").as("e_pack"), col("name_slot").as("slot"))
        .unionByName(pendingVersions.where(col("content_slot").isNotNull())
            .select(col("content_pack_id").as("e_pack"), col("content_slot").as("slot")))
        .distinct().groupBy("e_pack").agg(collect_list(col("slot")).as("slots"));
    Dataset<Row> work = catalog.read(CatalogTable.PACKS).join(keys, col("pack_id").equalTo(col("e_pack")))
        .select(col("pack_id"), col("uri"), col("key_version_id"), col("retain_until"), col("slots"));
    StructType deleted = new StructType().add("pack_id", "string").add("state", "string").add("detail", "string");
    long packs = work.count();
    if (packs == 0) return catalog.spark().createDataFrame(List.of(), deleted).select(col("pack_id").as("d_pack"));
    LOG.info("request {}: rewriting the key files of {} pack(s) without the erased keys", requestId, packs);
    int partitions = (int) Math.max(1, Math.min(2000, packs / 200 + 1));
    StructType rewritten = new StructType().add("pack_id", "string").add("key_version_id", "string")
        .add("state", "string").add("detail", "string");
    SparkErrors.surfacing(() -> {
      work.repartition(partitions).mapPartitions((MapPartitionsFunction<Row, Row>) it -> rewrite(config, eraser, now, it),
          Encoders.row(rewritten)).write().mode("overwrite").parquet(stagingPath + "/rewritten");
      return null;
    });
    if (crashAfterRewrites >= 0) throw new IllegalStateException("injected crash after the key-file rewrites (test)");
    Dataset<Row> ok = catalog.spark().read().schema(rewritten).parquet(stagingPath + "/rewritten")
        .where(col("state").equalTo("rewritten")).select(col("pack_id").as("s_pack"), col("key_version_id").as("s_kv"));
    for (Row r : catalog.spark().read().schema(rewritten).parquet(stagingPath + "/rewritten")
        .where(col("state").notEqual("rewritten")).orderBy("pack_id").limit(EXAMPLES).collectAsList()) {
      problems.add("pack " + r.getString(0) + ": " + r.getString(3));
    }
    // Readers take the version the catalog names: from now on, the one without the keys.
    catalog.table(CatalogTable.PACKS).as("t").merge(ok.as("s"), "t.pack_id = s.s_pack")
        .whenMatched("NOT (t.key_version_id <=> s.s_kv)").updateExpr(Map.of("key_version_id", "s.s_kv")).execute();
    // 2b. Every other version of each rewritten key file goes: until then the keys still exist.
    Dataset<Row> cleanup = ok.join(catalog.read(CatalogTable.PACKS).select(col("pack_id"), col("uri")),
        col("s_pack").equalTo(col("pack_id"))).select(col("pack_id"), col("uri"), col("s_kv").as("key_version_id"));
    SparkErrors.surfacing(() -> {
      cleanup.repartition(partitions).mapPartitions((MapPartitionsFunction<Row, Row>) it -> deleteOthers(config, eraser, it),
          Encoders.row(deleted)).write().mode("overwrite").parquet(stagingPath + "/deleted");
      return null;
    });
    Dataset<Row> cleaned = catalog.spark().read().schema(deleted).parquet(stagingPath + "/deleted");
    for (Row r : cleaned.where(col("state").notEqual("destroyed")).orderBy("pack_id").limit(EXAMPLES).collectAsList()) {
      problems.add("pack " + r.getString(0) + ": " + r.getString(2));
    }
    return cleaned.where(col("state").equalTo("destroyed")).select(col("pack_id").as("d_pack"));
  }

  /** The store that may rewrite and delete key files: the eraser role's, else the job's own. */
  private static ObjectStore keyStore(LakevaultConfig config, String eraserRole) {
    return eraserRole == null ? ObjectStores.open(config) : ObjectStores.open(config, eraserRole);
  }

  /**
   * Per pack: the key file at the catalog's version without the slots, written as a new version (or found
   * already written by a run that crashed before recording it). States: {@code rewritten} with the version
   * readers must take from now on, or {@code failed}.
   */
  private static Iterator<Row> rewrite(LakevaultConfig config, String eraserRole, Instant now, Iterator<Row> it) {
    List<Row> out = new ArrayList<>();
    try (ObjectStore store = keyStore(config, eraserRole)) {
      while (it.hasNext()) {
        Row r = it.next();
        String packId = r.getAs("pack_id");
        S3Uri u = S3Uri.parse(r.getAs("uri"));
        String keyFile = u.key() + PackFormat.KEY_FILE_SUFFIX;
        String base = r.getAs("key_version_id");
        Timestamp until = r.getAs("retain_until");
        long[] slots = r.<Long>getList(r.fieldIndex("slots")).stream().mapToLong(Long::longValue).toArray();
        try {
          byte[] current = read(store, new ObjectRef(u.bucket(), keyFile, base));
          String what = "s3://" + u.bucket() + "/" + keyFile;
          PackKeyFile kf = PackKeyFile.decode(current, what);
          PackKeyFile without = kf.without(slots);
          if (without.sealedKeys().size() == kf.sealedKeys().size()) {
            out.add(RowFactory.create(packId, base, "rewritten", null)); // an earlier run wrote this version
            continue;
          }
          byte[] wanted = without.encode();
          String version = newerCopy(store, u.bucket(), keyFile, base, wanted);
          if (version == null) {
            PutOptions.Builder o = PutOptions.builder().storageClass(StorageClass.STANDARD)
                .contentType("application/vnd.lakevault.keys").userMetadata("lakevault-pack-id", packId)
                .serverSideEncryption("AES256", null);
            // As the archive locks key files: GOVERNANCE until the pack's retain-until, so that only the eraser can shred.
            if (until != null && until.toInstant().isAfter(now)) o.objectLock(ObjectLockMode.GOVERNANCE, until.toInstant());
            ObjectMetadata m = store.put(u.bucket(), keyFile, wanted, o.build());
            version = m.versionId();
          }
          out.add(RowFactory.create(packId, version, "rewritten", null));
        } catch (LakevaultException | IOException e) {
          out.add(RowFactory.create(packId, null, "failed", "its key file could not be rewritten (" + e.getMessage() + ")"
              + (eraserRole == null ? "; on S3 the shipped policies let only the eraser role write key files: set"
                  + " lifecycle.eraser-role" : "")));
        }
      }
    }
    return out.iterator();
  }

  /** A version of the key file other than {@code base} holding exactly {@code wanted}: a crashed run's write. */
  private static String newerCopy(ObjectStore store, String bucket, String keyFile, String base, byte[] wanted)
      throws IOException {
    for (Iterator<ObjectVersion> v = store.listVersions(bucket, keyFile); v.hasNext(); ) {
      ObjectVersion o = v.next();
      if (!o.key().equals(keyFile) || o.isDeleteMarker() || o.versionId() == null || o.versionId().equals(base)) continue;
      if (o.size() == wanted.length && Arrays.equals(read(store, new ObjectRef(bucket, keyFile, o.versionId())), wanted)) {
        return o.versionId();
      }
    }
    return null;
  }

  /** Per pack: every version of its key file but the one the catalog now names, deleted (bypassing GOVERNANCE). */
  private static Iterator<Row> deleteOthers(LakevaultConfig config, String eraserRole, Iterator<Row> it) {
    List<Row> out = new ArrayList<>();
    try (ObjectStore store = keyStore(config, eraserRole)) {
      while (it.hasNext()) {
        Row r = it.next();
        S3Uri u = S3Uri.parse(r.getAs("uri"));
        String keyFile = u.key() + PackFormat.KEY_FILE_SUFFIX;
        String keep = r.getAs("key_version_id");
        try {
          List<ObjectRef> others = new ArrayList<>();
          for (Iterator<ObjectVersion> v = store.listVersions(u.bucket(), keyFile); v.hasNext(); ) {
            ObjectVersion o = v.next();
            if (o.key().equals(keyFile) && !String.valueOf(o.versionId()).equals(String.valueOf(keep))) {
              others.add(new ObjectRef(u.bucket(), keyFile, o.versionId()));
            }
          }
          for (ObjectRef o : others) store.delete(o, true);
          out.add(RowFactory.create(r.<String>getAs("pack_id"), "destroyed", null));
        } catch (ObjectStoreException e) {
          out.add(RowFactory.create(r.<String>getAs("pack_id"), "failed", "an older version of its key file, which still"
              + " holds the erased keys, could not be deleted (" + e.getMessage() + ")"
              + (eraserRole == null ? "; on S3 only the eraser role may: set lifecycle.eraser-role" : "")));
        }
      }
    }
    return out.iterator();
  }

  private static byte[] read(ObjectStore store, ObjectRef ref) throws IOException {
    try (InputStream in = store.get(ref)) {
      return in.readAllBytes();
    }
  }

  /**
   * Every selected version (delete markers included) with its verdict: bucket, key, version_id, e_tag,
   * last_modified_date, pack_id, entry_ordinal, dedup_ref, name_pack, name_ordinal, verdict, reason,
   * version_sha256.
   */
  private Dataset<Row> decisions(Selector s, Map<String, Boolean> erasable) {
    Dataset<Row> sel = new Selection(catalog).withDeleteMarkers(s)
        .withColumn("name_pack", when(col("dedup_ref").isNull(), col("pack_id"))
            .otherwise(substring_index(col("dedup_ref"), "#", 1)))
        .withColumn("name_ordinal", when(col("dedup_ref").isNull(), col("entry_ordinal"))
            .otherwise(substring_index(col("dedup_ref"), "#", -1).cast("int")));
    Dataset<Row> packs = catalog.read(CatalogTable.PACKS);
    Dataset<Row> namePacks = packs.select(col("pack_id").as("n_pack"), col("format_version").as("n_format"),
        col("encrypted").as("n_encrypted"));
    Dataset<Row> contentPacks = packs.select(col("pack_id").as("c_pack"), col("encrypted").as("c_encrypted"),
        col("dictionary").as("c_dictionary"));
    Dataset<Row> held = heldPacks();
    Dataset<Row> facts = sel.join(namePacks, col("name_pack").equalTo(col("n_pack")), "left")
        .join(contentPacks, col("pack_id").equalTo(col("c_pack")), "left")
        .join(held.select(col("h_pack").as("h1"), col("cases").as("cases1")), col("name_pack").equalTo(col("h1")), "left")
        .join(held.select(col("h_pack").as("h2"), col("cases").as("cases2")), col("pack_id").equalTo(col("h2")), "left")
        .withColumn("cases", array_union(coalesce(col("cases1"), array().cast("array<string>")),
            coalesce(col("cases2"), array().cast("array<string>"))))
        .withColumn("version_sha256", io.lakevault.spark.lifecycle.ErasedVersions.sha256(col("bucket"), col("key"), col("version_id")))
        .select(col("bucket"), col("key"), col("version_id"), col("e_tag"), col("last_modified_date"), col("pack_id"),
            col("entry_ordinal"), col("dedup_ref"), col("name_pack"), col("name_ordinal"), col("retention_class"),
            col("retain_until"), col("is_delete_marker"), col("disposed_at"), coalesce(col("n_format"), lit(0)).as("n_format"),
            coalesce(col("n_encrypted"), lit(false)).as("n_encrypted"), coalesce(col("c_encrypted"), lit(false)).as("c_encrypted"),
            col("c_dictionary"), col("cases"), col("version_sha256"));
    StructType schema = new StructType().add("bucket", "string").add("key", "string").add("version_id", "string")
        .add("e_tag", "string").add("last_modified_date", "timestamp").add("pack_id", "string").add("entry_ordinal", "int")
        .add("dedup_ref", "string").add("name_pack", "string").add("name_ordinal", "int").add("verdict", "string")
        .add("reason", "string").add("version_sha256", "string");
    ErasurePlanner planner = new ErasurePlanner();
    Map<String, Boolean> classes = new java.util.HashMap<>(erasable);
    return facts.mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        Row r = it.next();
        List<String> cases = new ArrayList<>(r.getList(r.fieldIndex("cases")));
        java.util.Collections.sort(cases);
        String cls = r.getAs("retention_class");
        boolean marker = r.getAs("is_delete_marker");
        Timestamp retain = r.getAs("retain_until");
        Timestamp disposed = r.getAs("disposed_at");
        ErasurePlanner.Decision d = planner.decide(new ErasurePlanner.VersionFacts(cls, instant(retain),
            classes.get(cls), marker, instant(disposed), r.<Integer>getAs("n_format"),
            r.<Boolean>getAs("n_encrypted") && r.<Boolean>getAs("c_encrypted"), r.<Boolean>getAs("c_dictionary"), cases));
        out.add(RowFactory.create(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), r.getAs("e_tag"),
            r.getAs("last_modified_date"), r.getAs("pack_id"), r.getAs("entry_ordinal"), r.getAs("dedup_ref"),
            r.getAs("name_pack"), r.getAs("name_ordinal"), d.verdict().name(), d.reason(), r.getAs("version_sha256")));
      }
      return out.iterator();
    }, Encoders.row(schema));
  }

  /**
   * Per (pack, ordinal) of an erased version's bytes: whether a version that is kept (not erased by this
   * request, not disposed of) reads them, as its own entry or by reference. k_pack, k_ordinal.
   */
  private Dataset<Row> keptOwners(Dataset<Row> erased) {
    Dataset<Row> ids = erased.select(col("bucket").as("e_bucket"), col("key").as("e_key"), col("version_id").as("e_version"),
        col("e_tag").as("e_tag2"), col("last_modified_date").as("e_modified"));
    Dataset<Row> wanted = erased.select(col("pack_id").as("w_pack"), col("entry_ordinal").as("w_ordinal")).distinct();
    return catalog.read(CatalogTable.OBJECTS).where(col("disposed_at").isNull().and(col("is_delete_marker").equalTo(false)))
        .join(wanted, col("pack_id").equalTo(col("w_pack")).and(col("entry_ordinal").equalTo(col("w_ordinal"))), "left_semi")
        .join(ids, col("bucket").equalTo(col("e_bucket")).and(col("key").equalTo(col("e_key")))
            .and(col("version_id").eqNullSafe(col("e_version"))).and(col("e_tag").eqNullSafe(col("e_tag2")))
            .and(col("last_modified_date").eqNullSafe(col("e_modified"))), "left_anti")
        .select(col("pack_id").as("k_pack"), col("entry_ordinal").as("k_ordinal")).distinct();
  }

  /** Packs an open case holds (S3 keeps their key files from being rewritten): h_pack, cases. */
  private Dataset<Row> heldPacks() {
    if (catalog.exists(CatalogTable.HELD_PACKS) && catalog.exists(CatalogTable.HOLDS)) {
      Dataset<Row> open = catalog.read(CatalogTable.HOLDS).where(col("released_at").isNull()).select(col("case_id").as("o_case"));
      return catalog.read(CatalogTable.HELD_PACKS).where(col("hold_removed_at").isNull())
          .join(open, col("case_id").equalTo(col("o_case")), "left_semi")
          .groupBy(col("pack_id").as("h_pack")).agg(collect_set("case_id").as("cases"));
    }
    return catalog.spark().emptyDataFrame().selectExpr("cast(null as string) h_pack", "cast(null as array<string>) cases")
        .limit(0);
  }

  private Row requestRow(String requestId) {
    if (!catalog.exists(CatalogTable.ERASURES)) return null;
    List<Row> rows = catalog.read(CatalogTable.ERASURES).where(col("request_id").equalTo(requestId)).limit(1).collectAsList();
    return rows.isEmpty() ? null : rows.get(0);
  }

  private String by(String by) {
    return by != null && !by.isBlank() ? by : io.lakevault.aws.CallerIdentity.of(catalog.config());
  }

  private static String describe(String bucket, String key, String versionId) {
    return "s3://" + bucket + "/" + key + (versionId == null ? "" : " (version " + versionId + ")");
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  private void deleteStaging(String path) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try {
      p.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration()).delete(p, true);
    } catch (IOException e) {
      LOG.warn("could not delete {} (harmless; the next run overwrites its own): {}", path, e.getMessage());
    }
  }
}
