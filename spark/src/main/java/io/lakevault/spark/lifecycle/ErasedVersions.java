package io.lakevault.spark.lifecycle;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;

import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The fingerprints of erased versions ({@code erased_versions.version_sha256}): shared by {@code erase},
 * which writes them, and the archive job, which must not archive an erased version again while an
 * inventory still lists it (docs/lifecycle.md, "Erasure").
 */
public final class ErasedVersions {
  private ErasedVersions() {}

  /** SHA-256 of bucket, key and version id ({@code null} for the null version), joined by newlines. */
  public static Column sha256(Column bucket, Column key, Column versionId) {
    return sha2(concat_ws("\n", bucket, key, coalesce(versionId, lit("null"))), 256);
  }

  /**
   * Which of these exact versions (bucket, key, version id; {@code null} for the null version) an erasure
   * request erased: one line each, naming the version (the caller named it), when and by which request.
   */
  public static java.util.List<String> erased(Catalog catalog, java.util.List<String[]> versions) {
    if (versions.isEmpty() || !catalog.exists(CatalogTable.ERASED_VERSIONS)) return java.util.List.of();
    java.util.List<Row> rows = new java.util.ArrayList<>();
    for (String[] v : versions) rows.add(org.apache.spark.sql.RowFactory.create(v[0], v[1], v[2]));
    Dataset<Row> asked = catalog.spark().createDataFrame(rows, new org.apache.spark.sql.types.StructType()
        .add("bucket", "string").add("key", "string").add("version_id", "string"));
    java.util.List<String> out = new java.util.ArrayList<>();
    for (Row r : asked.join(catalog.read(CatalogTable.ERASED_VERSIONS).where(col("erased_at").isNotNull()),
            sha256(col("bucket"), col("key"), col("version_id")).equalTo(col("version_sha256")))
        .select("bucket", "key", "version_id", "erased_at", "request_id").orderBy("bucket", "key").collectAsList()) {
      out.add("s3://" + r.getString(0) + "/" + r.getString(1) + (r.isNullAt(2) ? "" : " (version " + r.getString(2) + ")")
          + " was erased on " + r.getTimestamp(3).toInstant() + " by request " + r.getString(4));
    }
    return out;
  }

  /** Every version an erasure request planned or completed, as {@code e_sha}; {@code null} when none ever ran. */
  public static Dataset<Row> fingerprints(Catalog catalog) {
    if (!catalog.exists(CatalogTable.ERASED_VERSIONS)) return null;
    return catalog.read(CatalogTable.ERASED_VERSIONS).select(col("version_sha256").as("e_sha")).distinct();
  }
}
