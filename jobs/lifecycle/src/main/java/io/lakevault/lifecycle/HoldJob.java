package io.lakevault.lifecycle;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.restore.Selector;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogLease;
import io.lakevault.spark.catalog.CatalogTable;
import io.lakevault.spark.lifecycle.LegalHolds;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lakevault hold place|release|list}: legal holds by case (docs/lifecycle.md, "Legal holds").
 *
 * <p>Placing a case records it in {@code holds}, then the packs holding its selected versions in
 * {@code held_packs}, then sets S3's legal hold on each pack and key file: S3 itself then refuses their
 * deletion, whatever role asks, until the hold is removed. Versions archived later that an open case
 * selects are held by the archive run that packs them. Releasing records the release, then removes the
 * S3 hold only from packs no other open case holds. Both take the catalog's run lease and are idempotent:
 * after a crash between S3 calls, the same command finishes the work.
 */
public final class HoldJob {
  private static final Logger LOG = LoggerFactory.getLogger(HoldJob.class);
  private static final Pattern CASE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");

  /** @param by who places it; {@code null}: the caller's identity */
  public record PlaceRequest(String caseId, String reason, String by, Selector selector) {}

  public record ReleaseRequest(String caseId, String reason, String by) {}

  /** What a place or release did. */
  public record Result(String caseId, String action, String selector, long versions, long packs,
      LegalHolds.Outcome holds, long keptForOtherCases, boolean resumed, long disposedSelected) {}

  /** One case as {@code hold list} shows it. */
  public record Case(String caseId, String selector, String reason, String placedBy, Instant placedAt,
      Instant releasedAt, String releasedBy, String releaseReason, long packsHeld, long versionsHeld) {}

  private final Catalog catalog;
  private final Clock clock;

  public HoldJob(Catalog catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  public Result place(PlaceRequest req, String runId) {
    checkCase(req.caseId());
    if (req.reason() == null || req.reason().isBlank()) {
      throw LakevaultException.usage("hold place needs --reason: the record auditors read says why the data is held");
    }
    Selector s = req.selector().validate();
    LegalHolds holds = new LegalHolds(catalog);
    try (CatalogLease lease = CatalogLease.acquire(catalog, runId, "hold", clock)) {
      if (!catalog.exists(CatalogTable.OBJECTS)) {
        throw LakevaultException.usage("nothing is archived yet: the catalog has no objects table (run `lakevault archive`)");
      }
      catalog.ensure(CatalogTable.HOLDS);
      catalog.ensure(CatalogTable.HELD_PACKS);
      catalog.ensure(CatalogTable.OBJECTS);
      catalog.ensure(CatalogTable.PACKS);
      Instant now = clock.instant();
      String keysDigest = null;
      if (s.keysFile() != null) {
        keysDigest = new io.lakevault.spark.Selection(catalog).keysDigest(s.keysFile());
      }
      String canonical = s.canonical(keysDigest);
      Row existing = caseRow(req.caseId());
      boolean resumed = false;
      if (existing != null) {
        if (existing.getAs("released_at") != null) {
          throw LakevaultException.usage("case " + req.caseId() + " was released at " + existing.getAs("released_at")
              + "; a released case is kept as it was: place the hold under a new case id");
        }
        if (!canonical.equals(existing.getAs("selector"))) {
          throw LakevaultException.usage("case " + req.caseId() + " is open with the selection '" + existing.getAs("selector")
              + "', not '" + canonical + "': place the new selection under another case id");
        }
        resumed = true;
        LOG.info("case {} is already open: setting its holds again (a resumed hold place)", req.caseId());
      } else {
        if (s.keysFile() != null) {
          // The case keeps its own copy of the keys: later archive runs select with it, whatever becomes of the file.
          catalog.writeFile(holds.keysCopy(keysDigest), readAll(s.keysFile()));
        }
        Dataset<Row> row = catalog.spark().createDataFrame(List.of(RowFactory.create(req.caseId(), canonical, req.reason(),
            by(req.by()), Timestamp.from(now), runId, null, null, null, null)), CatalogTable.HOLDS.schema());
        catalog.table(CatalogTable.HOLDS).as("t").merge(row.as("s"), "t.case_id = s.case_id")
            .whenNotMatched().insertAll().execute();
      }
      Selector stored = holds.selector(canonical);
      Dataset<Row> selected = holds.selected(stored).persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> packs = holds.packsOf(selected).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        long disposed = selected.where(col("disposed_at").isNotNull()).count();
        long versions = selected.count() - disposed;
        lease.check("set the legal holds of case " + req.caseId());
        LegalHolds.Outcome o = holds.hold(req.caseId(), packs, runId, now);
        return new Result(req.caseId(), "place", canonical, versions, packs.count(), o, 0, resumed, disposed);
      } finally {
        packs.unpersist();
        selected.unpersist();
      }
    }
  }

  public Result release(ReleaseRequest req, String runId) {
    checkCase(req.caseId());
    if (req.reason() == null || req.reason().isBlank()) {
      throw LakevaultException.usage("hold release needs --reason: the record auditors read says why the hold ended");
    }
    LegalHolds holds = new LegalHolds(catalog);
    try (CatalogLease lease = CatalogLease.acquire(catalog, runId, "hold", clock)) {
      Row existing = catalog.exists(CatalogTable.HOLDS) ? caseRow(req.caseId()) : null;
      if (existing == null) {
        List<String> open = new ArrayList<>();
        holds.openCases().forEach(r -> open.add(r.getString(0)));
        throw LakevaultException.usage("no case " + req.caseId() + " in the holds table; open cases: "
            + (open.isEmpty() ? "none" : String.join(", ", open.subList(0, Math.min(open.size(), 20)))));
      }
      Instant now = clock.instant();
      boolean resumed = existing.getAs("released_at") != null;
      if (!resumed) {
        // The release is recorded first: a crash after it leaves packs held longer, never released early.
        catalog.table(CatalogTable.HOLDS).as("t")
            .update(col("case_id").equalTo(lit(req.caseId())).and(col("released_at").isNull()),
                Map.of("released_at", lit(Timestamp.from(now)), "released_by", lit(by(req.by())),
                    "release_reason", lit(req.reason()), "release_run_id", lit(runId)));
      }
      lease.check("remove the legal holds of case " + req.caseId());
      LegalHolds.Release r = holds.release(req.caseId(), now);
      return new Result(req.caseId(), "release", existing.getAs("selector"), 0, r.removed().done() + r.removed().failed()
          + r.keptForOtherCases(), r.removed(), r.keptForOtherCases(), resumed, 0);
    }
  }

  /** Every case (or one), open first, with the packs and versions it holds now. */
  /** The cases, read with Delta Kernel ({@link HeldCases#list}). */
  public List<Case> list(String caseId) {
    return new HeldCases(new io.lakevault.kernel.KernelCatalog(catalog.config())).list(caseId);
  }

  private Row caseRow(String caseId) {
    List<Row> rows = catalog.read(CatalogTable.HOLDS).where(col("case_id").equalTo(caseId)).limit(1).collectAsList();
    return rows.isEmpty() ? null : rows.get(0);
  }

  private byte[] readAll(String uri) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(catalog.locations().hadoopPath(uri));
    try (java.io.InputStream in = p.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration()).open(p)) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw LakevaultException.usage("--keys " + uri + " cannot be read: " + e.getMessage());
    }
  }

  /** Refuses a case id that is not one, before anything starts. */
  public static void checkCase(String caseId) {
    if (caseId == null || !CASE_ID.matcher(caseId).matches()) {
      throw LakevaultException.usage("--case '" + caseId + "' is not a case id: letters, digits and . _ : / -, "
          + "starting with a letter or digit, at most 128 characters (e.g. SEC-2026-0142)");
    }
  }

  /** Who acts: {@code --by}, else the caller's identity (the AWS principal on S3, the OS user locally). */
  private String by(String by) {
    return by != null && !by.isBlank() ? by : io.lakevault.aws.CallerIdentity.of(catalog.config());
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
