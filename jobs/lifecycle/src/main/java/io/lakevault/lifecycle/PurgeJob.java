package io.lakevault.lifecycle;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.lifecycle.PurgePlanner;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogLease;
import io.lakevault.spark.catalog.CatalogTable;
import io.lakevault.spark.catalog.DeltaLogScrub;
import io.lakevault.spark.catalog.ParquetScrub;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault catalog purge}: removes what completed erasure requests left in the catalog's own
 * files (docs/lifecycle.md, "Erasure"; docs/catalog.md, "Purge"). {@code erase} removes an erased version's
 * {@code objects} row from the current table; its older table versions, the inventory tables and
 * {@code classified} still hold the row, and run arguments, restore and hold selectors, drills and reports
 * may name the object, until this runs.
 *
 * <ol>
 *   <li>Plan: the completed requests not yet purged ({@code erasures}) and their versions' fingerprints
 *       ({@code erased_versions}). From the executors, every Parquet file of {@code objects},
 *       {@code inventory}, {@code inventory_changes} and {@code classified} (current or only in older
 *       versions) is scanned for rows of those versions, which also yields the names to look for in the
 *       text tables ({@code runs}, {@code restores}, {@code holds}, {@code drills},
 *       {@code inventory_quarantine}) and the catalog's reports and hold keys files. A dry run stops here.
 *   <li>Rewrite, from the executors: text first (names redacted to {@value PurgePlanner#REDACTED}), then the
 *       versions' rows dropped: each file in place, at its path, so every table version reads as before
 *       less exactly what was erased. Text goes first because the versions' rows are where the names
 *       are found: a run that dies between the two finds them again.
 *   <li>Correct each table's log ({@link DeltaLogScrub}): sizes, statistics, a new checkpoint.
 *   <li>Record: {@code erasures.purged_at}; a request purged after its {@code purge_due} is reported late.
 * </ol>
 * Under the run lease throughout; a crash converges on the next run (files already rewritten hold nothing
 * to find, and logs are corrected by comparing sizes). Readers outside lakevault (a notebook, the desk)
 * can fail on a file rewritten under them: the maintenance DAG runs this in its window.
 */
public final class PurgeJob {
  private static final Logger LOG = LoggerFactory.getLogger(PurgeJob.class);
  /** Tables that keep object versions: the rows of erased versions are dropped. */
  static final List<CatalogTable> VERSION_TABLES = List.of(CatalogTable.OBJECTS, CatalogTable.INVENTORY,
      CatalogTable.INVENTORY_CHANGES, CatalogTable.CLASSIFIED);
  /** Tables that may name an object in text (selectors, arguments, raw lines): the names are redacted. */
  static final List<CatalogTable> TEXT_TABLES = List.of(CatalogTable.RUNS, CatalogTable.RESTORES, CatalogTable.HOLDS,
      CatalogTable.DRILLS, CatalogTable.INVENTORY_QUARANTINE);
  /** The catalog's own files (not tables) that may name objects: run reports and hold keys files. */
  static final List<String> TEXT_FOLDERS = List.of("reports", "holds/keys");
  /** The catalog's reports folder: its Parquet files (restore reports' version lists) are scanned like a table. */
  static final String REPORTS = "reports";

  public record Request(boolean dryRun, String reportUri) {}

  /** What a purge found (and, unless a dry run, rewrote) in one table. */
  public record TableOutcome(String table, long filesRewritten, long rowsRemoved, long stringsRedacted,
      int commitsCorrected) {}

  /**
   * @param requests the completed requests this purge finishes (a dry run: would finish), late or on time
   * @param versions the erased versions of those requests
   * @param textFiles reports and keys files that named an erased object
   */
  public record Result(String runId, boolean dryRun, Instant at, List<PurgePlanner.Finished> requests, long versions,
      List<TableOutcome> tables, long textFiles) {
    public long late() {
      return requests.stream().filter(PurgePlanner.Finished::late).count();
    }
  }

  private static final StructType FILES = new StructType().add("table", "string").add("relative", "string")
      .add("path", "string");
  private static final StructType FOUND = new StructType().add("table", "string").add("relative", "string")
      .add("path", "string").add("rows", "long").add("matched", "long").add("redacted", "long").add("size", "long")
      .add("names", DataTypes.createArrayType(DataTypes.StringType, false));

  private final Catalog catalog;
  private final Clock clock;

  public PurgeJob(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  public Result run(Request req, String runId) {
    Instant now = clock.instant();
    Result r;
    if (req.dryRun()) {
      r = purge(runId, now, null);
    } else {
      try (CatalogLease lease = CatalogLease.acquire(catalog, runId, "catalog-purge", clock)) {
        r = purge(runId, now, lease);
      }
    }
    byte[] json = LifecycleReport.json(r).getBytes(StandardCharsets.UTF_8);
    if (!req.dryRun()) catalog.writeFile(catalog.uriOf("reports/purge/" + runId + ".json"), json);
    if (req.reportUri() != null) catalog.writeFile(req.reportUri(), json);
    return r;
  }

  private Result purge(String runId, Instant now, CatalogLease lease) {
    if (!catalog.exists(CatalogTable.ERASURES)) return new Result(runId, lease == null, now, List.of(), 0, List.of(), 0);
    List<PurgePlanner.Request> pending = new ArrayList<>();
    for (Row e : catalog.read(CatalogTable.ERASURES).where(col("state").equalTo("completed").and(col("purged_at").isNull()))
        .select("request_id", "completed_at", "purge_due").collectAsList()) {
      pending.add(new PurgePlanner.Request(e.getString(0), instant(e.getTimestamp(1)), instant(e.getTimestamp(2))));
    }
    List<PurgePlanner.Finished> requests = PurgePlanner.finish(pending, now);
    if (requests.isEmpty()) {
      LOG.info("no completed erasure request waits for a purge");
      return new Result(runId, lease == null, now, requests, 0, List.of(), 0);
    }
    List<String> ids = requests.stream().map(PurgePlanner.Finished::requestId).toList();
    // One fingerprint (64 hex characters) per erased version of the requests purged now: bounded by the
    // requests, not by the catalog.
    Set<String> fingerprints = new HashSet<>();
    for (Row f : catalog.read(CatalogTable.ERASED_VERSIONS).where(col("request_id").isin(ids.toArray())
        .and(col("erased_at").isNotNull())).select("version_sha256").distinct().collectAsList()) {
      fingerprints.add(f.getString(0));
    }
    LOG.info("purging {} erasure request(s), {} erased version(s), from the catalog's files", ids.size(), fingerprints.size());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(catalog.spark().sparkContext());
    Broadcast<SerializableConfiguration> conf =
        jsc.broadcast(new SerializableConfiguration(catalog.spark().sparkContext().hadoopConfiguration()));
    Broadcast<Set<String>> prints = jsc.broadcast(fingerprints);

    // 1. Plan: which files hold erased rows, and the names they give.
    Map<CatalogTable, DeltaLogScrub> scrubs = new LinkedHashMap<>();
    for (CatalogTable t : VERSION_TABLES) scrubs.put(t, new DeltaLogScrub(catalog.spark(), catalog.path(t)));
    for (CatalogTable t : TEXT_TABLES) scrubs.put(t, new DeltaLogScrub(catalog.spark(), catalog.path(t)));
    Broadcast<Set<String>> none = jsc.broadcast(Set.of());
    List<Row> versionFiles = scan(VERSION_TABLES, scrubs, true, it -> scanVersions(conf, prints, none, it));
    Set<String> nameSet = new LinkedHashSet<>();
    for (Row f : versionFiles) nameSet.addAll(f.getList(7));
    // Second pass: rows without a version id (a current-versions-only inventory) of the names found.
    Broadcast<Set<String>> unversioned = jsc.broadcast(Set.copyOf(nameSet));
    if (!nameSet.isEmpty()) {
      versionFiles = scan(VERSION_TABLES, scrubs, true, it -> scanVersions(conf, prints, unversioned, it));
    }
    List<String> names = PurgePlanner.textForms(nameSet);
    Broadcast<List<String>> named = jsc.broadcast(names);
    List<Row> textFiles = names.isEmpty() ? List.of() : scan(TEXT_TABLES, scrubs, false, it -> scanText(conf, named, it));
    List<String> plainFiles = names.isEmpty() ? List.of() : plainTextFiles(names);

    if (lease == null) {
      return new Result(runId, true, now, requests, fingerprints.size(),
          outcomes(versionFiles, textFiles, Map.of()), plainFiles.size());
    }
    for (Map.Entry<CatalogTable, DeltaLogScrub> s : scrubs.entrySet()) {
      try {
        s.getValue().check(relatives(s.getKey(), versionFiles, textFiles));
      } catch (IOException e) {
        throw new LakevaultException(io.lakevault.core.ErrorKind.STORE, "cannot read the log of " + s.getKey().tableName()
            + ": " + e.getMessage(), e);
      }
    }

    // 2. Rewrite: text first (the names are found in the versions' rows), then the versions' rows.
    lease.check("redact erased names from the catalog");
    List<Row> redacted = rewrite(textFiles, it -> rewriteFiles(conf, null, null, named, it));
    rewritePlain(plainFiles, names);
    lease.check("drop erased rows from the catalog's files");
    List<Row> dropped = rewrite(versionFiles, it -> rewriteFiles(conf, prints, unversioned, null, it));

    // 3. Each table's log, corrected for the files rewritten (and any a crashed purge rewrote).
    Map<CatalogTable, Integer> commits = new LinkedHashMap<>();
    for (Map.Entry<CatalogTable, DeltaLogScrub> s : scrubs.entrySet()) {
      List<Row> done = new ArrayList<>(redacted);
      done.addAll(dropped);
      try {
        commits.put(s.getKey(), s.getValue().correct(relatives(s.getKey(), done, List.of())));
      } catch (IOException e) {
        throw new LakevaultException(io.lakevault.core.ErrorKind.STORE, "cannot correct the log of "
            + s.getKey().tableName() + " (run catalog purge again): " + e.getMessage(), e);
      }
    }
    DeltaLog.clearCache();

    // 4. Recorded last: a request is purged once every file is.
    lease.check("record the purge");
    catalog.table(CatalogTable.ERASURES).update(col("request_id").isin(ids.toArray()).and(col("purged_at").isNull()),
        Map.of("purged_at", lit(Timestamp.from(now))));
    for (PurgePlanner.Finished f : requests) {
      if (f.late()) LOG.warn("request {} purged after its deadline {}", f.requestId(), f.purgeDue());
    }
    return new Result(runId, false, now, requests, fingerprints.size(), outcomes(dropped, redacted, commits),
        plainFiles.size());
  }

  /** Per table: files rewritten (a plan: to rewrite), rows dropped, strings redacted, commit files corrected. */
  private static List<TableOutcome> outcomes(List<Row> versionRows, List<Row> textRows, Map<CatalogTable, Integer> commits) {
    List<TableOutcome> out = new ArrayList<>();
    for (CatalogTable t : VERSION_TABLES) out.add(outcome(t.tableName(), versionRows, commits.getOrDefault(t, 0)));
    out.add(outcome(REPORTS, versionRows, 0));
    for (CatalogTable t : TEXT_TABLES) out.add(outcome(t.tableName(), textRows, commits.getOrDefault(t, 0)));
    return out;
  }

  private static TableOutcome outcome(String table, List<Row> rows, int commits) {
    long rewritten = 0;
    long removed = 0;
    long strings = 0;
    for (Row r : rows) {
      if (!r.getString(0).equals(table)) continue;
      rewritten++;
      removed += r.getLong(4);
      strings += r.getLong(5);
    }
    return new TableOutcome(table, rewritten, removed, strings, commits);
  }

  /**
   * The files of these tables that hold something erased, scanned on the executors; with {@code reports},
   * also the Parquet files of the catalog's reports (a restore's report lists the versions it restored).
   */
  private List<Row> scan(List<CatalogTable> tables, Map<CatalogTable, DeltaLogScrub> scrubs, boolean reports,
      MapPartitionsFunction<Row, Row> scanner) {
    List<Row> files = new ArrayList<>();
    if (reports) {
      Path root = new Path(catalog.locations().hadoopPath(catalog.uriOf(REPORTS)));
      try {
        FileSystem fs = root.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration());
        if (fs.exists(root)) {
          String base = root.toUri().getPath();
          for (RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true); it.hasNext(); ) {
            Path p = it.next().getPath();
            if (!p.getName().endsWith(".parquet") || p.getName().startsWith(".") || p.getName().startsWith("_")) continue;
            files.add(RowFactory.create(REPORTS, p.toUri().getPath().substring(base.length() + 1), p.toString()));
          }
        }
      } catch (IOException e) {
        throw new LakevaultException(io.lakevault.core.ErrorKind.STORE, "cannot list the catalog's reports: "
            + e.getMessage(), e);
      }
    }
    for (CatalogTable t : tables) {
      try {
        for (DeltaLogScrub.DataFile f : scrubs.get(t).dataFiles()) {
          files.add(RowFactory.create(t.tableName(), f.relative(), f.path()));
        }
      } catch (IOException e) {
        throw new LakevaultException(io.lakevault.core.ErrorKind.STORE, "cannot list the files of "
            + t.tableName() + ": " + e.getMessage(), e);
      }
    }
    if (files.isEmpty()) return List.of();
    int partitions = Math.max(1, Math.min(2000, files.size() / 50 + 1));
    Dataset<Row> found = catalog.spark().createDataFrame(files, FILES).repartition(partitions)
        .mapPartitions(scanner, Encoders.row(FOUND));
    return SparkErrors.surfacing(() -> found.where(col("matched").gt(0).or(col("redacted").gt(0))).collectAsList());
  }

  private List<Row> rewrite(List<Row> files, MapPartitionsFunction<Row, Row> rewriter) {
    if (files.isEmpty()) return List.of();
    Dataset<Row> in = catalog.spark().createDataFrame(files, FOUND).select("table", "relative", "path");
    return SparkErrors.surfacing(() -> in.repartition(Math.max(1, Math.min(2000, files.size() / 20 + 1)))
        .mapPartitions(rewriter, Encoders.row(FOUND)).collectAsList());
  }

  private static Set<String> relatives(CatalogTable t, List<Row> a, List<Row> b) {
    Set<String> out = new HashSet<>();
    for (List<Row> rows : List.of(a, b)) {
      for (Row r : rows) if (r.getString(0).equals(t.tableName())) out.add(r.getString(1));
    }
    return out;
  }

  private static Iterator<Row> scanVersions(Broadcast<SerializableConfiguration> conf, Broadcast<Set<String>> prints,
      Broadcast<Set<String>> unversioned, Iterator<Row> files) throws IOException {
    List<Row> out = new ArrayList<>();
    while (files.hasNext()) {
      Row f = files.next();
      ParquetScrub.Outcome o = ParquetScrub.scanVersions(conf.value().value(), new Path(f.getString(2)),
          DeltaLogScrub.partitionValues(f.getString(1)), prints.value(), unversioned.value());
      out.add(RowFactory.create(f.getString(0), f.getString(1), f.getString(2), o.rows(), o.matched(), 0L, -1L,
          o.names().toArray(new String[0])));
    }
    return out.iterator();
  }

  private static Iterator<Row> scanText(Broadcast<SerializableConfiguration> conf, Broadcast<List<String>> names,
      Iterator<Row> files) throws IOException {
    List<Row> out = new ArrayList<>();
    while (files.hasNext()) {
      Row f = files.next();
      ParquetScrub.Outcome o = ParquetScrub.scanText(conf.value().value(), new Path(f.getString(2)), names.value());
      out.add(RowFactory.create(f.getString(0), f.getString(1), f.getString(2), o.rows(), 0L, o.redacted(), -1L,
          new String[0]));
    }
    return out.iterator();
  }

  private static Iterator<Row> rewriteFiles(Broadcast<SerializableConfiguration> conf, Broadcast<Set<String>> prints,
      Broadcast<Set<String>> unversioned, Broadcast<List<String>> names, Iterator<Row> files) throws IOException {
    List<Row> out = new ArrayList<>();
    while (files.hasNext()) {
      Row f = files.next();
      ParquetScrub.Outcome o = ParquetScrub.rewrite(conf.value().value(), new Path(f.getString(2)),
          DeltaLogScrub.partitionValues(f.getString(1)), prints == null ? null : prints.value(),
          unversioned == null ? null : unversioned.value(), names == null ? null : names.value());
      out.add(RowFactory.create(f.getString(0), f.getString(1), f.getString(2), o.rows(), o.matched(), o.redacted(),
          o.size(), new String[0]));
    }
    return out.iterator();
  }

  /** Reports and hold keys files that name an erased object (their count grows with runs, not objects). */
  private List<String> plainTextFiles(List<String> names) {
    List<String> out = new ArrayList<>();
    Configuration conf = catalog.spark().sparkContext().hadoopConfiguration();
    for (String folder : TEXT_FOLDERS) {
      Path root = new Path(catalog.locations().hadoopPath(catalog.uriOf(folder)));
      try {
        FileSystem fs = root.getFileSystem(conf);
        if (!fs.exists(root)) continue;
        for (RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true); it.hasNext(); ) {
          Path p = it.next().getPath();
          if (p.getName().startsWith(".") || p.getName().endsWith(".parquet") || p.getName().endsWith(".crc")) continue;
          String text = read(fs, p);
          if (!redactText(text, names).equals(text)) out.add(p.toString());
        }
      } catch (IOException e) {
        throw new LakevaultException(io.lakevault.core.ErrorKind.STORE, "cannot read the catalog's " + folder + ": "
            + e.getMessage(), e);
      }
    }
    return out;
  }

  private void rewritePlain(List<String> files, List<String> names) {
    Configuration conf = catalog.spark().sparkContext().hadoopConfiguration();
    for (String f : files) {
      Path p = new Path(f);
      try {
        FileSystem fs = p.getFileSystem(conf);
        String text = redactText(read(fs, p), names);
        try (OutputStream o = fs.create(p, true)) {
          o.write(text.getBytes(StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        throw new LakevaultException(io.lakevault.core.ErrorKind.STORE, "cannot redact " + f + " (run catalog purge"
            + " again): " + e.getMessage(), e);
      }
    }
  }

  /** Names as written raw and as JSON writes them (a quote or backslash in a key is escaped). */
  static String redactText(String text, List<String> names) {
    List<String> forms = new ArrayList<>(names);
    for (String n : names) {
      String escaped = n.replace("\\", "\\\\").replace("\"", "\\\"");
      if (!escaped.equals(n)) forms.add(escaped);
    }
    return PurgePlanner.redact(text, forms);
  }

  private static String read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toString(StandardCharsets.UTF_8);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
