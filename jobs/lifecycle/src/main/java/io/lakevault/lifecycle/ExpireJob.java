package io.lakevault.lifecycle;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.lifecycle.ExpiryPlanner;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.S3Uri;
import io.lakevault.core.store.StorageClass;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogLease;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault expire}: deletes the packs whose every member's retention has ended, and marks their
 * members disposed (docs/lifecycle.md, "Expiry").
 *
 * <ol>
 *   <li>Plan: per pack, from {@code objects} (members: the versions whose bytes it holds, and those whose
 *       reference record it holds), {@code packs} and the open cases' {@code held_packs}, the
 *       {@link ExpiryPlanner} verdict. A dry run stops here.
 *   <li>Record before: {@code packs.disposal_run_id} on every pack to delete.
 *   <li>Delete, from the executors: a HEAD of the pack version first (a legal hold or a lock S3 still
 *       has, which the catalog does not know of, keeps the pack), then the pack version, then its key
 *       file version (through {@code lifecycle.eraser-role} when set: the shipped policies let only the
 *       eraser delete key files).
 *   <li>Record after: {@code objects.disposed_*} on the members, {@code packs.disposed_at}.
 * </ol>
 * A crash anywhere converges on the next run: a recorded pack that is already gone is taken as deleted
 * (and its key file removed); a pack that is gone without a record is reported, never marked.
 */
public final class ExpireJob {
  private static final Logger LOG = LoggerFactory.getLogger(ExpireJob.class);
  private static final int EXAMPLES = 20;

  public record Request(List<String> classes, boolean dryRun, PriceTable prices, String reportUri) {
    public Request {
      classes = classes == null ? List.of() : List.copyOf(classes);
    }
  }

  /** Packs and bytes per verdict, examples of each, and what the run did. */
  public record Result(String runId, boolean dryRun, Instant asOf, Map<String, Long> packs, Map<String, Long> bytes,
      Map<String, List<String>> examples, long deleted, long bytesDeleted, double monthlyCostFreed,
      long versionsDisposed, long mixedDeadBytes, long rewritesThatPay, List<String> rewriteExamples,
      List<String> problems) {}

  private final Catalog catalog;
  private final Clock clock;
  private final int crashAfterDeletes;

  public ExpireJob(Catalog catalog, Clock clock) {
    this(catalog, clock, -1);
  }

  /** @param crashAfterDeletes tests only: the run dies after its deletions, before the catalog records them */
  ExpireJob(Catalog catalog, Clock clock, int crashAfterDeletes) {
    this.catalog = catalog;
    this.clock = clock;
    this.crashAfterDeletes = crashAfterDeletes;
  }

  public Result run(Request req, String runId) {
    if (!catalog.exists(CatalogTable.PACKS) || !catalog.exists(CatalogTable.OBJECTS)) {
      throw LakevaultException.usage("nothing is archived yet: the catalog has no packs table (run `lakevault archive`)");
    }
    Result r;
    if (req.dryRun()) {
      r = plan(req, runId, clock.instant(), null);
    } else {
      try (CatalogLease lease = CatalogLease.acquire(catalog, runId, "expire", clock)) {
        catalog.ensure(CatalogTable.OBJECTS);
        catalog.ensure(CatalogTable.PACKS);
        r = plan(req, runId, clock.instant(), lease);
      }
    }
    byte[] json = LifecycleReport.json(r).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (!req.dryRun()) catalog.writeFile(reportUri(runId), json);
    if (req.reportUri() != null) catalog.writeFile(req.reportUri(), json);
    return r;
  }

  /** Where a run's JSON report is kept. */
  public String reportUri(String runId) {
    return catalog.uriOf("reports/expire/" + runId + ".json");
  }

  private Result plan(Request req, String runId, Instant now, CatalogLease lease) {
    ExpiryPlanner planner = new ExpiryPlanner(req.prices());
    Dataset<Row> decided = decisions(req, now, planner).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Map<String, Long> packs = new LinkedHashMap<>();
      Map<String, Long> bytes = new LinkedHashMap<>();
      for (Row r : decided.groupBy("verdict").agg(count(lit(1)), coalesce(sum("stored_bytes"), lit(0L))).collectAsList()) {
        packs.put(r.getString(0), r.getLong(1));
        bytes.put(r.getString(0), r.getLong(2));
      }
      Map<String, List<String>> examples = new LinkedHashMap<>();
      for (ExpiryPlanner.Verdict v : ExpiryPlanner.Verdict.values()) {
        if (v == ExpiryPlanner.Verdict.RETAINED || !packs.containsKey(v.name())) continue;
        List<String> ex = new ArrayList<>();
        for (Row r : decided.where(col("verdict").equalTo(v.name())).orderBy("uri").limit(EXAMPLES)
            .select("uri", "reason").collectAsList()) {
          ex.add(r.getString(0) + ": " + r.getString(1));
        }
        examples.put(v.name(), ex);
      }
      Row mixed = decided.where(col("verdict").equalTo("MIXED"))
          .agg(coalesce(sum("dead_bytes"), lit(0L)), coalesce(sum(when(col("rewrite_pays"), 1).otherwise(0)), lit(0L)))
          .first();
      List<String> rewrites = new ArrayList<>();
      for (Row r : decided.where(col("rewrite_pays")).orderBy(col("saved_per_month").desc()).limit(EXAMPLES)
          .select("uri", "dead_bytes", "rewrite_cost", "saved_per_month", "months_left").collectAsList()) {
        rewrites.add(String.format(java.util.Locale.ROOT, "%s: %,d dead bytes; a rewrite costs $%.4f once and saves"
            + " $%.6f a month for %.0f months", r.getString(0), r.getLong(1), r.getDouble(2), r.getDouble(3), r.getDouble(4)));
      }
      // A deletion a crashed run recorded is finished, unless a hold came since (a hold stops expiry).
      Dataset<Row> toDelete = decided.where(col("verdict").equalTo("DELETE")
          .or(col("disposal_run_id").isNotNull().and(col("verdict").notEqual("HELD"))));
      Row freed = toDelete.agg(count(lit(1)), coalesce(sum("stored_bytes"), lit(0L)), coalesce(sum("monthly_cost"), lit(0.0)))
          .first();
      if (lease == null) {
        return new Result(runId, true, now, packs, bytes, examples, freed.getLong(0), freed.getLong(1), freed.getDouble(2),
            0, mixed.getLong(0), mixed.getLong(1), rewrites, List.of());
      }
      return delete(req, runId, now, lease, toDelete, freed.getLong(0), packs, bytes, examples, mixed, rewrites);
    } finally {
      decided.unpersist();
    }
  }

  private Result delete(Request req, String runId, Instant now, CatalogLease lease, Dataset<Row> toDelete, long toDeleteCount,
      Map<String, Long> packs, Map<String, Long> bytes, Map<String, List<String>> examples, Row mixed,
      List<String> rewrites) {
    // 1. Recorded before: every pack this run will delete names the run that decided it.
    Dataset<Row> planned = toDelete.where(col("disposal_run_id").isNull()).select(col("pack_id").as("s_pack_id"));
    catalog.table(CatalogTable.PACKS).as("t").merge(planned.as("s"), "t.pack_id = s.s_pack_id")
        .whenMatched("t.disposal_run_id IS NULL AND t.disposed_at IS NULL")
        .updateExpr(Map.of("disposal_run_id", "'" + runId + "'"))
        .execute();
    lease.check("delete the packs whose retention ended");
    // Progress for the operator's log (Airflow keeps a step's stderr): each step of a run that destroys data.
    LOG.info("run {}: deleting the {} pack(s) recorded for deletion", runId, toDeleteCount);
    // 2. The deletions, from the executors; their outcomes are kept on disk so they are not made twice.
    LakevaultConfig config = catalog.config();
    String eraser = config.get(Settings.LIFECYCLE_ERASER_ROLE);
    StructType outcome = new StructType().add("pack_id", "string").add("stored_bytes", "long")
        .add("monthly_cost", "double").add("state", "string").add("detail", "string");
    // disposal_run_id as planned before this run: a pack found gone is taken as deleted only when a run recorded
    // its deletion (this one just now, or a crashed one); one gone without a record is reported, not marked.
    Dataset<Row> work = toDelete.select(col("pack_id"), col("uri"), col("version_id"), col("key_version_id"),
        col("stored_bytes"), col("monthly_cost"), col("disposal_run_id"));
    String staging = catalog.uriOf("staging/expire/" + runId);
    String stagingPath = catalog.locations().hadoopPath(staging);
    SparkErrors.surfacing(() -> {
      work.repartition((int) Math.max(1, Math.min(2000, work.count() / 1000 + 1)))
          .mapPartitions((MapPartitionsFunction<Row, Row>) it -> deletePacks(config, eraser, now, it), Encoders.row(outcome))
          .write().mode("overwrite").parquet(stagingPath);
      return null;
    });
    if (crashAfterDeletes >= 0) throw new IllegalStateException("injected crash after the deletions (test)");
    LOG.info("run {}: deletions made; recording the disposed versions and packs in the catalog", runId);
    Dataset<Row> results = catalog.spark().read().schema(outcome).parquet(stagingPath).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> deleted = results.where(col("state").equalTo("deleted"));
      // 3. Recorded after: the members (never removed: the record of destruction), then the packs.
      Dataset<Row> gone = deleted.select(col("pack_id").as("d_pack_id"));
      Dataset<Row> members = catalog.read(CatalogTable.PACKS).join(gone, col("pack_id").equalTo(col("d_pack_id")), "left_semi")
          .select(col("pack_id").as("s_pack_id"), col("uri").as("s_uri"));
      catalog.table(CatalogTable.OBJECTS).as("t").merge(members.as("s"), "t.pack_id = s.s_pack_id")
          .whenMatched("t.disposed_at IS NULL")
          .updateExpr(Map.of("disposed_at", "timestamp'" + Timestamp.from(now) + "'",
              "disposed_run_id", "'" + runId + "'",
              "disposal", "concat('retention ended: class ', t.retention_class, ', retain-until ', "
                  + "coalesce(cast(t.retain_until as string), 'none'), '; pack ', s.s_uri, ' deleted')"))
          .execute();
      catalog.table(CatalogTable.PACKS).as("t").merge(gone.as("s"), "t.pack_id = s.d_pack_id")
          .whenMatched("t.disposed_at IS NULL")
          .updateExpr(Map.of("disposed_at", "timestamp'" + Timestamp.from(now) + "'"))
          .execute();
      Row done = deleted.agg(count(lit(1)), coalesce(sum("stored_bytes"), lit(0L)), coalesce(sum("monthly_cost"), lit(0.0)))
          .first();
      long disposed = catalog.read(CatalogTable.OBJECTS).where(col("disposed_run_id").equalTo(runId)).count();
      List<String> problems = new ArrayList<>();
      for (Row r : results.where(col("state").notEqual("deleted").or(col("detail").isNotNull())).orderBy("pack_id")
          .limit(EXAMPLES).collectAsList()) {
        problems.add(r.getString(0) + " " + r.getString(3) + (r.isNullAt(4) ? "" : ": " + r.getString(4)));
      }
      deleteStaging(stagingPath);
      LOG.info("run {}: {} pack(s) deleted, {} version(s) marked disposed", runId, done.getLong(0), disposed);
      return new Result(runId, false, now, packs, bytes, examples, done.getLong(0), done.getLong(1), done.getDouble(2),
          disposed, mixed.getLong(0), mixed.getLong(1), rewrites, problems);
    } finally {
      results.unpersist();
    }
  }

  /**
   * Per pack: HEAD, then delete the pack version and its key file. States: {@code deleted} (or gone and
   * recorded as being deleted), {@code held} or {@code locked} (S3 says so: kept), {@code missing} (gone
   * without a record: ambiguous, kept as it is and reported), {@code failed}.
   */
  private static java.util.Iterator<Row> deletePacks(LakevaultConfig config, String eraserRole, Instant now,
      java.util.Iterator<Row> it) {
    List<Row> out = new ArrayList<>();
    try (ObjectStore store = ObjectStores.open(config);
        ObjectStore keyStore = eraserRole == null ? null : ObjectStores.open(config, eraserRole)) {
      while (it.hasNext()) {
        Row r = it.next();
        String packId = r.getString(0);
        S3Uri u = S3Uri.parse(r.getString(1));
        ObjectRef pack = new ObjectRef(u.bucket(), u.key(), r.getString(2));
        ObjectRef keys = r.isNullAt(3) ? null : new ObjectRef(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, r.getString(3));
        long stored = r.getLong(4);
        double monthly = r.getDouble(5);
        boolean recordedBefore = !r.isNullAt(6);
        String state;
        String detail = null;
        try {
          ObjectMetadata head = null;
          try {
            head = store.head(pack);
          } catch (ObjectStoreException e) {
            if (e.reason() != ObjectStoreException.Reason.NOT_FOUND) throw e;
          }
          if (head == null && recordedBefore) {
            // Recorded for deletion by an earlier run that did not finish, and gone: that run deleted it.
            state = "deleted";
            if (keys != null) detail = deleteKeyFile(keyStore != null ? keyStore : store, keys);
          } else if (head == null) {
            state = "missing";
            detail = pack + " is not in the archive bucket, and no expire run recorded deleting it: left as it is"
                + " (run `lakevault verify`)";
          } else if (head.legalHold()) {
            state = "held";
            detail = "S3 has a legal hold on " + pack + " that no open case in the catalog explains: kept";
          } else if (head != null && head.lockRetainUntil() != null && head.lockRetainUntil().isAfter(now)) {
            state = "locked";
            detail = "S3 locks " + pack + " until " + head.lockRetainUntil() + ", later than the catalog says: kept";
          } else {
            store.delete(pack, false);
            state = "deleted";
            if (keys != null) detail = deleteKeyFile(keyStore != null ? keyStore : store, keys);
          }
        } catch (ObjectStoreException e) {
          state = "failed";
          detail = e.getMessage();
        }
        out.add(RowFactory.create(packId, stored, monthly, state, detail));
      }
    }
    return out.iterator();
  }

  /** Deletes a key-file version; returns why it was kept, or {@code null} once it is gone. */
  private static String deleteKeyFile(ObjectStore store, ObjectRef keys) {
    try {
      store.delete(keys, false);
      return null;
    } catch (ObjectStoreException e) {
      if (e.reason() == ObjectStoreException.Reason.NOT_FOUND) return null;
      return "its key file " + keys + " was kept (" + e.getMessage() + "); the shipped policies let only the eraser "
          + "role delete key files: set lifecycle.eraser-role";
    }
  }

  /**
   * The planner's verdict for every pack not yet disposed (of the requested classes): pack_id, uri,
   * version_id, key_version_id, retention_class, stored_bytes, dead_bytes, monthly_cost, disposal_run_id,
   * verdict, reason, rewrite_pays, rewrite_cost, saved_per_month, months_left.
   */
  private Dataset<Row> decisions(Request req, Instant now, ExpiryPlanner planner) {
    Timestamp t = Timestamp.from(now);
    Dataset<Row> o = catalog.read(CatalogTable.OBJECTS).where(col("disposed_at").isNull().and(col("is_delete_marker").equalTo(false)));
    // A version is a member of the pack holding its bytes and, when deduplicated, of the pack holding its reference.
    Dataset<Row> members = o.select(explode(array(col("pack_id"), substring_index(col("dedup_ref"), "#", 1))).as("m_pack"),
            col("retain_until"), col("entry_length"), col("dedup_ref"))
        .where(col("m_pack").isNotNull())
        .withColumn("expired", col("retain_until").isNotNull().and(col("retain_until").leq(lit(t))))
        .groupBy("m_pack").agg(count(lit(1)).as("members"), sum(when(col("expired"), 1).otherwise(0)).as("expired_members"),
            max("retain_until").as("latest"), sum(when(col("retain_until").isNull(), 1).otherwise(0)).as("unbounded"),
            sum(when(col("expired").and(col("dedup_ref").isNull()), col("entry_length")).otherwise(0L)).as("dead_bytes"));
    Dataset<Row> packs = catalog.read(CatalogTable.PACKS).where(col("disposed_at").isNull());
    if (!req.classes().isEmpty()) packs = packs.where(col("retention_class").isin(req.classes().toArray()));
    Dataset<Row> held;
    if (catalog.exists(CatalogTable.HELD_PACKS) && catalog.exists(CatalogTable.HOLDS)) {
      Dataset<Row> open = catalog.read(CatalogTable.HOLDS).where(col("released_at").isNull()).select(col("case_id").as("o_case"));
      held = catalog.read(CatalogTable.HELD_PACKS).where(col("hold_removed_at").isNull())
          .join(open, col("case_id").equalTo(col("o_case")), "left_semi")
          .groupBy(col("pack_id").as("h_pack")).agg(collect_set("case_id").as("cases"));
    } else {
      held = catalog.spark().emptyDataFrame().selectExpr("cast(null as string) h_pack", "cast(null as array<string>) cases")
          .limit(0);
    }
    Dataset<Row> facts = packs.join(members, col("pack_id").equalTo(col("m_pack")), "left")
        .join(held, col("pack_id").equalTo(col("h_pack")), "left")
        .select(col("pack_id"), col("uri"), col("version_id"), col("key_version_id"), col("retention_class"),
            col("storage_class"), col("created_at"), col("retain_until").as("lock_until"), col("lock_mode"),
            when(col("unbounded").gt(0), lit(null)).otherwise(col("latest")).as("latest"),
            coalesce(col("members"), lit(0L)).as("members"), coalesce(col("expired_members"), lit(0L)).as("expired_members"),
            col("stored_bytes"), coalesce(col("dead_bytes"), lit(0L)).as("dead_bytes"), col("cases"), col("disposal_run_id"));
    StructType schema = new StructType().add("pack_id", "string").add("uri", "string").add("version_id", "string")
        .add("key_version_id", "string").add("retention_class", "string").add("stored_bytes", "long")
        .add("dead_bytes", "long").add("monthly_cost", "double").add("disposal_run_id", "string").add("verdict", "string")
        .add("reason", "string").add("rewrite_pays", "boolean").add("rewrite_cost", "double")
        .add("saved_per_month", "double").add("months_left", "double");
    return facts.mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        Row r = it.next();
        StorageClass sc = StorageClass.valueOf(r.getString(5));
        List<String> cases = r.isNullAt(14) ? new ArrayList<>() : new ArrayList<>(r.getList(14));
        java.util.Collections.sort(cases);
        // Only a pack locked by Object Lock has a lock to wait for; retain_until of an unlocked pack is its members'.
        Instant lock = r.isNullAt(8) || r.isNullAt(7) ? null : r.getTimestamp(7).toInstant();
        ExpiryPlanner.PackFacts f = new ExpiryPlanner.PackFacts(r.getString(0), r.getString(1), r.getString(4), sc,
            r.getTimestamp(6).toInstant(), lock, r.isNullAt(9) ? null : r.getTimestamp(9).toInstant(), r.getLong(10),
            r.getLong(11), r.getLong(12), r.getLong(13), cases);
        ExpiryPlanner.Decision d = planner.decide(f, now);
        ExpiryPlanner.Rewrite w = d.rewrite();
        out.add(RowFactory.create(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
            r.getLong(12), r.getLong(13), planner.monthlyCost(sc, r.getLong(12)), r.getString(15), d.verdict().name(),
            d.reason(), w != null && w.pays(), w == null ? 0.0 : w.oneTimeCost(), w == null ? 0.0 : w.savedPerMonth(),
            w == null ? 0.0 : w.monthsLeft()));
      }
      return out.iterator();
    }, Encoders.row(schema));
  }

  private void deleteStaging(String path) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try {
      p.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration()).delete(p, true);
    } catch (java.io.IOException e) {
      LOG.warn("could not delete {} (harmless; the next run overwrites its own): {}", path, e.getMessage());
    }
  }
}
