package io.lakevault.drill;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.cost.RestoreCost;
import io.lakevault.core.drill.DrillPlan;
import io.lakevault.core.drill.DrillPlan.Level;
import io.lakevault.core.drill.DrillPlan.Outcome;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.S3Uri;
import io.lakevault.core.store.StorageClass;
import io.lakevault.restore.RestoreJob;
import io.lakevault.restore.RestoreResult;
import io.lakevault.restore.TargetSpec;
import io.lakevault.spark.Selection;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogLease;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault drill}: restore drills (docs/drills.md). For each retention class and level it samples
 * what to restore (seeded, as of a past time), restores it with the restore job into a scratch target it
 * owns, verifies every restored object's SHA-256 and the as-of selection against the catalog, and records
 * phases, requests, cost and whether the class's RTO was met in the {@code drills} table.
 *
 * <p>The same command is the same drill: a run that finds packs thawing records THAWING and exits; the next
 * run takes the recorded sample (not a new one), resumes the restores, and finishes the levels whose packs
 * are readable. Once every level is finished the drill removes what it restored. It writes nothing outside
 * {@code drill.target} but the catalog's own tables and reports.
 */
public final class DrillJob {
  private static final Logger LOG = LoggerFactory.getLogger(DrillJob.class);
  /** Problems named per level; the restore reports hold every one. */
  private static final int MAX_PROBLEMS = 10;

  /**
   * @param classes classes to drill; empty for every class of the policy
   * @param tier the restore tier for every class, or {@code null} for the cheapest that meets each class's RTO
   */
  public record Request(List<String> classes, List<Level> levels, long seed, RestoreTier tier, boolean dryRun,
      String reportFile, Policy policy, PriceTable prices) {}

  private final Catalog catalog;
  private final Clock clock;

  public DrillJob(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  private LakevaultConfig config() {
    return catalog.config();
  }

  /** The configured scratch target; a usage error naming the setting when there is none. */
  public static String target(LakevaultConfig config) {
    String target = config.get(Settings.DRILL_TARGET);
    if (target == null) {
      throw LakevaultException.usage("set drill.target to a scratch location the drill owns: s3://scratch-bucket/drills"
          + " or a local folder (--conf drill.target=... or lakevault.yaml)");
    }
    return target;
  }

  public DrillResult run(Request req, String runId) {
    String target = target(config());
    List<String> classes = classes(req);
    checkTarget(target);
    String drillId = DrillPlan.drillId(req.seed(), classes, req.levels(), req.tier(), target);
    long maxBytes = config().get(Settings.DRILL_MAX_BYTES);
    if (!catalog.exists(CatalogTable.OBJECTS)) {
      throw LakevaultException.usage("nothing is archived yet: the catalog has no objects table (run `lakevault archive`)");
    }
    LOG.info("drill {}: classes {}, levels {}, seed {}, into {}", drillId, classes, req.levels(), req.seed(), target);
    if (req.dryRun()) return plan(req, runId, drillId, classes, target, maxBytes);
    try (CatalogLease lease = CatalogLease.acquire(catalog, runId, "drill", clock)) {
      catalog.ensure(CatalogTable.DRILLS);
      Map<String, Row> recorded = new LinkedHashMap<>();
      for (Row r : catalog.read(CatalogTable.DRILLS).where(col("drill_id").equalTo(drillId)).collectAsList()) {
        recorded.put(r.<String>getAs("retention_class") + "/" + r.<String>getAs("level"), r);
      }
      DrillSampler sampler = new DrillSampler(catalog);
      List<DrillResult.LevelResult> levels = new ArrayList<>();
      boolean ran = false;
      for (String cls : classes) {
        RetentionClass rc = req.policy().retentionClass(cls);
        RestoreTier tier = req.tier() != null ? req.tier() : DrillPlan.tier(rc, req.prices()).tier();
        for (Level level : req.levels()) {
          lease.check("drill " + cls + " " + level.cliName());
          Row previous = recorded.get(cls + "/" + level.name());
          boolean done = previous != null && Outcome.valueOf(previous.getAs("state")).finished();
          levels.add(done ? fromRow(previous) : runLevel(req, runId, drillId, rc, level, tier, target, maxBytes, sampler, previous));
          ran |= !done;
        }
      }
      // One commit for the run: a crash before it loses only this run's bookkeeping; the restores it ran are
      // requests of their own, which the next run resumes where they stand.
      if (ran) {
        lease.check("drill record");
        record(levels);
      }
      boolean finished = levels.stream().allMatch(l -> l.outcome().finished());
      boolean cleaned = false;
      if (finished && levels.stream().anyMatch(l -> l.cleanedAt() == null)) {
        lease.check("drill cleanup");
        clean(target, drillId);
        Instant at = clock.instant();
        levels = levels.stream().map(l -> l.withCleaned(at)).toList();
        record(levels);
        cleaned = true;
      }
      DrillResult result = new DrillResult(drillId, runId, false, req.seed(), target, levels, cleaned, reportUri(drillId, runId));
      byte[] json = DrillReport.json(result).getBytes(StandardCharsets.UTF_8);
      catalog.writeFile(result.reportUri(), json);
      if (req.reportFile() != null) catalog.writeFile(req.reportFile(), json);
      return result;
    }
  }

  private List<String> classes(Request req) {
    if (req.classes() == null || req.classes().isEmpty()) return List.copyOf(req.policy().classes().keySet());
    for (String c : req.classes()) {
      if (req.policy().retentionClass(c) == null) {
        throw LakevaultException.usage("--class " + c + ": the policy has no such class (it has "
            + String.join(", ", req.policy().classes().keySet()) + ")");
      }
    }
    return List.copyOf(new java.util.TreeSet<>(req.classes()));
  }

  /** The drill's scratch target may be no place the archive or its sources live: it is emptied after each drill. */
  private void checkTarget(String target) {
    if (!S3Uri.isS3(target)) {
      if (target.contains("://") && !target.startsWith("file:")) {
        throw LakevaultException.usage("drill.target " + target + ": use s3://bucket/prefix or a local folder");
      }
      return;
    }
    String bucket = S3Uri.parse(target).bucket();
    Set<String> forbidden = new HashSet<>();
    forbidden.add(S3Uri.parse(config().get(Settings.ARCHIVE_URI)).bucket());
    if (S3Uri.isS3(config().get(Settings.CATALOG_URI))) forbidden.add(S3Uri.parse(config().get(Settings.CATALOG_URI)).bucket());
    if (forbidden.contains(bucket)) {
      throw LakevaultException.usage("drill.target " + target + " is in the archive's or the catalog's bucket; a drill "
          + "deletes what it restores, so give it a scratch bucket of its own");
    }
    if (catalog.exists(CatalogTable.OBJECTS)
        && !catalog.read(CatalogTable.OBJECTS).where(col("bucket").equalTo(bucket)).limit(1).isEmpty()) {
      throw LakevaultException.usage("drill.target " + target + " is in " + bucket + ", a bucket the archive holds objects "
          + "of; a drill deletes what it restores, so give it a scratch bucket of its own");
    }
  }

  private String levelTarget(String target, String drillId, String cls, Level level) {
    String base = S3Uri.isS3(target) ? target : Path.of(target.startsWith("file:") ? java.net.URI.create(target).getPath()
        : target).toAbsolutePath().normalize().toString();
    return base + "/" + drillId + "/" + cls + "/" + level.cliName();
  }

  /** One restore per bucket of a sample; to an S3 target each under its own bucket's folder. */
  private static String restoreTo(String levelTarget, Selector s) {
    return restoreTo(levelTarget, s.buckets().get(0));
  }

  static String restoreTo(String levelTarget, String bucket) {
    return S3Uri.isS3(levelTarget) ? levelTarget + "/" + bucket + "/" : levelTarget;
  }

  /** The object a problem line names ({@code s3://b/k version v: why}). */
  private static String subject(String problem) {
    int i = problem.indexOf(": ");
    return i < 0 ? problem : problem.substring(0, i);
  }

  private DrillResult.LevelResult runLevel(Request req, String runId, String drillId, RetentionClass rc, Level level,
      RestoreTier tier, String target, long maxBytes, DrillSampler sampler, Row previous) {
    String cls = rc.name();
    Instant started;
    Instant asOf;
    List<Selector> selectors;
    Map<String, Double> phases = new LinkedHashMap<>();
    if (previous == null) {
      started = clock.instant();
      long t = clock.millis();
      DrillSampler.Sample sample = sampler.sample(cls, level, req.seed(), maxBytes, clock.instant());
      phases.put("find", seconds(t));
      if (sample.skipped() != null) {
        LOG.info("drill {} {} {}: skipped: {}", drillId, cls, level.cliName(), sample.skipped());
        return new DrillResult.LevelResult(drillId, cls, level, req.seed(), sample.asOf(), List.of(), 0, 0, 0, tier,
            Outcome.SKIPPED, List.of(sample.skipped()), rc.rto(), 0, true, 0, 0, 0, phases, List.of(), null, started,
            clock.instant(), null, runId);
      }
      asOf = sample.asOf();
      selectors = sample.selectors();
    } else {
      started = previous.getTimestamp(previous.fieldIndex("started_at")).toInstant();
      asOf = previous.isNullAt(previous.fieldIndex("as_of")) ? null : previous.getTimestamp(previous.fieldIndex("as_of")).toInstant();
      selectors = previous.<String>getList(previous.fieldIndex("selectors")).stream()
          .map(s -> Selector.parseCanonical(s, k -> { throw new IllegalStateException("a drill selects no keys file"); }))
          .toList();
      if (!previous.isNullAt(previous.fieldIndex("phase_seconds"))) {
        phases.putAll(previous.<String, Double>getJavaMap(previous.fieldIndex("phase_seconds")));
      }
    }
    String to = levelTarget(target, drillId, cls, level);

    // Restore: each run of the drill resumes the same requests (the same selection and target are the same request).
    RestoreJob restore = new RestoreJob(catalog, clock);
    List<String> restoreIds = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    boolean thawing = false;
    for (Selector s : selectors) {
      RestoreResult r = restore.run(new RestoreJob.Request(s, restoreTo(to, s), tier, 1, false, false, false,
          Duration.ZERO, false, null, req.prices()), runId);
      restoreIds.add(r.restoreId());
      add(phases, "find", r.phases().get("find"));
      add(phases, "plan", r.phases().get("plan"));
      add(phases, "thaw-request", r.phases().get("thaw"));
      add(phases, "read", r.phases().get("read"));
      add(phases, "write", r.phases().get("write"));
      thawing |= r.thawing();
      for (RestoreResult.Failure f : r.failures()) {
        if (problems.size() < MAX_PROBLEMS) {
          problems.add("s3://" + f.bucket() + "/" + f.key() + " version " + f.versionId() + ": " + f.state().toLowerCase()
              + (f.reason() == null ? "" : ", " + f.reason()));
        }
      }
      if (r.packs("MISSING") > 0 && problems.size() < MAX_PROBLEMS) {
        problems.add(r.packs("MISSING") + " pack(s) of restore " + r.restoreId() + " are missing from the archive");
      }
    }
    List<String> canonical = selectors.stream().map(s -> s.canonical(null)).toList();

    // What the catalog says the selection holds, and what it costs to thaw and read (recorded by the first run).
    long t = clock.millis();
    if (thawing && previous != null) {
      LOG.info("drill {} {} {}: packs still thawing; run the same command again", drillId, cls, level.cliName());
      return new DrillResult.LevelResult(drillId, cls, level, req.seed(), asOf, canonical, previous.<Long>getAs("objects"),
          previous.<Long>getAs("bytes"), previous.<Long>getAs("packs"), tier, Outcome.THAWING, List.of(), rc.rto(),
          seconds(started), false, previous.<Long>getAs("restore_requests"), previous.<Long>getAs("get_requests"),
          previous.<Double>getAs("cost"), phases, restoreIds, to, started, null, null, runId);
    }
    Dataset<Row> expected = null;
    for (Selector s : selectors) {
      Dataset<Row> e = sampler.expected(s, cls);
      expected = expected == null ? e : expected.unionByName(e);
    }
    expected = expected.persist();
    try {
      Cost cost = cost(expected, tier, req.prices());
      long objects = cost.objects();
      long bytes = cost.bytes();
      if (thawing) {
        LOG.info("drill {} {} {}: packs thawing; run the same command again", drillId, cls, level.cliName());
        return new DrillResult.LevelResult(drillId, cls, level, req.seed(), asOf, canonical, objects, bytes, cost.packs, tier,
            Outcome.THAWING, List.of(), rc.rto(), seconds(started), false, cost.restoreRequests, cost.getRequests, cost.usd,
            phases, restoreIds, to, started, null, null, runId);
      }
      // Verify: the restore's as-of selection against the catalog's, then every object's bytes at the target.
      Selection selection = new Selection(catalog);
      Dataset<Row> chosen = null;
      for (Selector s : selectors) {
        Dataset<Row> c = selection.apply(s).select("bucket", "key", "version_id");
        chosen = chosen == null ? c : chosen.unionByName(c);
      }
      Dataset<Row> exp = expected.select(col("bucket").as("e_bucket"), col("key").as("e_key"),
          col("version_id").as("e_version"));
      Row compared = chosen.join(exp, col("bucket").equalTo(col("e_bucket")).and(col("key").equalTo(col("e_key")))
              .and(col("version_id").equalTo(col("e_version"))), "full_outer")
          .agg(count(col("bucket")), count(when(col("bucket").isNull().or(col("e_bucket").isNull()), lit(1)))).first();
      long chosenCount = compared.getLong(0);
      long differ = compared.getLong(1);
      VerifyTask.Outcome verified = VerifyTask.run(catalog, expected, to, MAX_PROBLEMS);
      // The restore's own failures first; the verification's for the same object add nothing.
      List<String> all = new ArrayList<>(problems);
      for (String p : verified.problems()) {
        if (all.stream().noneMatch(x -> subject(x).equals(subject(p)))) all.add(p);
      }
      phases.put("verify", seconds(t));
      Instant done = clock.instant();
      Duration elapsed = Duration.between(started, done);
      double accounted = phases.entrySet().stream().filter(e -> !e.getKey().equals("thaw-wait"))
          .mapToDouble(Map.Entry::getValue).sum();
      phases.put("thaw-wait", Math.max(0, elapsed.toMillis() / 1000.0 - accounted));
      DrillPlan.Verdict v = DrillPlan.judge(new DrillPlan.Findings(objects, chosenCount, differ, verified.verified(),
          all.subList(0, Math.min(all.size(), MAX_PROBLEMS)), elapsed), rc.rto());
      LOG.info("drill {} {} {}: {} ({} objects, {} s)", drillId, cls, level.cliName(), v.outcome(), objects,
          elapsed.getSeconds());
      return new DrillResult.LevelResult(drillId, cls, level, req.seed(), asOf, canonical, objects, bytes, cost.packs, tier,
          v.outcome(), v.reasons(), rc.rto(), elapsed.toMillis() / 1000.0, v.metRto(), cost.restoreRequests,
          cost.getRequests, cost.usd, phases, restoreIds, to, started, done, null, runId);
    } finally {
      expected.unpersist();
    }
  }

  /** A level's size and what its restore costs, from one query over the expected versions and their packs. */
  private record Cost(long objects, long bytes, long packs, long restoreRequests, long getRequests, double usd) {}

  /** Thaw requests (one per pack in a class that needs one), GETs and their price at the tier, from the price table. */
  private Cost cost(Dataset<Row> expected, RestoreTier tier, PriceTable prices) {
    Dataset<Row> packs = catalog.read(CatalogTable.PACKS).select(col("pack_id").as("p_id"), col("storage_class"),
        col("stored_bytes"));
    List<RestoreCost.Thaw> thaws = new ArrayList<>();
    long objects = 0;
    long bytes = 0;
    long packCount = 0;
    for (Row r : expected.groupBy("pack_id").agg(count(lit(1)).as("n"), sum("size").as("b"))
        .join(packs, col("pack_id").equalTo(col("p_id"))).groupBy("storage_class")
        .agg(count(lit(1)), sum("stored_bytes"), sum("n"), sum("b")).collectAsList()) {
      StorageClass sc = StorageClass.valueOf(r.getString(0));
      packCount += r.getLong(1);
      objects += r.getLong(3);
      bytes += r.getLong(4);
      if (prices.restorePrice(sc, RestoreTier.BULK) != null || prices.restorePrice(sc, RestoreTier.STANDARD) != null) {
        thaws.add(new RestoreCost.Thaw(sc, r.getLong(1), r.getLong(2)));
      }
    }
    long restoreRequests = thaws.stream().mapToLong(RestoreCost.Thaw::packs).sum();
    long gets = objects + 3 * packCount; // at most a range per entry, plus footer, index and key file per pack
    RestoreCost.Estimate e = new RestoreCost(prices).estimate(thaws, gets, 1, tier);
    return new Cost(objects, bytes, packCount, restoreRequests, gets, e.total());
  }

  /** A dry run: the sample of each level and what its restore would cost and take; nothing is restored or recorded. */
  private DrillResult plan(Request req, String runId, String drillId, List<String> classes, String target, long maxBytes) {
    DrillSampler sampler = new DrillSampler(catalog);
    List<DrillResult.LevelResult> levels = new ArrayList<>();
    Instant now = clock.instant();
    for (String cls : classes) {
      RetentionClass rc = req.policy().retentionClass(cls);
      DrillPlan.Choice choice = DrillPlan.tier(rc, req.prices());
      RestoreTier tier = req.tier() != null ? req.tier() : choice.tier();
      for (Level level : req.levels()) {
        DrillSampler.Sample s = sampler.sample(cls, level, req.seed(), maxBytes, now);
        if (s.skipped() != null) {
          levels.add(new DrillResult.LevelResult(drillId, cls, level, req.seed(), s.asOf(), List.of(), 0, 0, 0, tier,
              Outcome.SKIPPED, List.of(s.skipped()), rc.rto(), 0, true, 0, 0, 0, Map.of(), List.of(), null, now, null, null,
              runId));
          continue;
        }
        Dataset<Row> expected = null;
        for (Selector sel : s.selectors()) {
          Dataset<Row> e = sampler.expected(sel, cls);
          expected = expected == null ? e : expected.unionByName(e);
        }
        Cost cost = cost(expected, tier, req.prices());
        double hours = cost.restoreRequests == 0 ? 0 : req.prices().restorePrice(rc.storageClass(), tier) == null ? 0
            : req.prices().restorePrice(rc.storageClass(), tier).hours();
        List<String> notes = new ArrayList<>();
        notes.add("typical thaw " + (hours == 0 ? "none (instantly readable)" : DrillPlan.human(Duration.ofMinutes((long) (hours * 60)))));
        if (req.tier() == null && !choice.meetsRto()) {
          notes.add("no tier meets the RTO of " + DrillPlan.human(rc.rto()) + "; drilled on " + tier + ", the fastest");
        }
        levels.add(new DrillResult.LevelResult(drillId, cls, level, req.seed(), s.asOf(),
            s.selectors().stream().map(x -> x.canonical(null)).toList(), cost.objects(), cost.bytes(), cost.packs,
            tier, Outcome.PLANNED, notes, rc.rto(), hours * 3600, rc.rto() == null || hours * 3600 <= rc.rto().getSeconds(),
            cost.restoreRequests, cost.getRequests, cost.usd, Map.of(), List.of(), levelTarget(target, drillId, cls, level),
            now, null, null, runId));
      }
    }
    DrillResult result = new DrillResult(drillId, runId, true, req.seed(), target, levels, false, null);
    if (req.reportFile() != null) catalog.writeFile(req.reportFile(), DrillReport.json(result).getBytes(StandardCharsets.UTF_8));
    return result;
  }

  /** Removes everything the drill restored: the folder, or every version under the prefix of the scratch bucket. */
  private void clean(String target, String drillId) {
    String root = levelTarget(target, drillId, "x", Level.OBJECT);
    root = root.substring(0, root.indexOf("/" + drillId + "/") + drillId.length() + 1);
    if (S3Uri.isS3(root)) {
      S3Uri u = S3Uri.parse(root + "/");
      try (ObjectStore store = ObjectStores.open(config())) {
        List<ObjectRef> all = new ArrayList<>();
        for (Iterator<ObjectVersion> it = store.listVersions(u.bucket(), u.key()); it.hasNext(); ) {
          ObjectVersion v = it.next();
          all.add(new ObjectRef(u.bucket(), v.key(), v.versionId()));
        }
        for (ObjectRef r : all) store.delete(r);
        LOG.info("drill {}: removed {} object version(s) under {}", drillId, all.size(), root);
      }
    } else {
      Path dir = Path.of(root);
      if (!Files.exists(dir)) return;
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          p.toFile().setWritable(true);
          Files.delete(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not remove the drill's restored files under " + dir, e);
      }
      LOG.info("drill {}: removed {}", drillId, dir);
    }
  }

  /** The levels' rows, in one MERGE on (drill, class, level). */
  private void record(List<DrillResult.LevelResult> levels) {
    List<Row> rows = new ArrayList<>();
    for (DrillResult.LevelResult l : levels) {
      rows.add(RowFactory.create(l.drillId(), l.retentionClass(), l.level().name(), l.seed(), ts(l.asOf()),
          scala(l.selectors()), l.objects(), l.bytes(), l.packs(), l.tier() == null ? null : l.tier().name(),
          l.outcome().name(), scala(l.reasons()), l.rto() == null ? null : l.rto().getSeconds(), l.elapsedSeconds(),
          l.metRto(), l.restoreRequests(), l.getRequests(), l.cost(),
          scala.collection.JavaConverters.mapAsScalaMap(new LinkedHashMap<>(l.phases())), scala(l.restoreIds()),
          l.target(), ts(l.startedAt()), ts(l.completedAt()), ts(l.cleanedAt()), l.runId()));
    }
    Dataset<Row> s = catalog.spark().createDataFrame(rows, CatalogTable.DRILLS.schema());
    catalog.table(CatalogTable.DRILLS).as("t")
        .merge(s.as("s"), "t.drill_id = s.drill_id AND t.retention_class = s.retention_class AND t.level = s.level")
        .whenMatched().updateAll()
        .whenNotMatched().insertAll().execute();
  }

  private static DrillResult.LevelResult fromRow(Row r) {
    Map<String, Double> phases = r.isNullAt(r.fieldIndex("phase_seconds")) ? Map.of()
        : new LinkedHashMap<>(r.<String, Double>getJavaMap(r.fieldIndex("phase_seconds")));
    return new DrillResult.LevelResult(r.getAs("drill_id"), r.getAs("retention_class"), Level.valueOf(r.getAs("level")),
        r.getAs("seed"), instant(r, "as_of"), list(r, "selectors"), nz(r, "objects"), nz(r, "bytes"), nz(r, "packs"),
        r.isNullAt(r.fieldIndex("tier")) ? null : RestoreTier.valueOf(r.getAs("tier")), Outcome.valueOf(r.getAs("state")),
        list(r, "reasons"), r.isNullAt(r.fieldIndex("rto_seconds")) ? null : Duration.ofSeconds(r.<Long>getAs("rto_seconds")),
        r.isNullAt(r.fieldIndex("elapsed_seconds")) ? 0 : r.<Double>getAs("elapsed_seconds"),
        !r.isNullAt(r.fieldIndex("met_rto")) && r.<Boolean>getAs("met_rto"), nz(r, "restore_requests"),
        nz(r, "get_requests"), r.isNullAt(r.fieldIndex("cost")) ? 0 : r.<Double>getAs("cost"), phases,
        list(r, "restore_ids"), r.getAs("target"), instant(r, "started_at"), instant(r, "completed_at"),
        instant(r, "cleaned_at"), r.getAs("run_id"));
  }

  private static long nz(Row r, String f) {
    return r.isNullAt(r.fieldIndex(f)) ? 0 : r.<Long>getAs(f);
  }

  private static List<String> list(Row r, String f) {
    return r.isNullAt(r.fieldIndex(f)) ? List.of() : List.copyOf(r.<String>getList(r.fieldIndex(f)));
  }

  private static Instant instant(Row r, String f) {
    return r.isNullAt(r.fieldIndex(f)) ? null : r.getTimestamp(r.fieldIndex(f)).toInstant();
  }

  private static Timestamp ts(Instant t) {
    return t == null ? null : Timestamp.from(t);
  }

  private static scala.collection.Seq<String> scala(List<String> l) {
    return scala.collection.JavaConverters.asScalaBuffer(new ArrayList<>(l)).toSeq();
  }

  private static void add(Map<String, Double> phases, String name, Double seconds) {
    if (seconds != null) phases.merge(name, seconds, Double::sum);
  }

  private double seconds(long startMillis) {
    return io.lakevault.core.time.Waits.secondsSince(clock, startMillis);
  }

  private double seconds(Instant since) {
    return Duration.between(since, clock.instant()).toMillis() / 1000.0;
  }

  private String reportUri(String drillId, String runId) {
    return catalog.uriOf("reports/drill/" + drillId + "/" + runId + ".json");
  }
}
