package io.lakevault.archive;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.lakevault.aws.ObjectStores;
import io.lakevault.classify.ClassificationReport;
import io.lakevault.classify.ClassifyResult;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.Suggest;
import io.lakevault.core.Version;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.cost.ClassVolume;
import io.lakevault.core.cost.CostModel;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.lease.RunLease;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.store.ObjectLockMode;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.S3Uri;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive job: classified object versions not yet archived, packed into packs in their classes'
 * targets, and cataloged.
 *
 * <p>Order of effects, so that a crash anywhere converges on the next run:
 * <ol>
 *   <li>Housekeeping: commit what an earlier run staged, drop what it left unstaged, delete the packs
 *       earlier runs noted ({@link PackJournal}) that no commit cataloged (they are not locked yet), abort
 *       dangling multipart uploads.
 *   <li>Spark tasks note each pack, then write it and its key file (fresh keys, never overwritten), and
 *       emit a row per object, pack and skipped source; the rows are written to
 *       {@code <catalog>/staging/archive/<run>}. Once committed, the run deletes the noted packs of
 *       failed task attempts.
 *   <li>Commit: {@code packs}, then {@code objects}, each one append made at most once per run (Delta's
 *       idempotent writes: a second attempt adds nothing).
 *   <li>Object Lock is applied to the new packs, then the staging folder is deleted.
 * </ol>
 * Packs are locked only once cataloged: an uncataloged pack must stay deletable, or every crash would
 * leave locked orphans billed for years.
 *
 * <p>One archive run at a time, enforced by the catalog's {@link RunLease} (taken before anything is
 * written, checked before each step another writer must not overlap): housekeeping takes any noted pack
 * not in the catalog for an orphan.
 */
public final class ArchiveJob {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveJob.class);
  private static final int SKIP_EXAMPLES = 5;
  /**
   * Pending versions up to this many are looked up in {@code objects} by a broadcast of their identities
   * (about 150 bytes each) instead of a shuffled join with the whole table: a day's changes, not a first run.
   */
  static final long LOOKUP_ROWS = 2_000_000;
  /**
   * Tasks per run at most: a task is meant to hold about one pack at any lake size (an 80 TB first run in
   * 1 GiB packs is about 95,000 tasks; the old cap of 4,000 gave such a task 20 GB and a dedup map of a
   * million entries). The bound keeps the range partitioner's sample useful: Spark draws at most a million
   * keys however many ranges it cuts, about five per range at the bound.
   */
  static final int MAX_TASKS = 200_000;
  /** A task's share of the bytes, as a fraction of the pack size (see the partitioning in {@link #run}). */
  private static final double TASK_FILL = 0.85;

  /**
   * Tasks for a run of {@code objects} versions and {@code bytes}: about one pack each, somewhat under the pack
   * size (ranges balance rows, not bytes, and a task a little over the size would end in a small pack of its
   * own, with its own dictionary); a multiple of the cores once there is enough work for every core, so that
   * the last wave keeps them all busy.
   */
  static int tasks(long objects, long bytes, long packBytes, int cores) {
    int tasks = (int) Math.max(1, Math.min(MAX_TASKS, Math.ceil(bytes / (TASK_FILL * packBytes))));
    if (objects >= 1000L * cores) tasks = (int) Math.min(MAX_TASKS, ((long) tasks + cores - 1) / cores * cores);
    return tasks;
  }

  /**
   * @param classes only these retention classes; empty for all
   * @param reportFile where to write the JSON report as well, or {@code null}
   */
  public record Request(List<String> classes, boolean dryRun, PriceTable prices, String reportFile) {}

  private final Catalog catalog;
  private final Clock clock;
  private final PackTask.Tuning tuning;
  /** Tests only: runs once the results are staged, before the commit; a throw here is a crash there. */
  Runnable afterStaging = () -> { };
  /** Tests only: runs once the catalog rows are committed, before the packs are locked. */
  Runnable afterCommit = () -> { };

  public ArchiveJob(Catalog catalog, Clock clock) {
    this(catalog, clock, PackTask.Tuning.defaults(catalog.locations().isLocal()
        && catalog.config().get(io.lakevault.core.config.Settings.ARCHIVE_SOURCE_ENDPOINT) == null));
  }

  ArchiveJob(Catalog catalog, Clock clock, PackTask.Tuning tuning) {
    this.catalog = catalog;
    this.clock = clock;
    this.tuning = tuning;
  }

  private LakevaultConfig config() {
    return catalog.config();
  }

  public ArchiveResult run(Request req, String runId) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    if (!catalog.exists(CatalogTable.CLASSIFIED)) {
      throw LakevaultException.usage("nothing is classified yet: run `lakevault classify` before `lakevault archive`");
    }
    if (req.dryRun()) {
      try (Beside beside = new Beside()) {
        return run(req, runId, now, beside, null);
      }
    }
    // One writer at a time: housekeeping takes any noted pack of another run that no commit lists for an
    // orphan, so a second run at once would delete the first one's packs before they are cataloged.
    try (io.lakevault.spark.catalog.CatalogLease lease = io.lakevault.spark.catalog.CatalogLease.acquire(catalog, runId,
            "archive", clock);
        Beside beside = new Beside()) {
      return run(req, runId, now, beside, lease.lease());
    }
  }

  /** @param lease the run's lease, or {@code null} for a dry run (which writes nothing) */
  private ArchiveResult run(Request req, String runId, Instant now, Beside beside, RunLease lease) {
    // The tables the run writes are made ready beside the policy's lookup: each is a few small Spark jobs
    // whose time is mostly the driver's (planning, reading the Delta log), not the cores'.
    List<CompletableFuture<Void>> tables = req.dryRun() ? List.of()
        : List.of(beside.run(() -> catalog.ensure(CatalogTable.OBJECTS)), beside.run(() -> catalog.ensure(CatalogTable.PACKS)));
    Policy policy;
    Dataset<Row> classified;
    io.lakevault.spark.catalog.ArchiveFrontiers.Snapshot snapshot;
    try {
      // One version of classified throughout: a classification committed meanwhile is the next run's.
      snapshot = io.lakevault.spark.catalog.ArchiveFrontiers.classified(catalog);
      classified = catalog.read(CatalogTable.CLASSIFIED, snapshot.version());
      List<Row> shas = classified.select("policy_sha256").distinct().limit(2).collectAsList();
      if (shas.isEmpty()) {
        Beside.await(tables);
        return new ArchiveResult(runId, now, req.dryRun(), null, List.of(), 0, 0, Map.of(), List.of(),
            ArchiveResult.Housekeeping.NONE, List.of(), null, 0);
      }
      policy = loadPolicy(shas.get(0).getString(0));
      for (String c : req.classes()) {
        if (!policy.classes().containsKey(c)) {
          throw LakevaultException.usage("--class " + c + ": the policy that classified the lake has no such class"
              + Suggest.didYouMean(c, policy.classes().keySet()) + "; its classes: " + String.join(", ", policy.classes().keySet()));
        }
      }
    } catch (RuntimeException | Error e) {
      Beside.awaitQuietly(tables);
      throw e;
    }
    Beside.await(tables);
    Map<String, ClassTarget> targets = targets(policy);
    ArchiveResult.Housekeeping housekeeping = ArchiveResult.Housekeeping.NONE;
    List<String> lockProblems = new ArrayList<>();
    // Packs cataloged but not locked (by this run, or by the earlier runs housekeeping retried).
    java.util.concurrent.atomic.AtomicLong unlocked = new java.util.concurrent.atomic.AtomicLong();
    if (!req.dryRun()) {
      long t0 = System.nanoTime();
      lease.check("clean up after earlier runs");
      housekeeping = housekeeping(runId, targets, lockProblems, lease, unlocked);
      LOG.info("housekeeping in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    Dataset<Row> pending = pending(classified, policy, req.classes(), now);
    long t0 = System.nanoTime();
    long pendingRows = pending.count();
    boolean bounded = pendingRows <= LOOKUP_ROWS;
    LOG.info("{} pending versions to archive (counted in {} ms): {} into objects", pendingRows,
        (System.nanoTime() - t0) / 1_000_000, bounded ? "looked up" : "joined");
    Dataset<Row> candidates = notArchived(pending, bounded);
    // Few: kept, so the delete markers' rows below do not look them up in objects a second time.
    if (bounded && !req.dryRun()) candidates = candidates.persist(StorageLevel.MEMORY_AND_DISK());
    if (req.dryRun()) {
      ArchiveResult plan = plan(runId, now, policy, candidates, req.prices());
      if (req.reportFile() != null) write(req.reportFile(), ArchiveReport.json(plan).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return plan;
    }

    ensureTargets(targets);
    String staging = stagingUri(runId);
    long sources;
    // Only what the pack tasks read is cached, shuffled and sorted: a third of the classified columns
    // (run ids, policy hashes, report times, decisions) would be carried for nothing.
    Dataset<Row> data = withDuplicates(candidates.where(col("is_delete_marker").equalTo(false)), bounded ? pending : null)
        .select(PackTask.INPUT_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row size = data.agg(count(lit(1)), coalesce(sum("size"), lit(0L))).first();
      sources = size.getLong(0);
      long maxPack = targets.values().stream().mapToLong(t -> t.cls().packSize()).max().orElse(1L << 30);
      int cores = Math.max(1, catalog.spark().sparkContext().defaultParallelism());
      int partitions = tasks(size.getLong(0), size.getLong(1), maxPack, cores);
      LOG.info("archiving {} object versions, {} bytes, in {} tasks", size.getLong(0), size.getLong(1), partitions);
      Column[] order = {col("pack_group"), col("bucket"), col("key"), col("version_id")};
      Dataset<Row> packed = data.repartitionByRange(partitions, order).sortWithinPartitions(order)
          .mapPartitions(new PackTask(config(), targets, now, "lakevault " + Version.get(), tuning, journal(), runId),
              Encoders.row(Staged.SCHEMA));
      Dataset<Row> staged = packed.unionByName(markerRows(candidates.where(col("is_delete_marker").equalTo(true))));
      t0 = System.nanoTime();
      SparkErrors.surfacing(() -> {
        // Read once by the commit: dictionary encoding of hashes and keys would cost more than it saves.
        staged.write().option("parquet.enable.dictionary", "false").parquet(catalog.locations().hadoopPath(staging));
        return null;
      });
      LOG.info("packs written and results staged in {} ms", (System.nanoTime() - t0) / 1_000_000);
    } finally {
      data.unpersist();
      candidates.unpersist();
    }
    afterStaging.run();
    long t1 = System.nanoTime();
    long ownUnlocked;
    // The report's queries read only the staged rows: they run beside the commit, the locks and the sweep.
    CompletableFuture<Written> report = beside.supply(() -> {
      long r0 = System.nanoTime();
      Written w = written(now, policy, staging, req.prices());
      LOG.info("report computed in {} ms, beside the commit", (System.nanoTime() - r0) / 1_000_000);
      return w;
    });
    try {
      lease.check("commit its packs and objects");
      ownUnlocked = commitStaged(staging, runId, now, targets, lockProblems);
      unlocked.addAndGet(ownUnlocked);
      lease.check("remove the packs of its failed task attempts");
      // Packs of task attempts that failed or lost a speculative race: uploaded, noted, never cataloged.
      List<String> leftovers = sweep(runId, journal().packIds(runId), targets, lockProblems);
      if (!leftovers.isEmpty()) {
        LOG.warn("removed {} pack files of failed task attempts: {}", leftovers.size(), leftovers);
        List<String> orphans = new ArrayList<>(housekeeping.orphanPacks());
        orphans.addAll(leftovers);
        housekeeping = new ArchiveResult.Housekeeping(housekeeping.recoveredRuns(), housekeeping.abandonedRuns(),
            orphans, housekeeping.abortedUploads());
      }
    } catch (RuntimeException | Error e) {
      Beside.awaitQuietly(report); // nothing of this run goes on after it has failed
      throw e;
    }
    long t2 = System.nanoTime();
    Written w = Beside.await(report);
    LOG.info("committed and locked in {} ms, then waited {} ms for the report", (t2 - t1) / 1_000_000,
        (System.nanoTime() - t2) / 1_000_000);
    ArchiveResult result = new ArchiveResult(runId, now, false, policy.sha256(), w.lines(), w.markers(), w.skipped(),
        w.reasons(), w.examples(), housekeeping, lockProblems,
        config().get(Settings.CATALOG_URI) + "/reports/archive/" + runId + ".json", unlocked.get());
    if (req.classes().isEmpty()) advanceFrontier(runId, snapshot, staging, w.skipped());
    // A run whose packs could not all be locked keeps its staging folder: the next run's housekeeping
    // commits it again (a no-op) and retries the locks, until they hold.
    if (ownUnlocked == 0) deleteStaging(staging);
    byte[] json = ArchiveReport.json(result).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    write(result.reportUri(), json);
    if (req.reportFile() != null) write(req.reportFile(), json);
    double maxSkipped = config().get(Settings.ARCHIVE_MAX_SKIPPED_FRACTION);
    // Sources deleted or overwritten since the inventory are the lake's churn, not failures: only the
    // sources that could not be read count against the limit.
    Map<String, Long> failures = new LinkedHashMap<>();
    w.reasons().forEach((kind, n) -> { if (SourceFetcher.isFailure(kind)) failures.put(kind, n); });
    long unreadable = failures.values().stream().mapToLong(Long::longValue).sum();
    if (unreadable > 0 && unreadable > maxSkipped * sources) {
      // Many unreadable sources share a cause (credentials, a KMS key policy, an outage) that someone must fix;
      // what could be read is committed, so the next run starts from there.
      throw new LakevaultException(ErrorKind.INPUT, String.format(java.util.Locale.ROOT,
          "%,d of %,d sources (%.1f%%) could not be read, more than archive.max-skipped-fraction=%s: %s. What could be"
              + " read is archived and cataloged; the report %s lists examples of each reason. Fix the cause and run again"
              + " (skipped sources are tried again by every run)", unreadable, sources, 100.0 * unreadable / sources,
          maxSkipped, failures, result.reportUri()));
    }
    return result;
  }

  // ------------------------------------------------------------------ what to archive

  /**
   * The pending versions to archive: {@code archive_pending} (a partition: the day's changes, not the catalog;
   * NULL in a table classified before the column existed, read as pending), with retain-until fixed for
   * classes counted from archiving.
   */
  private Dataset<Row> pending(Dataset<Row> classified, Policy policy, List<String> classes, Instant now) {
    Dataset<Row> c = classified.where(not(col("archive_pending").eqNullSafe(lit(false))).and(col("decision").equalTo("ARCHIVE")));
    if (!classes.isEmpty()) c = c.where(col("retention_class").isin(classes.toArray()));
    Column retain = col("retain_until");
    for (RetentionClass rc : policy.classes().values()) {
      if (rc.anchor() == RetentionClass.Anchor.ARCHIVED) {
        retain = when(col("retention_class").equalTo(rc.name()), lit(Timestamp.from(rc.retain().addTo(now)))).otherwise(retain);
      }
    }
    return c.withColumn("retain_until", retain)
        .withColumn("pack_group", concat_ws("/", col("retention_class"), date_format(col("retain_until"), "yyyy-MM"), col("bucket")));
  }

  /**
   * Pending versions not yet in {@code objects} (nor erased). {@code bounded}: the pending versions are few
   * enough to send to every task, so {@code objects} is scanned once for the ones it has, with no shuffle
   * of its billions of rows; otherwise (a first run, a policy change) it is a shuffled anti-join.
   */
  private Dataset<Row> notArchived(Dataset<Row> pending, boolean bounded) {
    Dataset<Row> c = pending;
    if (catalog.exists(CatalogTable.OBJECTS)) {
      Dataset<Row> done = catalog.read(CatalogTable.OBJECTS).select(col("bucket").as("o_bucket"), col("key").as("o_key"),
          col("version_id").as("o_version_id"), col("e_tag").as("o_e_tag"));
      Column same = col("bucket").equalTo(col("o_bucket")).and(col("key").equalTo(col("o_key")))
          .and(col("version_id").eqNullSafe(col("o_version_id"))).and(col("e_tag").eqNullSafe(col("o_e_tag")));
      if (bounded) {
        Dataset<Row> ids = pending.select(col("bucket"), col("key"), col("version_id"), col("e_tag"));
        done = broadcast(keyRanges(done, pending).join(broadcast(ids), same, "left_semi"));
      }
      c = c.join(done, same, "left_anti");
    }
    // An erased version is not archived again, though the inventory may list it until the source deletes it.
    Dataset<Row> erased = io.lakevault.spark.lifecycle.ErasedVersions.fingerprints(catalog);
    if (erased != null) {
      c = c.join(erased, io.lakevault.spark.lifecycle.ErasedVersions.sha256(col("bucket"), col("key"), col("version_id"))
          .equalTo(col("e_sha")), "left_anti");
    }
    return c;
  }

  /**
   * {@code objects} (as {@code o_} columns) cut to the pending versions' key range in each of their buckets: the
   * bucket is a partition, and Delta keeps each file's lowest and highest key, so files of keys far from the
   * day's (a lake's dated prefixes; {@code catalog optimize} writes files sorted by key) are not read at all.
   * One row per bucket comes to the driver.
   */
  private static Dataset<Row> keyRanges(Dataset<Row> objects, Dataset<Row> pending) {
    Column in = null;
    for (Row r : pending.groupBy("bucket").agg(min("key"), max("key")).collectAsList()) {
      Column one = col("o_bucket").equalTo(r.getString(0)).and(col("o_key").between(r.getString(1), r.getString(2)));
      in = in == null ? one : in.or(one);
    }
    return in == null ? objects : objects.where(in);
  }

  /**
   * Each candidate with, where one exists, an archived object of the same class, size and MD5 ETag: a
   * likely duplicate. The task confirms by SHA-256 before storing a reference instead of the bytes.
   */
  private Dataset<Row> withDuplicates(Dataset<Row> data, Dataset<Row> fewPending) {
    Dataset<Row> dups = null;
    if (catalog.exists(CatalogTable.OBJECTS)) {
      Dataset<Row> stored = catalog.read(CatalogTable.OBJECTS)
          .where(col("dedup_ref").isNull().and(col("pack_id").isNotNull()).and(col("is_delete_marker").equalTo(false)));
      Column md5 = col("e_tag").rlike("^[0-9a-f]{32}$");
      if (fewPending != null) {
        // Looked up by the pending versions' content keys (class, size, ETag hashed to one long), sent to every
        // task: only the matches are grouped, not every archived object. Content lies anywhere in the catalog,
        // so this reads all of it, but first only the content_key column; the rest only when a key matched.
        // Rows archived before the column (content_key NULL) are keyed from their own columns: Delta's null
        // counts skip every file written since, and `catalog optimize` fills the column in.
        Column key = io.lakevault.spark.catalog.ContentKey.of(col("retention_class"), col("size"), col("e_tag"));
        Dataset<Row> keys = fewPending.where(md5).select(key.as("k")).distinct();
        Dataset<Row> all = catalog.read(CatalogTable.OBJECTS);
        Column stored64 = col(io.lakevault.spark.catalog.ContentKey.COLUMN);
        Dataset<Row> matched = all.where(stored64.isNotNull()).select(stored64.as("m"))
            .union(all.where(stored64.isNull()).select(key.as("m")))
            .join(broadcast(keys), col("m").equalTo(col("k")), "left_semi").distinct()
            .localCheckpoint(true); // read once: the test below and the lookup share it
        if (matched.isEmpty()) {
          stored = null;
        } else {
          stored = stored.join(broadcast(matched), coalesce(stored64, key).equalTo(col("m")), "left_semi");
        }
      } else {
        stored = stored.where(md5);
      }
      if (stored != null) {
        dups = stored.groupBy(col("retention_class").as("d_class"), col("size").as("d_size"), col("e_tag").as("d_e_tag"))
            .agg(min(struct(col("sha256"), col("pack_id"), col("entry_ordinal"), col("entry_offset"), col("entry_length"))).as("d"));
        if (fewPending != null) dups = broadcast(dups);
      }
    }
    if (dups == null) {
      return data.withColumn("dup_sha256", lit(null).cast("string")).withColumn("dup_pack_id", lit(null).cast("string"))
          .withColumn("dup_ordinal", lit(null).cast("int")).withColumn("dup_offset", lit(null).cast("long"))
          .withColumn("dup_length", lit(null).cast("long"));
    }
    return data.join(dups, col("retention_class").equalTo(col("d_class")).and(col("size").equalTo(col("d_size")))
            .and(col("e_tag").equalTo(col("d_e_tag"))), "left")
        .withColumn("dup_sha256", col("d.sha256")).withColumn("dup_pack_id", col("d.pack_id"))
        .withColumn("dup_ordinal", col("d.entry_ordinal")).withColumn("dup_offset", col("d.entry_offset"))
        .withColumn("dup_length", col("d.entry_length")).drop("d", "d_class", "d_size", "d_e_tag");
  }

  /**
   * After a complete run (every class, committed): the classification it archived and the sources it skipped
   * become the frontier the next classification marks {@code archive_pending} from. The skipped sources are
   * kept beside the run's report, so the next run tries them again. A crash before this leaves the old
   * frontier, which marks a superset: the next run looks the extra versions up in {@code objects} and finds them.
   */
  private void advanceFrontier(String runId, io.lakevault.spark.catalog.ArchiveFrontiers.Snapshot snapshot, String staging,
      long skipped) {
    if (snapshot.classification() == null) {
      LOG.warn("classified was not written by a classification of this version: the archive frontier stays where it was");
      return;
    }
    String skippedUri = null;
    if (skipped > 0) {
      skippedUri = config().get(Settings.CATALOG_URI) + "/reports/archive/" + runId + ".skipped";
      Dataset<Row> s = catalog.spark().read().schema(Staged.SCHEMA).parquet(catalog.locations().hadoopPath(staging))
          .where(col("row_type").equalTo(Staged.SKIPPED)).select("bucket", "key", "version_id", "e_tag", "reason");
      s.coalesce(1).write().mode("overwrite").parquet(catalog.locations().hadoopPath(skippedUri));
    }
    io.lakevault.spark.catalog.ArchiveFrontiers.write(catalog,
        new io.lakevault.core.archive.ArchiveFrontier(runId, snapshot.classification(), skippedUri));
  }

  /** Delete markers have no bytes: they are cataloged without a pack, so point-in-time queries see them. */
  private static Dataset<Row> markerRows(Dataset<Row> markers) {
    List<Column> cols = new ArrayList<>();
    for (var f : Staged.SCHEMA.fields()) {
      Column v = switch (f.name()) {
        case "row_type" -> lit(Staged.OBJECT);
        case "bucket", "key", "version_id", "e_tag", "last_modified_date", "retention_class", "retain_until", "rule_id" -> col(f.name());
        case "size" -> coalesce(col("size"), lit(0L));
        case "is_delete_marker" -> lit(true);
        default -> lit(null);
      };
      cols.add(v.cast(f.dataType()).as(f.name()));
    }
    return markers.select(cols.toArray(Column[]::new));
  }

  private Map<String, ClassTarget> targets(Policy policy) {
    Map<String, ClassTarget> out = new LinkedHashMap<>();
    for (RetentionClass c : policy.classes().values()) {
      String uri = c.targetUri() != null ? c.targetUri() : config().get(Settings.ARCHIVE_URI);
      String kek = c.encrypted() ? (c.keyRef() != null ? c.keyRef() : config().get(Settings.ARCHIVE_DEFAULT_KEY)) : null;
      out.put(c.name(), new ClassTarget(c, uri, kek));
    }
    return out;
  }

  /**
   * Archive buckets must exist with Object Lock. On the local store the job creates them so the
   * embedded default runs out of the box; on S3 creating them is the operator's decision.
   */
  private void ensureTargets(Map<String, ClassTarget> targets) {
    Map<String, ClassTarget> byBucket = new LinkedHashMap<>();
    for (ClassTarget t : targets.values()) byBucket.putIfAbsent(t.target().bucket(), t);
    for (ClassTarget t : byBucket.values()) {
      String bucket = t.target().bucket();
      try (ObjectStore store = ObjectStores.open(config(), t.role())) {
        if (!store.bucketExists(bucket)) {
          if (catalog.locations().isLocal()) {
            store.createBucket(bucket, true, true);
            continue;
          }
          throw LakevaultException.usage("archive bucket " + bucket + " does not exist" + (t.role() == null ? ""
              : " or cannot be seen through the role " + t.role()) + ": create it with versioning and Object Lock "
              + "enabled, or point archive.uri or the class's target elsewhere");
        }
        // Checked before any byte is written: without versions a PUT could replace a cataloged pack or key
        // file, and without Object Lock a class's lock could not be applied after the packs are written.
        ObjectStore.BucketProtection p = store.bucketProtection(bucket);
        if (!p.versioning()) {
          throw LakevaultException.usage("archive bucket " + bucket + " does not keep versions: packs and key files are"
              + " read by the version the catalog records, so that nothing written later can replace them. Enable"
              + " versioning (aws s3api put-bucket-versioning --bucket " + bucket + " --versioning-configuration"
              + " Status=Enabled), or point archive.uri or the class's target elsewhere; nothing was written");
        }
        for (ClassTarget c : targets.values()) {
          if (c.target().bucket().equals(bucket) && c.lockMode() != null && !p.objectLock()) {
            throw LakevaultException.usage("class " + c.name() + " locks its packs (lock: " + c.lockMode() + ") but archive"
                + " bucket " + bucket + " has no Object Lock. Enable it (aws s3api put-object-lock-configuration --bucket "
                + bucket + " --object-lock-configuration ObjectLockEnabled=Enabled), or give the class a target bucket"
                + " that has it; nothing was written");
          }
        }
      }
    }
  }

  private Policy loadPolicy(String sha) {
    String uri = config().get(Settings.CATALOG_URI) + "/policies/" + sha + ".yaml";
    Path p = new Path(catalog.locations().hadoopPath(uri));
    try (InputStream in = p.getFileSystem(hadoop()).open(p)) {
      return PolicyParser.parse(uri, in.readAllBytes());
    } catch (IOException e) {
      throw new LakevaultException(ErrorKind.INPUT, "the policy that classified the lake, " + uri
          + ", cannot be read (" + e.getMessage() + "): run `lakevault classify` again", e);
    }
  }

  // ------------------------------------------------------------------ commit

  private String stagingUri(String runId) {
    return config().get(Settings.CATALOG_URI) + "/staging/archive/" + runId;
  }

  /**
   * Catalogs a staged run: packs, then objects, each one append that Delta makes at most once per run
   * (committing the same run again after a crash adds nothing); then locks its packs.
   */
  /** @return the run's packs that could not be locked this time (reported; retried by the next run) */
  private long commitStaged(String staging, String runId, Instant archivedAt, Map<String, ClassTarget> targets,
      List<String> lockProblems) {
    long t0 = System.nanoTime();
    Dataset<Row> s = catalog.spark().read().schema(Staged.SCHEMA).parquet(catalog.locations().hadoopPath(staging));
    catalog.appendOnce(CatalogTable.PACKS, Staged.packRows(s, runId), "lakevault-archive-" + runId);
    long t1 = System.nanoTime();
    Dataset<Row> objects = Staged.objectRows(s.where(col("row_type").equalTo(Staged.OBJECT)),
        lit(Timestamp.from(archivedAt)), runId);
    catalog.appendOnce(CatalogTable.OBJECTS, objects, "lakevault-archive-" + runId);
    long t2 = System.nanoTime();
    afterCommit.run();
    List<String> failed = new ArrayList<>();
    lockProblems.addAll(lock(s, runId, archivedAt, targets, failed));
    if (!failed.isEmpty()) {
      lockProblems.add(String.format(java.util.Locale.ROOT, "unlocked: %,d pack(s) or key file(s) of run %s could not be"
          + " locked; they are cataloged, and every later run retries the lock until it holds (e.g. %s)", failed.size(), runId,
          failed.get(0)));
    }
    lockProblems.addAll(holdForOpenCases(runId, archivedAt));
    LOG.info("run {}: packs cataloged in {} ms, objects in {} ms, packs locked (and held) in {} ms", runId,
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
    return failed.size();
  }

  /**
   * A legal hold reaches versions archived after it was placed: each open case's selection is applied to the
   * catalog, and the packs of this run that hold a selected version get the case's S3 legal hold (recorded in
   * {@code held_packs} first). No open case: one small read of {@code holds}.
   */
  private List<String> holdForOpenCases(String runId, Instant now) {
    io.lakevault.spark.lifecycle.LegalHolds holds = new io.lakevault.spark.lifecycle.LegalHolds(catalog);
    List<Row> cases = holds.openCases();
    if (cases.isEmpty()) return List.of();
    List<String> problems = new ArrayList<>();
    Dataset<Row> mine = catalog.read(CatalogTable.OBJECTS).where(col("run_id").equalTo(runId))
        .select(col("bucket").as("m_bucket"), col("key").as("m_key"), col("version_id").as("m_version"));
    for (Row c : cases) {
      Dataset<Row> selected = holds.selected(holds.selector(c.getString(1)))
          .join(mine, col("bucket").equalTo(col("m_bucket")).and(col("key").equalTo(col("m_key")))
              .and(col("version_id").eqNullSafe(col("m_version"))), "left_semi");
      Dataset<Row> packs = holds.packsOf(selected).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        if (packs.isEmpty()) continue;
        io.lakevault.spark.lifecycle.LegalHolds.Outcome o = holds.hold(c.getString(0), packs, runId, now);
        LOG.info("case {}: {} pack(s) of run {} hold versions it selects; legal hold set on {}", c.getString(0),
            o.done() + o.failed(), runId, o.done());
        if (o.failed() > 0) {
          problems.add(String.format(java.util.Locale.ROOT, "case %s: %,d pack(s) of this run hold versions the case"
              + " selects but their legal hold could not be set (recorded in held_packs; `lakevault hold place` of the"
              + " case again retries): %s", c.getString(0), o.failed(), o.examples().get(0)));
        }
      } finally {
        packs.unpersist();
      }
    }
    return problems;
  }

  /**
   * Object Lock on the packs of a staged run and on their key files, once they are cataloged; then the
   * locks of earlier packs that this run's references now depend on. Idempotent: every call sets the
   * same retentions again, and a lock is only ever extended.
   */
  private List<String> lock(Dataset<Row> staged, String runId, Instant now, Map<String, ClassTarget> targets,
      List<String> failed) {
    // The retain-until is the catalog's when that is later: a lock already extended for references (then
    // set again when the run is recommitted) is never shortened. Only this run's rows of packs are read.
    Dataset<Row> current = catalog.read(CatalogTable.PACKS).where(col("run_id").equalTo(runId))
        .select(col("pack_id").as("c_pack_id"), col("retain_until").as("c_retain_until"));
    Dataset<Row> ownPacks = staged.where(col("row_type").equalTo(Staged.PACK).and(col("pack_lock_mode").isNotNull()));
    Dataset<Row> toLock = ownPacks.join(current, col("pack_id").equalTo(col("c_pack_id")), "left")
        .withColumn("pack_retain_until", org.apache.spark.sql.functions.greatest(col("pack_retain_until"), col("c_retain_until")));
    List<String> problems = new ArrayList<>();
    // A retain-until already past cannot be set (S3 refuses it): such a pack's members are past retention.
    Dataset<Row> expired = toLock.where(col("pack_retain_until").isNull().or(col("pack_retain_until").leq(lit(Timestamp.from(now)))));
    long expiredPacks = expired.count();
    if (expiredPacks > 0) {
      problems.add(String.format(java.util.Locale.ROOT, "%,d pack(s) hold only versions whose retention had already ended;"
          + " they were archived as the policy says but not locked (e.g. %s)", expiredPacks,
          expired.select("pack_uri").orderBy("pack_uri").first().getString(0)));
    }
    failed.addAll(applyLocks(toLock.where(col("pack_retain_until").gt(lit(Timestamp.from(now))))
        .select("pack_uri", "pack_version_id", "pack_key_version_id", "pack_lock_mode", "pack_retain_until", "retention_class"),
        targets));
    if (failed.isEmpty()) failed.addAll(extendReferencedPacks(staged, now, targets));
    return problems;
  }

  /**
   * Dedup never shortens retention: an object stored as a reference to bytes in another pack needs that
   * pack (and its key file) kept as long as itself. Where this run's references need a referenced pack
   * longer than its lock, the lock is extended to the latest retain-until pointing at it, and its
   * {@code packs.retain_until} updated to match (a small MERGE, only when some lock was extended). The
   * referenced packs are joined from {@code packs} by the run's references: a few rows per run.
   */
  private List<String> extendReferencedPacks(Dataset<Row> staged, Instant now, Map<String, ClassTarget> targets) {
    Dataset<Row> needs = staged.where(col("row_type").equalTo(Staged.OBJECT).and(col("dedup_ref").isNotNull())
            .and(col("retain_until").isNotNull()))
        .groupBy(col("pack_id").as("n_pack_id")).agg(org.apache.spark.sql.functions.max("retain_until").as("need"));
    // Most runs store no reference: then packs is not read at all.
    if (needs.isEmpty()) return List.of();
    Dataset<Row> longer = catalog.read(CatalogTable.PACKS)
        .join(needs, col("pack_id").equalTo(col("n_pack_id")))
        .where(col("retain_until").isNull().or(col("need").gt(col("retain_until"))))
        .select(col("pack_id"), col("uri").as("pack_uri"), col("version_id").as("pack_version_id"),
            col("key_version_id").as("pack_key_version_id"), col("lock_mode").as("pack_lock_mode"),
            col("need").as("pack_retain_until"), col("retention_class"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long n = longer.count();
      if (n == 0) return List.of();
      LOG.info("{} pack(s) hold bytes that this run's references must keep longer: extending their locks", n);
      List<String> failed = applyLocks(longer.where(col("pack_lock_mode").isNotNull()
          .and(col("pack_retain_until").gt(lit(Timestamp.from(now))))).drop("pack_id"), targets);
      // packs.retain_until says what the locks are: recorded only once every extension holds.
      if (!failed.isEmpty()) return failed;
      catalog.table(CatalogTable.PACKS).as("t")
          .merge(longer.select(col("pack_id").as("s_pack_id"), col("pack_retain_until").as("s_retain_until")).as("s"),
              "t.pack_id = s.s_pack_id")
          .whenMatched("t.retain_until IS NULL OR t.retain_until < s.s_retain_until")
          .updateExpr(Map.of("retain_until", "s.s_retain_until"))
          .execute();
      return List.of();
    } finally {
      longer.unpersist();
    }
  }

  /**
   * Sets retention on each row's pack version (its class's mode) and key file version (GOVERNANCE: kept
   * from every role but the eraser's, which alone may bypass it to shred keys), from the executors.
   * Rows: uri, version id, key file version id (null: not encrypted), mode, retain-until, class.
   */
  private List<String> applyLocks(Dataset<Row> rows, Map<String, ClassTarget> targets) {
    LakevaultConfig config = config();
    // Packs of a class with an air-gapped target are locked through that target's role.
    Map<String, String> roles = new java.util.HashMap<>();
    targets.values().forEach(c -> { if (c.role() != null) roles.put(c.name(), c.role()); });
    // A lock that fails (a role without s3:PutObjectRetention, a version locked differently by hand) is
    // reported and retried by the next run, never fatal: the pack is cataloged and stays readable.
    return rows.mapPartitions((org.apache.spark.api.java.function.MapPartitionsFunction<Row, String>) it -> {
      Map<String, ObjectStore> stores = new java.util.HashMap<>();
      List<String> failed = new ArrayList<>();
      try {
        while (it.hasNext()) {
          Row r = it.next();
          String role = roles.get(r.getString(5));
          ObjectStore store = stores.computeIfAbsent(role == null ? "" : role, k -> ObjectStores.open(config, role));
          S3Uri u = S3Uri.parse(r.getString(0));
          Instant until = r.getTimestamp(4).toInstant();
          try {
            store.putRetention(new ObjectRef(u.bucket(), u.key(), r.getString(1)), ObjectLockMode.valueOf(r.getString(3)), until);
            if (!r.isNullAt(2)) {
              store.putRetention(new ObjectRef(u.bucket(), u.key() + io.lakevault.core.pack.PackFormat.KEY_FILE_SUFFIX,
                  r.getString(2)), ObjectLockMode.GOVERNANCE, until);
            }
          } catch (io.lakevault.core.store.ObjectStoreException e) {
            failed.add(u + " until " + until + ": " + e.getMessage());
          }
        }
      } finally {
        stores.values().forEach(ObjectStore::close);
      }
      return failed.iterator();
    }, Encoders.STRING()).collectAsList();
  }

  private void deleteStaging(String staging) {
    Path p = new Path(catalog.locations().hadoopPath(staging));
    try {
      p.getFileSystem(hadoop()).delete(p, true);
    } catch (IOException e) {
      LOG.warn("could not delete the staging folder {} (the next run will): {}", staging, e.getMessage());
    }
  }

  private void write(String uri, byte[] bytes) {
    catalog.writeFile(uri, bytes);
  }

  private org.apache.hadoop.conf.Configuration hadoop() {
    return catalog.spark().sparkContext().hadoopConfiguration();
  }

  // ------------------------------------------------------------------ housekeeping

  private ArchiveResult.Housekeeping housekeeping(String runId, Map<String, ClassTarget> targets,
      List<String> lockProblems, RunLease lease, java.util.concurrent.atomic.AtomicLong unlocked) {
    List<String> recovered = new ArrayList<>();
    List<String> abandoned = new ArrayList<>();
    String root = config().get(Settings.CATALOG_URI) + "/staging/archive";
    Path rootPath = new Path(catalog.locations().hadoopPath(root));
    try {
      FileSystem fs = rootPath.getFileSystem(hadoop());
      if (fs.exists(rootPath)) {
        for (FileStatus st : fs.listStatus(rootPath)) {
          if (!st.isDirectory()) continue;
          String run = st.getPath().getName();
          String uri = root + "/" + run;
          lease.check("finish run " + run);
          if (fs.exists(new Path(st.getPath(), "_SUCCESS"))) {
            LOG.warn("run {} staged its results but did not finish committing them: committing now", run);
            long left = commitStaged(uri, run, clock.instant().truncatedTo(ChronoUnit.SECONDS), targets, lockProblems);
            recovered.add(run);
            unlocked.addAndGet(left);
            if (left > 0) continue; // kept: the next run retries the locks
          } else {
            LOG.warn("run {} stopped before staging its results: its packs are orphans", run);
            abandoned.add(run);
          }
          fs.delete(st.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot read the staging folder " + root + ": " + e.getMessage(), e);
    }
    // Packs that earlier runs noted but no commit cataloged: the runs just recovered are cataloged by now.
    List<String> orphans = new ArrayList<>();
    for (Map.Entry<String, List<String>> run : journal().runs().entrySet()) {
      if (run.getKey().equals(runId)) continue;
      lease.check("remove the uncataloged packs of run " + run.getKey());
      orphans.addAll(sweep(run.getKey(), run.getValue(), targets, lockProblems));
    }
    List<String> aborted = new ArrayList<>();
    Instant started = clock.instant();
    Map<String, ClassTarget> byUri = new LinkedHashMap<>();
    for (ClassTarget c : targets.values()) byUri.putIfAbsent(c.targetUri(), c);
    for (ClassTarget target : byUri.values()) {
      try (ObjectStore store = ObjectStores.open(config(), target.role())) {
        S3Uri t = target.target();
        if (!store.bucketExists(t.bucket())) continue;
        String prefix = t.key().isEmpty() || t.key().endsWith("/") ? t.key() : t.key() + "/";
        for (ObjectStore.PendingUpload u : store.listMultipartUploads(t.bucket(), prefix)) {
          if (u.initiated() == null || u.initiated().isBefore(started)) {
            store.abortMultipartUpload(u.bucket(), u.key(), u.uploadId());
            aborted.add("s3://" + u.bucket() + "/" + u.key());
          }
        }
      }
    }
    if (!orphans.isEmpty()) LOG.warn("removed {} pack files no committed run knows: {}", orphans.size(), orphans);
    return new ArchiveResult.Housekeeping(recovered, abandoned, orphans, aborted);
  }

  private PackJournal journal() {
    return new PackJournal(catalog.locations().hadoopPath(config().get(Settings.CATALOG_URI) + PackJournal.FOLDER),
        new io.lakevault.spark.HadoopConf(hadoop()));
  }

  /**
   * Deletes the noted packs (and key files, every version) that the catalog does not list, and drops
   * the notes. They are not locked: packs are locked only once cataloged. Which noted packs are not
   * cataloged is a join on the executors, and only their notes are read: a run that completed reads none.
   * A note whose pack cannot be deleted is kept for the next run, and the reason reported.
   *
   * @param packIds the packs the run noted (a run notes at most the packs its tasks opened)
   * @return the files deleted
   */
  private List<String> sweep(String run, List<String> packIds, Map<String, ClassTarget> targets,
      List<String> problems) {
    List<String> removed = new ArrayList<>();
    PackJournal journal = journal();
    if (packIds.isEmpty()) {
      journal.dropRun(run);
      return removed;
    }
    List<String> uncataloged = new ArrayList<>();
    for (Row r : catalog.spark().createDataset(packIds, Encoders.STRING()).toDF("noted").distinct()
        .join(catalog.read(CatalogTable.PACKS).select("pack_id"), col("noted").equalTo(col("pack_id")), "left_anti")
        .collectAsList()) {
      uncataloged.add(r.getString(0));
    }
    Map<String, ObjectStore> stores = new java.util.HashMap<>();
    List<String> kept = new ArrayList<>();
    try {
      for (String id : uncataloged) {
        PackJournal.Note n = journal.read(run, id);
        try {
          if (n.damaged()) {
            LOG.warn("the pack note of {} in run {} is damaged: looking for that pack in every class's target", n.packId(), n.run());
            for (ClassTarget t : targets.values()) {
              ObjectStore store = stores.computeIfAbsent(t.role() == null ? "" : t.role(), k -> ObjectStores.open(config(), t.role()));
              for (S3Uri pack : findPack(store, t, n.packId())) removed.addAll(deletePack(store, pack, problems));
            }
          } else {
            ClassTarget t = targets.get(n.retentionClass());
            String role = t == null ? null : t.role();
            ObjectStore store = stores.computeIfAbsent(role == null ? "" : role, k -> ObjectStores.open(config(), role));
            removed.addAll(deletePack(store, S3Uri.parse(n.uri()), problems));
          }
        } catch (io.lakevault.core.store.ObjectStoreException e) {
          problems.add((n.damaged() ? "pack " + n.packId() : n.uri()) + " was uploaded by run " + n.run()
              + " but never cataloged, and cannot be deleted: " + e.getMessage());
          kept.add(id);
        }
      }
      if (kept.isEmpty()) {
        journal.dropRun(run);
      } else {
        for (String id : packIds) if (!kept.contains(id)) journal.drop(new PackJournal.Note(run, id, null, null));
      }
    } finally {
      stores.values().forEach(ObjectStore::close);
    }
    return removed;
  }

  /**
   * The pack of a damaged note, found by its id among its class's packs: only the id survives in the
   * note's name. A listing of the class's packs, which a damaged note alone pays for (notes are written
   * all or nothing, so only a note of an older version or one damaged since can be damaged).
   */
  private static List<S3Uri> findPack(ObjectStore store, ClassTarget t, String packId) {
    List<S3Uri> found = new ArrayList<>();
    S3Uri target = t.target();
    if (!store.bucketExists(target.bucket())) return found;
    String prefix = t.packKey(t.name(), "x");
    prefix = prefix.substring(0, prefix.length() - "x.lvp".length());
    String name = "/" + packId + ".lvp";
    for (Iterator<io.lakevault.core.store.ObjectVersion> it = store.listVersions(target.bucket(), prefix); it.hasNext(); ) {
      var v = it.next();
      S3Uri u = new S3Uri(target.bucket(), v.key());
      if (v.key().endsWith(name) && !found.contains(u)) found.add(u);
    }
    return found;
  }

  /**
   * Every version of an uncataloged pack, and of its key file where the role may: on S3 only the eraser
   * role deletes key-file versions (emr/iam/), so the pipeline leaves an orphan's key file (wrapped keys
   * of a pack that no longer exists) and says so in {@code problems}; the pack itself must go.
   */
  private static List<String> deletePack(ObjectStore store, S3Uri pack, List<String> problems) {
    List<String> removed = new ArrayList<>();
    if (!store.bucketExists(pack.bucket())) return removed;
    String keyFile = pack.key() + io.lakevault.core.pack.PackFormat.KEY_FILE_SUFFIX;
    Iterator<io.lakevault.core.store.ObjectVersion> it = store.listVersions(pack.bucket(), pack.key());
    boolean keysLeft = false;
    while (it.hasNext()) {
      var v = it.next();
      if (!v.key().equals(pack.key()) && !v.key().equals(keyFile)) continue;
      try {
        store.delete(new ObjectRef(pack.bucket(), v.key(), v.versionId()), false);
      } catch (io.lakevault.core.store.ObjectStoreException e) {
        if (!v.key().equals(keyFile) || e.reason() != io.lakevault.core.store.ObjectStoreException.Reason.ACCESS_DENIED) throw e;
        keysLeft = true;
        continue;
      }
      String uri = "s3://" + pack.bucket() + "/" + v.key();
      if (!removed.contains(uri)) removed.add(uri);
    }
    if (keysLeft) {
      problems.add("s3://" + pack.bucket() + "/" + keyFile + ": the key file of an uncataloged pack that was removed is left in"
          + " place (only the eraser role may delete key files); it holds the wrapped keys of a pack that no longer exists");
    }
    return removed;
  }

  // ------------------------------------------------------------------ reports

  private ArchiveResult plan(String runId, Instant now, Policy policy, Dataset<Row> candidates, PriceTable prices) {
    ClassificationReport.Aggregates agg = ClassificationReport.compute(
        candidates.where(col("is_delete_marker").equalTo(false)), policy, prices, now);
    List<ArchiveResult.ClassLine> lines = new ArrayList<>();
    for (ClassifyResult.ClassSummary c : agg.classes()) {
      if (c.volume().objects() == 0) continue;
      ClassVolume v = c.cost().volume();
      lines.add(new ArchiveResult.ClassLine(c.retentionClass().name(), c.retentionClass().storageClass().name(), v.packs(),
          v.objects(), 0, v.bytes(), Math.round(v.compressedBytes()), c.cost()));
    }
    long markers = candidates.where(col("is_delete_marker").equalTo(true)).count();
    return new ArchiveResult(runId, now, true, policy.sha256(), lines, markers, 0, Map.of(), List.of(),
        ArchiveResult.Housekeeping.NONE, List.of(), null, 0);
  }

  /** What the report says of the staged rows; the housekeeping and lock problems are added once known. */
  private record Written(List<ArchiveResult.ClassLine> lines, long markers, long skipped, Map<String, Long> reasons,
      List<ArchiveResult.Skip> examples) {}

  private Written written(Instant now, Policy policy, String staging, PriceTable prices) {
    Dataset<Row> s = catalog.spark().read().schema(Staged.SCHEMA).parquet(catalog.locations().hadoopPath(staging));
    Dataset<Row> objects = s.where(col("row_type").equalTo(Staged.OBJECT).and(col("is_delete_marker").equalTo(false)));
    // The classify report's cost model over what was archived, then the estimates replaced by what was written.
    Dataset<Row> asClassified = objects.withColumn("decision", lit("ARCHIVE")).withColumn("rule_id", lit(null).cast("string"))
        .withColumn("pack_group", concat_ws("/", col("retention_class"), date_format(col("retain_until"), "yyyy-MM"), col("bucket")));
    ClassificationReport.Aggregates agg = ClassificationReport.compute(asClassified, policy, prices, now);
    // What was written, per class, with the run's delete markers and skipped sources: one pass.
    Map<String, Row> actual = new LinkedHashMap<>();
    long markers = 0;
    long skipped = 0;
    for (Row r : s.groupBy("retention_class").agg(
        count(when(col("row_type").equalTo(Staged.PACK), lit(1))).as("packs"),
        count(when(col("row_type").equalTo(Staged.OBJECT).and(col("is_delete_marker").equalTo(false))
            .and(col("dedup_ref").isNull()), lit(1))).as("objects"),
        count(when(col("dedup_ref").isNotNull(), lit(1))).as("references"),
        coalesce(sum(when(col("row_type").equalTo(Staged.OBJECT).and(col("is_delete_marker").equalTo(false)), col("size"))), lit(0L)).as("original"),
        coalesce(sum(when(col("row_type").equalTo(Staged.PACK), col("pack_stored_bytes"))), lit(0L)).as("stored"),
        count(when(col("row_type").notEqual(Staged.SKIPPED), lit(1))).as("kept"),
        count(when(col("is_delete_marker").equalTo(true), lit(1))).as("markers"),
        count(when(col("row_type").equalTo(Staged.SKIPPED), lit(1))).as("skipped")).collectAsList()) {
      if (r.getLong(6) > 0) actual.put(r.getString(0), r);
      markers += r.getLong(7);
      skipped += r.getLong(8);
    }
    CostModel model = new CostModel(prices);
    List<ArchiveResult.ClassLine> lines = new ArrayList<>();
    for (ClassifyResult.ClassSummary c : agg.classes()) {
      Row a = actual.get(c.retentionClass().name());
      if (a == null) continue;
      ClassVolume e = c.cost().volume();
      long stored = a.getLong(5);
      double scale = e.bytes() == 0 ? 0 : (double) stored / e.bytes();
      ClassVolume v = new ClassVolume(e.className(), e.storageClass(), e.packSize(), e.objects(), e.bytes(), e.billableBytes(),
          e.objectDays(), e.byteDays(), e.billableByteDays(), stored, e.byteDays() * scale, a.getLong(1));
      lines.add(new ArchiveResult.ClassLine(c.retentionClass().name(), c.retentionClass().storageClass().name(),
          a.getLong(1), a.getLong(2), a.getLong(3), a.getLong(4), stored, model.compare(v)));
    }
    List<ArchiveResult.Skip> examples = new ArrayList<>();
    Map<String, Long> reasons = new LinkedHashMap<>();
    if (skipped > 0) {
      Dataset<Row> skippedRows = s.where(col("row_type").equalTo(Staged.SKIPPED));
      // A reason is "kind: details"; counted by kind, with a few examples of each kind.
      Column kind = org.apache.spark.sql.functions.substring_index(col("reason"), ":", 1);
      for (Row r : skippedRows.groupBy(kind.as("kind")).count().orderBy(col("count").desc(), col("kind")).limit(20)
          .collectAsList()) {
        reasons.put(r.getString(0), r.getLong(1));
      }
      for (Row r : skippedRows.withColumn("_n", org.apache.spark.sql.functions.row_number().over(
              org.apache.spark.sql.expressions.Window.partitionBy(kind).orderBy(col("bucket"), col("key"))))
          .where(col("_n").leq(SKIP_EXAMPLES)).orderBy("reason", "bucket", "key").collectAsList()) {
        examples.add(new ArchiveResult.Skip(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), r.getAs("reason")));
      }
    }
    return new Written(lines, markers, skipped, reasons, examples);
  }
}
