package io.lakevault.core.inventory;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The fields of an S3 Inventory report: the name in a CSV {@code fileSchema}, the ORC/Parquet column
 * name, and the type (S3 user guide, "Amazon S3 Inventory list"; see ../shared/reference/aws-facts.md §1.4).
 * {@code Bucket} and {@code Key} are always present; {@code VersionId}, {@code IsLatest} and
 * {@code IsDeleteMarker} come with all-versions reports; the rest are the 16 optional fields.
 */
public enum InventoryField {
  BUCKET("Bucket", "bucket", Type.STRING, false),
  KEY("Key", "key", Type.STRING, false),
  VERSION_ID("VersionId", "version_id", Type.STRING, false),
  IS_LATEST("IsLatest", "is_latest", Type.BOOLEAN, false),
  IS_DELETE_MARKER("IsDeleteMarker", "is_delete_marker", Type.BOOLEAN, false),
  SIZE("Size", "size", Type.LONG, true),
  LAST_MODIFIED_DATE("LastModifiedDate", "last_modified_date", Type.TIMESTAMP, true),
  E_TAG("ETag", "e_tag", Type.STRING, true),
  STORAGE_CLASS("StorageClass", "storage_class", Type.STRING, true),
  IS_MULTIPART_UPLOADED("IsMultipartUploaded", "is_multipart_uploaded", Type.BOOLEAN, true),
  REPLICATION_STATUS("ReplicationStatus", "replication_status", Type.STRING, true),
  ENCRYPTION_STATUS("EncryptionStatus", "encryption_status", Type.STRING, true),
  OBJECT_LOCK_RETAIN_UNTIL_DATE("ObjectLockRetainUntilDate", "object_lock_retain_until_date", Type.TIMESTAMP, true),
  OBJECT_LOCK_MODE("ObjectLockMode", "object_lock_mode", Type.STRING, true),
  OBJECT_LOCK_LEGAL_HOLD_STATUS("ObjectLockLegalHoldStatus", "object_lock_legal_hold_status", Type.STRING, true),
  INTELLIGENT_TIERING_ACCESS_TIER("IntelligentTieringAccessTier", "intelligent_tiering_access_tier", Type.STRING, true),
  BUCKET_KEY_STATUS("BucketKeyStatus", "bucket_key_status", Type.STRING, true),
  CHECKSUM_ALGORITHM("ChecksumAlgorithm", "checksum_algorithm", Type.STRING, true),
  OBJECT_ACCESS_CONTROL_LIST("ObjectAccessControlList", "object_access_control_list", Type.STRING, true),
  OBJECT_OWNER("ObjectOwner", "object_owner", Type.STRING, true),
  LIFECYCLE_EXPIRATION_DATE("LifecycleExpirationDate", "lifecycle_expiration_date", Type.TIMESTAMP, true);

  /** Value types as AWS writes them in ORC/Parquet; CSV carries them all as text. */
  public enum Type { STRING, BOOLEAN, LONG, TIMESTAMP }

  private final String csvName;
  private final String column;
  private final Type type;
  private final boolean optional;

  InventoryField(String csvName, String column, Type type, boolean optional) {
    this.csvName = csvName;
    this.column = column;
    this.type = type;
    this.optional = optional;
  }

  /** The name in a CSV {@code fileSchema} and in the configuration's OptionalFields. */
  public String csvName() {
    return csvName;
  }

  /** The ORC/Parquet column name, which the catalog's inventory table keeps. */
  public String column() {
    return column;
  }

  public Type type() {
    return type;
  }

  /** One of the 16 optional fields of an inventory configuration. */
  public boolean optional() {
    return optional;
  }

  /** A field whose values are names from a fixed list (storage class, lock mode, ...), kept upper-case. */
  public boolean enumerated() {
    return switch (this) {
      case STORAGE_CLASS, REPLICATION_STATUS, ENCRYPTION_STATUS, OBJECT_LOCK_MODE, OBJECT_LOCK_LEGAL_HOLD_STATUS,
          INTELLIGENT_TIERING_ACCESS_TIER, BUCKET_KEY_STATUS, CHECKSUM_ALGORITHM -> true;
      default -> false;
    };
  }

  /**
   * The values AWS documents for an enumerated field, in the canonical form the catalog keeps (upper
   * case, checksum algorithms without '-'); empty for fields that are not enumerations. Values outside
   * this list are still accepted and normalized; the list only lets readers skip the work for the
   * values reports normally carry.
   */
  public List<String> canonicalValues() {
    return switch (this) {
      case STORAGE_CLASS -> List.of("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
          "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW");
      case REPLICATION_STATUS -> List.of("PENDING", "COMPLETED", "FAILED", "REPLICA");
      case ENCRYPTION_STATUS -> List.of("SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C", "NOT-SSE");
      case OBJECT_LOCK_MODE -> List.of("GOVERNANCE", "COMPLIANCE");
      case OBJECT_LOCK_LEGAL_HOLD_STATUS -> List.of("ON", "OFF");
      case INTELLIGENT_TIERING_ACCESS_TIER -> List.of("FREQUENT", "INFREQUENT", "ARCHIVE_INSTANT_ACCESS", "ARCHIVE",
          "DEEP_ARCHIVE");
      case BUCKET_KEY_STATUS -> List.of("ENABLED", "DISABLED");
      case CHECKSUM_ALGORITHM -> List.of("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256");
      default -> List.of();
    };
  }

  /** Looks a field up by its CSV name or its column name, ignoring case. */
  public static Optional<InventoryField> byName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (InventoryField f : values()) {
      if (f.csvName.toLowerCase(Locale.ROOT).equals(n) || f.column.equals(n)) return Optional.of(f);
    }
    return Optional.empty();
  }
}
