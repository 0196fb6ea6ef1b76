package io.lakevault.archive;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the pack-writing tasks emit, written to the run's staging folder before anything is committed:
 * one row per archived object ({@code object}), per pack ({@code pack}) and per source skipped because it
 * changed or vanished ({@code skipped}). The commit reads the staging folder, so a crash after the
 * packs are written loses no work: the next run commits what is staged.
 */
final class Staged {
  private Staged() {}

  static final String OBJECT = "object";
  static final String PACK = "pack";
  static final String SKIPPED = "skipped";

  static final StructType SCHEMA = new StructType(new StructField[] {
    f("row_type", StringType),
    f("bucket", StringType), f("key", StringType), f("version_id", StringType), f("e_tag", StringType),
    f("size", LongType), f("last_modified_date", TimestampType), f("is_delete_marker", BooleanType),
    f("sha256", StringType), f("content_type", StringType), f("user_metadata", createMapType(StringType, StringType)),
    f("retention_class", StringType), f("retain_until", TimestampType), f("pack_id", StringType),
    f("entry_ordinal", IntegerType), f("entry_offset", LongType), f("entry_length", LongType), f("dedup_ref", StringType),
    f("pack_uri", StringType), f("pack_version_id", StringType), f("pack_storage_class", StringType),
    f("pack_format_version", IntegerType), f("pack_entries", LongType), f("pack_original_bytes", LongType),
    f("pack_stored_bytes", LongType), f("pack_sha256", StringType), f("pack_encrypted", BooleanType),
    f("pack_kek_ref", StringType), f("pack_references", LongType), f("pack_lock_mode", StringType),
    f("pack_retain_until", TimestampType), f("pack_created_at", TimestampType), f("reason", StringType),
    f("rule_id", StringType), f("pack_key_version_id", StringType), f("pack_checksum", StringType),
    f("pack_dictionary", BooleanType),
  });

  private static StructField f(String name, DataType t) {
    return new StructField(name, t, true, org.apache.spark.sql.types.Metadata.empty());
  }

  /** The {@code packs} table's rows among staged rows. */
  static org.apache.spark.sql.Dataset<Row> packRows(org.apache.spark.sql.Dataset<Row> staged, String runId) {
    return staged.where(col("row_type").equalTo(PACK)).select(
        col("pack_id"), col("pack_uri").as("uri"), col("pack_version_id").as("version_id"), col("retention_class"),
        col("pack_storage_class").as("storage_class"), col("pack_format_version").as("format_version"),
        col("pack_entries").as("entries"), col("pack_original_bytes").as("original_bytes"),
        col("pack_stored_bytes").as("stored_bytes"), col("pack_sha256").as("sha256"), col("pack_encrypted").as("encrypted"),
        col("pack_kek_ref").as("kek_ref"), col("pack_references").as("references"), col("pack_lock_mode").as("lock_mode"),
        col("pack_retain_until").as("retain_until"), col("pack_created_at").as("created_at"), lit(runId).as("run_id"),
        col("pack_key_version_id").as("key_version_id"), col("pack_checksum").as("checksum"),
        lit(null).cast("string").as("disposal_run_id"), lit(null).cast("timestamp").as("disposed_at"),
        col("pack_dictionary").as("dictionary"));
  }

  /** The {@code objects} table's columns of staged object rows. */
  static org.apache.spark.sql.Dataset<Row> objectRows(org.apache.spark.sql.Dataset<Row> objects, Column archivedAt,
      String runId) {
    java.util.List<Column> cols = new java.util.ArrayList<>();
    for (String f : io.lakevault.spark.catalog.CatalogTable.OBJECTS.schema().fieldNames()) {
      cols.add(switch (f) {
        case "archived_at" -> archivedAt.as(f);
        case "run_id" -> lit(runId).as(f);
        case "disposed_at" -> lit(null).cast("timestamp").as(f);
        case "disposed_run_id", "disposal" -> lit(null).cast("string").as(f);
        case io.lakevault.spark.catalog.ContentKey.COLUMN ->
            io.lakevault.spark.catalog.ContentKey.of(col("retention_class"), col("size"), col("e_tag")).as(f);
        default -> col(f);
      });
    }
    return objects.select(cols.toArray(Column[]::new));
  }

  /** Insert-only MERGE keys: a second commit of the same rows adds nothing. */
  static final String OBJECT_KEY = "t.bucket = s.bucket AND t.key = s.key AND t.version_id <=> s.version_id AND t.e_tag <=> s.e_tag";

  static Timestamp ts(Instant t) {
    return t == null ? null : Timestamp.from(t);
  }

  static Row object(String bucket, String key, String versionId, String eTag, long size, Timestamp lastModified,
      boolean deleteMarker, String sha256, String contentType, Map<String, String> meta, String cls,
      Timestamp retainUntil, String packId, Integer ordinal, Long offset, Long length, String dedupRef) {
    return object(bucket, key, versionId, eTag, size, lastModified, deleteMarker, sha256, contentType, meta, cls,
        retainUntil, packId, ordinal, offset, length, dedupRef, null, null);
  }

  /**
   * @param packCreatedAt when the row's pack was written (a catalog rebuild's archived_at), or {@code null}
   * @param ruleId the policy rule that classified the object, or {@code null} (packs do not record it)
   */
  static Row object(String bucket, String key, String versionId, String eTag, long size, Timestamp lastModified,
      boolean deleteMarker, String sha256, String contentType, Map<String, String> meta, String cls,
      Timestamp retainUntil, String packId, Integer ordinal, Long offset, Long length, String dedupRef,
      Timestamp packCreatedAt, String ruleId) {
    return RowFactory.create(OBJECT, bucket, key, versionId, eTag, size, lastModified, deleteMarker, sha256, contentType,
        meta == null ? null : scala.collection.JavaConverters.mapAsScalaMapConverter(meta).asScala(),
        cls, retainUntil, packId, ordinal, offset, length, dedupRef,
        null, null, null, null, null, null, null, null, null, null, null, null, null, packCreatedAt, null, ruleId, null,
        null, null);
  }

  /**
   * @param keyVersionId the version of the pack's key file (the one restores read), or {@code null} when not encrypted
   * @param checksum the checksum S3 stored for the pack version, as {@link #checksum} writes it, or {@code null}
   * @param dictionary whether the pack carries a compression dictionary
   */
  static Row pack(String packId, String cls, String uri, String versionId, String storageClass, int formatVersion,
      long entries, long originalBytes, long storedBytes, String sha256, boolean encrypted, String kekRef,
      long references, String lockMode, Timestamp retainUntil, Timestamp createdAt, String keyVersionId,
      String checksum, boolean dictionary) {
    return RowFactory.create(PACK, null, null, null, null, null, null, null, null, null, null, cls, null, packId,
        null, null, null, null, uri, versionId, storageClass, formatVersion, entries, originalBytes, storedBytes, sha256,
        encrypted, kekRef, references, lockMode, retainUntil, createdAt, null, null, keyVersionId, checksum, dictionary);
  }

  /**
   * The checksum a store holds for a version, as {@code packs.checksum} records it: {@code ALGORITHM:base64}
   * as S3 reports it (a composite one ends in {@code -<parts>}), or {@code null} when it holds none.
   */
  static String checksum(io.lakevault.core.store.ObjectMetadata m) {
    if (m.checksums() == null || m.checksums().isEmpty()) return null;
    var first = m.checksums().entrySet().iterator().next(); // S3 keeps one algorithm per version
    return first.getKey().name() + ":" + first.getValue();
  }

  static Row skipped(Row source, String reason) {
    return RowFactory.create(SKIPPED, source.getAs("bucket"), source.getAs("key"), source.getAs("version_id"),
        source.getAs("e_tag"), source.getAs("size"), source.getAs("last_modified_date"), false, null, null, null,
        source.getAs("retention_class"), null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, reason, source.getAs("rule_id"), null, null, null);
  }
}
