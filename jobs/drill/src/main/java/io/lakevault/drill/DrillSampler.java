package io.lakevault.drill;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;

import io.lakevault.core.drill.DrillPlan;
import io.lakevault.core.drill.DrillPlan.Level;
import io.lakevault.core.restore.Selector;
import io.lakevault.spark.Selection;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Draws one (class, level) sample from the catalog: the time it is restored as of (seeded, anywhere in the
 * class's archived history) and the objects, prefixes or buckets current then, taken in the order of a
 * seeded hash and bounded by {@code drill.max-bytes}. Only the few candidates of a level reach the driver.
 */
final class DrillSampler {
  /** Candidates looked at per unit wanted: the first ones may be over the byte bound. */
  private static final int CANDIDATES_PER_UNIT = 8;

  /** A sample: one selector per bucket (an S3 target holds one bucket per restore), or why there is none. */
  record Sample(Instant asOf, List<Selector> selectors, String skipped) {}

  private final Catalog catalog;

  DrillSampler(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The class's archived versions that still exist (not disposed), delete markers included. */
  Dataset<Row> classVersions(String retentionClass) {
    return catalog.read(CatalogTable.OBJECTS).where(col("retention_class").equalTo(retentionClass)
        .and(col("disposed_at").isNull()));
  }

  /** The first archived version of each class (one query per class, shared by its levels); absent: none archived. */
  private final Map<String, java.util.Optional<Instant>> earliest = new java.util.HashMap<>();

  Sample sample(String retentionClass, Level level, long seed, long maxBytes, Instant now) {
    Dataset<Row> versions = classVersions(retentionClass);
    java.util.Optional<Instant> first = earliest.computeIfAbsent(retentionClass, c -> {
      Row r = versions.where(col("is_delete_marker").equalTo(false)).agg(min("last_modified_date")).first();
      return r.isNullAt(0) ? java.util.Optional.empty() : java.util.Optional.of(r.getTimestamp(0).toInstant());
    });
    if (first.isEmpty()) return new Sample(null, List.of(), "nothing of class " + retentionClass + " is archived");
    Instant asOf = DrillPlan.asOf(seed, retentionClass, level, first.get(), now);
    Dataset<Row> current = Selection.current(versions, asOf).where(col("is_delete_marker").equalTo(false));
    UserDefinedFunction rank = udf((UDF1<String, Long>) unit -> DrillPlan.rank(seed, retentionClass, level, unit),
        DataTypes.LongType);
    int want = level.units();
    List<Selector> selectors = new ArrayList<>();
    if (level.byVersion()) {
      // A version is named by its key and its id: in a bucket that was never versioned every id is "null".
      Map<String, List<String>> keys = new TreeMap<>();
      Map<String, List<String>> ids = new TreeMap<>();
      long bytes = 0;
      int taken = 0;
      for (Row r : current.where(col("size").leq(maxBytes))
          .withColumn("_rank", rank.apply(org.apache.spark.sql.functions.concat(col("bucket"), lit("/"), col("key"))))
          .orderBy("_rank").limit(want * CANDIDATES_PER_UNIT).select("bucket", "key", "version_id", "size").collectAsList()) {
        if (taken == want || bytes + r.getLong(3) > maxBytes) continue;
        keys.computeIfAbsent(r.getString(0), b -> new ArrayList<>()).add(r.getString(1));
        ids.computeIfAbsent(r.getString(0), b -> new ArrayList<>()).add(r.getString(2));
        bytes += r.getLong(3);
        taken++;
      }
      keys.forEach((b, k) -> selectors.add(new Selector(List.of(b), k, null, List.of(), List.of(retentionClass), List.of(),
          null, null, null, null, null, ids.get(b).stream().distinct().toList(), false)));
    } else if (level.byPrefix()) {
      // Candidate folders, then their whole size (a folder's selection takes the folders below it too).
      UserDefinedFunction parent = udf((UDF1<String, String>) DrillPlan::parent, DataTypes.StringType);
      Dataset<Row> candidates = current.select(col("bucket").as("p_bucket"), parent.apply(col("key")).as("p_prefix"))
          .distinct().withColumn("_rank", rank.apply(org.apache.spark.sql.functions.concat(col("p_bucket"), lit("/"),
              col("p_prefix")))).orderBy("_rank").limit(want * CANDIDATES_PER_UNIT);
      List<Row> sized = current.join(org.apache.spark.sql.functions.broadcast(candidates),
              col("bucket").equalTo(col("p_bucket")).and(col("key").startsWith(col("p_prefix"))))
          .groupBy("p_bucket", "p_prefix", "_rank").agg(sum("size"), count(lit(1))).orderBy("_rank").collectAsList();
      Map<String, List<String>> prefixes = new TreeMap<>();
      long bytes = 0;
      int taken = 0;
      for (Row r : sized) {
        long size = r.getLong(3);
        if (taken == want || bytes + size > maxBytes) continue;
        prefixes.computeIfAbsent(r.getString(0), b -> new ArrayList<>()).add(r.getString(1));
        bytes += size;
        taken++;
      }
      prefixes.forEach((b, p) -> selectors.add(new Selector(List.of(b), p, null, List.of(), List.of(retentionClass),
          List.of(), null, null, null, null, asOf, List.of(), false)));
    } else {
      long bytes = 0;
      int taken = 0;
      for (Row r : current.groupBy("bucket").agg(sum("size")).withColumn("_rank", rank.apply(col("bucket")))
          .orderBy("_rank").limit(want * CANDIDATES_PER_UNIT).collectAsList()) {
        long size = r.getLong(1);
        if (taken == want || bytes + size > maxBytes) continue;
        selectors.add(new Selector(List.of(r.getString(0)), List.of(), null, List.of(), List.of(retentionClass), List.of(),
            null, null, null, null, asOf, List.of(), false));
        bytes += size;
        taken++;
      }
      if (level == Level.BUCKETS && selectors.size() < 2) {
        return new Sample(asOf, List.of(), selectors.isEmpty()
            ? "no bucket of class " + retentionClass + " holds at most drill.max-bytes (" + maxBytes + " bytes) as of " + asOf
            : "fewer than two buckets of class " + retentionClass + " fit drill.max-bytes (" + maxBytes + " bytes) as of "
                + asOf);
      }
    }
    if (selectors.isEmpty()) {
      return new Sample(asOf, List.of(), "no " + level.cliName() + " of class " + retentionClass
          + " existing as of " + asOf + " fits drill.max-bytes (" + maxBytes + " bytes)");
    }
    return new Sample(asOf, List.copyOf(selectors), null);
  }

  /**
   * What the catalog says a selector holds, computed apart from the restore's own selection: a version of
   * the class is there at T when it is no delete marker, was modified by T and no other version or delete
   * marker of its key in the class came after it by T. (The restore picks the same with a window function.)
   */
  Dataset<Row> expected(Selector s, String retentionClass) {
    Dataset<Row> o = new Selection(catalog).filtered(classVersions(retentionClass), s);
    if (s.mode() == Selector.Mode.VERSION_IDS) {
      // As the restore selects: each named key is a prefix, so a longer key with the same id (only "null" repeats,
      // in an unversioned bucket) is restored and checked too.
      return o.where(col("version_id").isin(s.versionIds().toArray()).and(col("is_delete_marker").equalTo(false)));
    }
    Timestamp t = Timestamp.from(s.asOf());
    Dataset<Row> upTo = o.where(col("last_modified_date").leq(lit(t)));
    Dataset<Row> later = upTo.select(col("bucket").as("l_bucket"), col("key").as("l_key"),
        col("last_modified_date").as("l_modified"), col("version_id").as("l_version"));
    Column newer = col("l_bucket").equalTo(col("bucket")).and(col("l_key").equalTo(col("key")))
        .and(col("l_modified").gt(col("last_modified_date"))
            .or(col("l_modified").equalTo(col("last_modified_date")).and(col("l_version").gt(col("version_id")))));
    return upTo.join(later, newer, "left_anti").where(col("is_delete_marker").equalTo(false));
  }
}
