package io.lakevault.spark.lifecycle;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.substring_index;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.S3Uri;
import io.lakevault.spark.Selection;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Legal holds on packs: which packs a case's selection needs, the {@code held_packs} record written before
 * any S3 call, and the S3 legal holds themselves, set and removed from the executors (a call per pack and
 * key file; nothing on the driver grows with packs). Shared by {@code hold} and by the archive job, which
 * holds the packs it writes for versions an open case selects.
 *
 * <p>A version's bytes are in {@code objects.pack_id}; a deduplicated version's reference record is in
 * the pack named by its {@code dedup_ref}. Both are held: the bytes for the evidence, the reference for a
 * catalog rebuild.
 */
public final class LegalHolds {
  private final Catalog catalog;

  public LegalHolds(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Open cases: case id and selector, a few rows (cases do not grow with objects). */
  public List<Row> openCases() {
    if (!catalog.exists(CatalogTable.HOLDS)) return List.of();
    return catalog.read(CatalogTable.HOLDS).where(col("released_at").isNull()).select("case_id", "selector")
        .collectAsList();
  }

  /** The selection a case holds, with its keys file (if any) read from the catalog's copy. */
  public Selector selector(String canonical) {
    return Selector.parseCanonical(canonical, digest -> keysCopy(digest));
  }

  /** Where a case's keys file is kept, by the SHA-256 of its content. */
  public String keysCopy(String sha256) {
    return catalog.uriOf("holds/keys/" + sha256 + ".txt");
  }

  /**
   * Packs (not disposed) holding a selected version's bytes or reference record, with how many selected
   * versions each holds: pack_id, uri, version_id, key_version_id, versions.
   */
  public Dataset<Row> packsOf(Dataset<Row> selected) {
    Dataset<Row> pairs = selected.where(col("disposed_at").isNull())
        .select(explode(array(col("pack_id"), substring_index(col("dedup_ref"), "#", 1))).as("h_pack"))
        .where(col("h_pack").isNotNull())
        .groupBy("h_pack").agg(count(lit(1)).as("versions"));
    return catalog.read(CatalogTable.PACKS).where(col("disposed_at").isNull())
        .join(pairs, col("pack_id").equalTo(col("h_pack")))
        .select(col("pack_id"), col("uri"), col("version_id"), col("key_version_id"), col("versions"));
  }

  /** The versions a case selects now (archived, not disposed, delete markers left out). */
  public Dataset<Row> selected(Selector s) {
    return new Selection(catalog).apply(s);
  }

  /** What a round of S3 legal-hold calls did: packs done, packs whose calls failed, and a few of the failures. */
  public record Outcome(long done, long failed, List<String> examples) {}

  /**
   * Records the case's packs in {@code held_packs} (insert-only: a pack already recorded for the case keeps
   * its row), then sets the S3 legal hold on each of them and on its key file. Idempotent: after a crash the
   * same call sets the same holds again.
   *
   * @param packs pack_id, uri, version_id, key_version_id, versions (see {@link #packsOf}); persisted by the caller
   */
  public Outcome hold(String caseId, Dataset<Row> packs, String runId, Instant now) {
    catalog.ensure(CatalogTable.HELD_PACKS);
    Dataset<Row> rows = packs.select(lit(caseId).as("case_id"), col("pack_id"), col("uri"), col("version_id"),
        col("key_version_id"), col("versions"), lit(Timestamp.from(now)).as("held_at"), lit(runId).as("run_id"),
        lit(null).cast("timestamp").as("hold_removed_at"));
    // Recorded before the first S3 call: every hold lakevault sets has its row.
    catalog.table(CatalogTable.HELD_PACKS).as("t")
        .merge(rows.as("s"), "t.case_id = s.case_id AND t.pack_id = s.pack_id")
        .whenNotMatched().insertAll()
        .execute();
    Dataset<Row> results = setHolds(packs, true);
    try {
      return outcome(results);
    } finally {
      results.unpersist();
    }
  }

  /**
   * Removes the S3 legal hold from the released case's packs that no open case still holds, and records it
   * ({@code hold_removed_at}, on every released case's row for those packs). A pack whose call failed stays
   * pending; the same release, run again, retries it.
   */
  public Release release(String caseId, Instant now) {
    Dataset<Row> all = catalog.read(CatalogTable.HELD_PACKS);
    Dataset<Row> open = catalog.read(CatalogTable.HOLDS).where(col("released_at").isNull()).select(col("case_id").as("o_case"));
    Dataset<Row> stillNeeded = all.where(col("hold_removed_at").isNull())
        .join(open, col("case_id").equalTo(col("o_case")), "left_semi").select(col("pack_id").as("n_pack_id")).distinct();
    Dataset<Row> mine = all.where(col("case_id").equalTo(caseId).and(col("hold_removed_at").isNull()));
    long kept = mine.join(stillNeeded, col("pack_id").equalTo(col("n_pack_id")), "left_semi").count();
    Dataset<Row> free = mine.join(stillNeeded, col("pack_id").equalTo(col("n_pack_id")), "left_anti");
    Dataset<Row> results = setHolds(free, false);
    try {
      Outcome o = outcome(results);
      if (o.done() > 0) {
        Dataset<Row> released = catalog.read(CatalogTable.HOLDS).where(col("released_at").isNotNull())
            .select(col("case_id").as("r_case"));
        Dataset<Row> updates = all.where(col("hold_removed_at").isNull())
            .join(released, col("case_id").equalTo(col("r_case")), "left_semi")
            .join(results.where(col("error").isNull()).select(col("pack_id").as("d_pack_id")),
                col("pack_id").equalTo(col("d_pack_id")), "left_semi")
            .select(col("case_id").as("s_case"), col("pack_id").as("s_pack"));
        catalog.table(CatalogTable.HELD_PACKS).as("t")
            .merge(updates.as("s"), "t.case_id = s.s_case AND t.pack_id = s.s_pack")
            .whenMatched("t.hold_removed_at IS NULL")
            .updateExpr(Map.of("hold_removed_at", "timestamp'" + Timestamp.from(now) + "'"))
            .execute();
      }
      return new Release(o, kept);
    } finally {
      results.unpersist();
    }
  }

  /** The outcome of a release: holds removed, and packs kept held because another open case needs them. */
  public record Release(Outcome removed, long keptForOtherCases) {}

  private static Outcome outcome(Dataset<Row> results) {
    long failed = results.where(col("error").isNotNull()).count();
    long done = results.count() - failed;
    List<String> examples = new ArrayList<>();
    if (failed > 0) {
      for (Row r : results.where(col("error").isNotNull()).limit(10).collectAsList()) examples.add(r.getString(1));
    }
    return new Outcome(done, failed, examples);
  }

  /**
   * Sets or removes the S3 legal hold on each row's pack version and key-file version, from the executors.
   * Rows: pack_id, uri, version_id, key_version_id. Returns pack_id and the error (null when both calls
   * succeeded), persisted: the caller unpersists it.
   */
  private Dataset<Row> setHolds(Dataset<Row> packs, boolean on) {
    LakevaultConfig config = catalog.config();
    StructType schema = new StructType().add("pack_id", "string").add("error", "string");
    Dataset<Row> out = packs.select("pack_id", "uri", "version_id", "key_version_id")
        .mapPartitions((MapPartitionsFunction<Row, Row>) it -> {
          List<Row> results = new ArrayList<>();
          try (ObjectStore store = ObjectStores.open(config)) {
            while (it.hasNext()) {
              Row r = it.next();
              S3Uri u = S3Uri.parse(r.getString(1));
              List<ObjectRef> refs = new ArrayList<>();
              refs.add(new ObjectRef(u.bucket(), u.key(), r.getString(2)));
              if (!r.isNullAt(3)) refs.add(new ObjectRef(u.bucket(), u.key() + PackFormat.KEY_FILE_SUFFIX, r.getString(3)));
              String error = null;
              for (ObjectRef ref : refs) {
                try {
                  store.putLegalHold(ref, on);
                } catch (ObjectStoreException e) {
                  error = (on ? "set" : "remove") + " the legal hold of " + ref + ": " + e.getMessage();
                  break;
                }
              }
              results.add(RowFactory.create(r.getString(0), error));
            }
          }
          return results.iterator();
        }, Encoders.row(schema))
        .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    out.count(); // the calls are made once, here
    return out;
  }
}
