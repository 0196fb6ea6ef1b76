package io.lakevault.archive;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
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
  });

  private static StructField f(String name, DataType t) {
    return new StructField(name, t, true, org.apache.spark.sql.types.Metadata.empty());
  }

  static Timestamp ts(Instant t) {
    return t == null ? null : Timestamp.from(t);
  }

  static Row object(String bucket, String key, String versionId, String eTag, long size, Timestamp lastModified,
      boolean deleteMarker, String sha256, String contentType, Map<String, String> meta, String cls,
      Timestamp retainUntil, String packId, Integer ordinal, Long offset, Long length, String dedupRef) {
    return RowFactory.create(OBJECT, bucket, key, versionId, eTag, size, lastModified, deleteMarker, sha256, contentType,
        meta == null ? null : scala.collection.JavaConverters.mapAsScalaMapConverter(meta).asScala(),
        cls, retainUntil, packId, ordinal, offset, length, dedupRef,
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  static Row pack(String packId, String cls, String uri, String versionId, String storageClass, int formatVersion,
      long entries, long originalBytes, long storedBytes, String sha256, boolean encrypted, String kekRef,
      long references, String lockMode, Timestamp retainUntil, Timestamp createdAt) {
    return RowFactory.create(PACK, null, null, null, null, null, null, null, null, null, null, cls, null, packId,
        null, null, null, null, uri, versionId, storageClass, formatVersion, entries, originalBytes, storedBytes, sha256,
        encrypted, kekRef, references, lockMode, retainUntil, createdAt, null);
  }

  static Row skipped(Row source, String reason) {
    return RowFactory.create(SKIPPED, source.getAs("bucket"), source.getAs("key"), source.getAs("version_id"),
        source.getAs("e_tag"), source.getAs("size"), source.getAs("last_modified_date"), false, null, null, null,
        source.getAs("retention_class"), null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, reason);
  }
}
