package io.lakevault.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.policy.KeyGlob;
import io.lakevault.core.restore.Selector;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.util.HexFormat;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * A {@link Selector} applied to the catalog's {@code objects} table: the archived versions chosen, as
 * {@code objects} rows. Filters are pushed to Delta (bucket is the partition column; key, size and
 * last-modified have file statistics), so a lookup of one key reads one partition and the few files
 * whose key range holds it.
 *
 * <p>Point-in-time choice is over what the archive holds: the version current at T is the archived
 * version or delete marker of the key with the latest last-modified at or before T (ties broken by
 * version id, so the choice is stable). Versions that were never archived (excluded by the policy)
 * cannot be chosen; docs/restore.md says so.
 */
public final class Selection {
  private final Catalog catalog;

  public Selection(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The chosen versions (delete markers left out). Nothing is read until the dataset is used. */
  public Dataset<Row> apply(Selector s) {
    return withDeleteMarkers(s).where(col("is_delete_marker").equalTo(false));
  }

  /** The chosen versions and delete markers: an erasure removes the markers' rows too, which name the key. */
  public Dataset<Row> withDeleteMarkers(Selector s) {
    if (!catalog.exists(CatalogTable.OBJECTS)) {
      throw LakevaultException.usage("nothing is archived yet: the catalog has no objects table (run `lakevault archive`)");
    }
    Dataset<Row> o = filtered(catalog.read(CatalogTable.OBJECTS), s);
    Dataset<Row> chosen = switch (s.mode()) {
      case VERSION_IDS -> o.where(col("version_id").isin(s.versionIds().toArray()));
      case ALL_VERSIONS -> s.asOf() == null ? o : o.where(col("last_modified_date").leq(lit(Timestamp.from(s.asOf()))));
      case LATEST, AS_OF -> current(o, s.asOf());
    };
    return chosen;
  }

  /** The version of each key current at {@code asOf} (or now), delete markers included. */
  public static Dataset<Row> current(Dataset<Row> objects, java.time.Instant asOf) {
    Dataset<Row> o = asOf == null ? objects : objects.where(col("last_modified_date").leq(lit(Timestamp.from(asOf))));
    return o.withColumn("_rank", row_number().over(Window.partitionBy("bucket", "key")
            .orderBy(col("last_modified_date").desc_nulls_last(), col("version_id").desc_nulls_last())))
        .where(col("_rank").equalTo(1)).drop("_rank");
  }

  /** The filters of every kind but time. */
  public Dataset<Row> filtered(Dataset<Row> o, Selector s) {
    if (!s.buckets().isEmpty()) o = o.where(col("bucket").isin(s.buckets().toArray()));
    if (!s.prefixes().isEmpty()) {
      Column any = lit(false);
      for (Selector.Prefix p : s.parsedPrefixes()) {
        Column c = col("key").startsWith(p.prefix());
        if (p.bucket() != null) c = col("bucket").equalTo(p.bucket()).and(c);
        any = any.or(c);
      }
      o = o.where(any);
    }
    if (!s.classes().isEmpty()) o = o.where(col("retention_class").isin(s.classes().toArray()));
    if (!s.rules().isEmpty()) o = o.where(col("rule_id").isin(s.rules().toArray()));
    if (s.minSize() != null) o = o.where(col("size").geq(s.minSize()));
    if (s.maxSize() != null) o = o.where(col("size").leq(s.maxSize()));
    if (s.modifiedAfter() != null) o = o.where(col("last_modified_date").geq(lit(Timestamp.from(s.modifiedAfter()))));
    if (s.modifiedBefore() != null) o = o.where(col("last_modified_date").lt(lit(Timestamp.from(s.modifiedBefore()))));
    if (!s.globs().isEmpty()) {
      KeyGlob[] globs = s.globs().stream().map(KeyGlob::compile).toArray(KeyGlob[]::new);
      Column any = lit(false);
      for (KeyGlob g : globs) any = any.or(io.lakevault.spark.KeyColumns.glob(col("key"), g));
      o = o.where(any);
    }
    if (s.keysFile() != null) o = withKeys(o, s.keysFile());
    return o;
  }

  /** Keeps the rows whose key is listed in the file (a key alone, or s3://bucket/key). */
  private Dataset<Row> withKeys(Dataset<Row> o, String file) {
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
        .add("k_bucket", "string").add("k_key", "string");
    Dataset<Row> keys = catalog.spark().read().text(catalog.locations().hadoopPath(file))
        .flatMap((org.apache.spark.api.java.function.FlatMapFunction<Row, Row>) r -> {
          Selector.Prefix k = Selector.keyLine(r.getString(0));
          return k == null ? java.util.Collections.emptyIterator()
              : java.util.List.of(org.apache.spark.sql.RowFactory.create(k.bucket(), k.prefix())).iterator();
        }, org.apache.spark.sql.Encoders.row(schema)).distinct();
    return o.join(keys, col("key").equalTo(col("k_key"))
            .and(col("k_bucket").isNull().or(col("bucket").equalTo(col("k_bucket")))), "left_semi");
  }

  /** SHA-256 of the keys file, so a restore request names the file's content, not only its path. */
  public String keysDigest(String file) {
    if (file == null) return null;
    Path p = new Path(catalog.locations().hadoopPath(file));
    try (InputStream in = p.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration()).open(p)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      try (DigestInputStream din = new DigestInputStream(in, d)) {
        din.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (IOException e) {
      throw LakevaultException.usage("--keys " + file + " cannot be read: " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
