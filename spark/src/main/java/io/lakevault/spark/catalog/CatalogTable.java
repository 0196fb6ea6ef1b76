package io.lakevault.spark.catalog;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import io.lakevault.core.lifecycle.TableHistoryPlanner;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Delta tables of the catalog: the one source of truth for their schemas, mirrored in
 * {@code docs/catalog.md} and pinned by {@code CatalogSchemaTest}. A change here is a migration:
 * new nullable columns are added to existing tables on the next run; any other change needs a
 * written migration.
 */
public enum CatalogTable {
  /** S3 Inventory rows, normalized to AWS's ORC/Parquet column names; one partition per report of a bucket. */
  INVENTORY("inventory", List.of("source_bucket", "config_id", "report_date"),
      "S3 Inventory rows with keys decoded, one partition per (source bucket, configuration, report date).",
      f("bucket", StringType, false), f("key", StringType, false), f("version_id", StringType),
      f("is_latest", BooleanType), f("is_delete_marker", BooleanType), f("size", LongType),
      f("last_modified_date", TimestampType), f("e_tag", StringType), f("storage_class", StringType),
      f("is_multipart_uploaded", BooleanType), f("replication_status", StringType),
      f("encryption_status", StringType), f("object_lock_retain_until_date", TimestampType),
      f("object_lock_mode", StringType), f("object_lock_legal_hold_status", StringType),
      f("intelligent_tiering_access_tier", StringType), f("bucket_key_status", StringType),
      f("checksum_algorithm", StringType), f("object_access_control_list", StringType),
      f("object_owner", StringType), f("lifecycle_expiration_date", TimestampType),
      f("source_bucket", StringType, false), f("config_id", StringType, false),
      f("report_time", TimestampType, false), f("report_date", DateType, false),
      f("ingest_run_id", StringType, false)),

  /** One row per ingested report: the ledger the inventory job writes last, after the report's rows. */
  INVENTORY_REPORTS("inventory_reports", List.of(),
      "Every ingested inventory report: its manifest, checksums, counts and change-set totals.",
      f("source_bucket", StringType, false), f("config_id", StringType, false), f("report_time", TimestampType, false),
      f("manifest_uri", StringType, false), f("manifest_md5", StringType, false), f("file_format", StringType, false),
      f("all_versions", BooleanType, false), f("files", IntegerType, false), f("data_bytes", LongType, false),
      f("rows", LongType, false), f("bad_rows", LongType, false), f("previous_report_time", TimestampType),
      f("new_versions", LongType), f("changed", LongType), f("deleted", LongType),
      f("ignored_fields", createArrayType(StringType, false)), f("ingested_at", TimestampType, false),
      f("ingest_run_id", StringType, false)),

  /** Inventory rows that did not parse, with where they were. */
  INVENTORY_QUARANTINE("inventory_quarantine", List.of(),
      "Inventory rows that did not parse: report, data file, row number, the line and the reason.",
      f("source_bucket", StringType, false), f("config_id", StringType, false), f("report_time", TimestampType, false),
      f("file", StringType, false), f("row_number", LongType), f("line", StringType), f("error", StringType, false),
      f("ingest_run_id", StringType, false)),

  /** What changed between a report and the previous report of the same configuration. */
  INVENTORY_CHANGES("inventory_changes", List.of("source_bucket", "config_id", "report_date"),
      "Change sets: object versions new, changed or deleted since the previous report of the same configuration.",
      f("change", StringType, false), f("bucket", StringType, false), f("key", StringType, false),
      f("version_id", StringType), f("is_delete_marker", BooleanType), f("size", LongType),
      f("last_modified_date", TimestampType), f("e_tag", StringType), f("storage_class", StringType),
      f("previous_size", LongType), f("previous_last_modified_date", TimestampType), f("previous_e_tag", StringType),
      f("source_bucket", StringType, false), f("config_id", StringType, false), f("report_time", TimestampType, false),
      f("report_date", DateType, false), f("previous_report_time", TimestampType), f("ingest_run_id", StringType, false)),

  /** One row per object version of the latest inventory and its retention decision. */
  CLASSIFIED("classified", List.of("archive_pending", "retention_class"),
      "Each object version of the latest inventory with its decision (ARCHIVE, EXCLUDE, UNMATCHED), retention class, deciding rule and retain-until, and whether the next archive run must look at it.",
      f("bucket", StringType, false), f("key", StringType, false), f("version_id", StringType),
      f("e_tag", StringType), f("size", LongType), f("last_modified_date", TimestampType),
      f("is_latest", BooleanType), f("is_delete_marker", BooleanType), f("storage_class", StringType),
      f("encryption_status", StringType), f("is_multipart_uploaded", BooleanType), f("checksum_algorithm", StringType),
      f("decision", StringType, false), f("retention_class", StringType), f("rule_id", StringType),
      f("retain_until", TimestampType), f("pack_group", StringType), f("config_id", StringType, false),
      f("report_time", TimestampType, false), f("policy_sha256", StringType, false),
      f("classified_at", TimestampType, false), f("run_id", StringType, false), f("archive_pending", BooleanType)),

  /** Every archived object version and where its bytes are. */
  OBJECTS("objects", List.of("bucket"),
      "Every archived object version: its source identity, SHA-256, retention, the pack entry holding its bytes, and its disposal once retention expiry deleted that pack.",
      f("bucket", StringType, false), f("key", StringType, false), f("version_id", StringType),
      f("e_tag", StringType), f("size", LongType, false), f("last_modified_date", TimestampType),
      f("is_delete_marker", BooleanType, false), f("sha256", StringType), f("content_type", StringType),
      f("user_metadata", createMapType(StringType, StringType)), f("retention_class", StringType, false),
      f("rule_id", StringType), f("retain_until", TimestampType), f("pack_id", StringType), f("entry_ordinal", IntegerType),
      f("entry_offset", LongType), f("entry_length", LongType), f("dedup_ref", StringType),
      f("archived_at", TimestampType, false), f("run_id", StringType, false),
      f("disposed_at", TimestampType), f("disposed_run_id", StringType), f("disposal", StringType),
      f(ContentKey.COLUMN, LongType)),

  /** Every pack file written to the archive. */
  PACKS("packs", List.of(),
      "Every pack: where it is, what it holds, its SHA-256 and the checksum S3 stored, storage class and lock.",
      f("pack_id", StringType, false), f("uri", StringType, false), f("version_id", StringType),
      f("retention_class", StringType, false), f("storage_class", StringType, false),
      f("format_version", IntegerType, false), f("entries", LongType, false), f("original_bytes", LongType, false),
      f("stored_bytes", LongType, false), f("sha256", StringType, false), f("encrypted", BooleanType, false),
      f("kek_ref", StringType), f("references", LongType), f("lock_mode", StringType),
      f("retain_until", TimestampType), f("created_at", TimestampType, false), f("run_id", StringType, false),
      f("key_version_id", StringType), f("checksum", StringType), f("disposal_run_id", StringType),
      f("disposed_at", TimestampType), f("dictionary", BooleanType)),

  /** Legal-hold cases: one row per case, updated when it is released. */
  HOLDS("holds", List.of(),
      "Legal-hold cases: the selection each holds, why, who placed it and when, and its release.",
      f("case_id", StringType, false), f("selector", StringType, false), f("reason", StringType, false),
      f("placed_by", StringType, false), f("placed_at", TimestampType, false), f("place_run_id", StringType, false),
      f("released_at", TimestampType), f("released_by", StringType), f("release_reason", StringType),
      f("release_run_id", StringType)),

  /** Which packs each case holds: the record behind every S3 legal hold lakevault sets or removes. */
  HELD_PACKS("held_packs", List.of(),
      "One row per (case, pack): the pack and key file versions a case put a legal hold on, the selected versions in it, and when the hold was removed.",
      f("case_id", StringType, false), f("pack_id", StringType, false), f("uri", StringType, false),
      f("version_id", StringType), f("key_version_id", StringType), f("versions", LongType, false),
      f("held_at", TimestampType, false), f("run_id", StringType, false), f("hold_removed_at", TimestampType)),

  /** Erasure requests (GDPR Art. 17): one row per request, updated as it completes; no erased name. */
  ERASURES("erasures", List.of(),
      "Erasure requests: why, who asked, when, what the selection was (by its SHA-256 only), and how many versions were erased or refused.",
      f("request_id", StringType, false), f("reason", StringType, false), f("selector_sha256", StringType, false),
      f("requested_by", StringType, false), f("requested_at", TimestampType, false), f("state", StringType, false),
      f("completed_at", TimestampType), f("versions_erased", LongType), f("markers_erased", LongType),
      f("versions_refused", LongType), f("contents_kept", LongType), f("keys_destroyed", LongType),
      f("purge_due", TimestampType), f("purged_at", TimestampType), f("run_id", StringType, false)),

  /** What replaces an erased version's {@code objects} row: the proof of its erasure, naming no object. */
  ERASED_VERSIONS("erased_versions", List.of(),
      "One row per version an erasure request erased, in place of its objects row: a fingerprint, the pack and key slots destroyed, and when.",
      f("request_id", StringType, false), f("version_sha256", StringType, false), f("is_delete_marker", BooleanType, false),
      f("name_pack_id", StringType), f("name_slot", LongType), f("content_pack_id", StringType), f("content_slot", LongType),
      f("content_kept", BooleanType, false), f("planned_at", TimestampType, false), f("erased_at", TimestampType),
      f("run_id", StringType, false)),

  /** One row per job run: the audit trail. */
  RUNS("runs", List.of(),
      "One row per run of any job: who ran what, with which arguments, when, how it ended, and its metrics.",
      f("run_id", StringType, false), f("job", StringType, false),
      f("arguments", createArrayType(StringType, false)), f("config", createMapType(StringType, StringType)),
      f("user", StringType), f("host", StringType), f("lakevault_version", StringType),
      f("started_at", TimestampType, false), f("ended_at", TimestampType), f("status", StringType, false),
      f("error", StringType), f("counts", createMapType(StringType, LongType)), f("bytes", LongType),
      f("metrics", createMapType(StringType, DoubleType))),

  /** Restore requests and the state of each pack they thaw. */
  RESTORES("restores", List.of(),
      "Restore and export requests, one row per (request, pack), with the thaw state of each pack.",
      f("restore_id", StringType, false), f("requested_at", TimestampType, false), f("selector", StringType),
      f("as_of", TimestampType), f("tier", StringType), f("days", IntegerType), f("target", StringType),
      f("pack_id", StringType), f("pack_uri", StringType), f("state", StringType, false),
      f("state_changed_at", TimestampType, false), f("objects", LongType), f("bytes", LongType),
      f("run_id", StringType, false), f("restored", LongType), f("not_restored", LongType),
      f("bytes_restored", LongType), f("bytes_read", LongType), f("phase_seconds", createMapType(StringType, DoubleType)),
      f("report_uri", StringType)),

  /** Restore drills: one row per (drill, class, level), updated as the drill resumes (docs/drills.md). */
  DRILLS("drills", List.of(),
      "Restore drills, one row per (drill, class, level): the sample, the restore's phases, requests and cost, the verification, and whether the class's RTO was met.",
      f("drill_id", StringType, false), f("retention_class", StringType, false), f("level", StringType, false),
      f("seed", LongType, false), f("as_of", TimestampType), f("selectors", createArrayType(StringType, false)),
      f("objects", LongType), f("bytes", LongType), f("packs", LongType), f("tier", StringType),
      f("state", StringType, false), f("reasons", createArrayType(StringType, false)), f("rto_seconds", LongType),
      f("elapsed_seconds", DoubleType), f("met_rto", BooleanType), f("restore_requests", LongType),
      f("get_requests", LongType), f("cost", DoubleType), f("phase_seconds", createMapType(StringType, DoubleType)),
      f("restore_ids", createArrayType(StringType, false)), f("target", StringType), f("started_at", TimestampType, false),
      f("completed_at", TimestampType), f("cleaned_at", TimestampType), f("run_id", StringType, false));

  /**
   * Columns Delta keeps min/max statistics for (data skipping). By default it takes the first 32 columns,
   * which for the wide inventory tables costs a third of the write; lookups filter on these.
   */
  private static final List<String> INVENTORY_STATS = List.of("bucket", "key", "version_id",
      "size", "last_modified_date", "storage_class"); // Delta keeps no statistics for booleans

  private final String tableName;
  private final List<String> partitionColumns;
  private final String description;
  private final StructType schema;

  CatalogTable(String tableName, List<String> partitionColumns, String description, StructField... fields) {
    this.tableName = tableName;
    this.partitionColumns = partitionColumns;
    this.description = description;
    this.schema = new StructType(fields);
  }

  public String tableName() {
    return tableName;
  }

  public List<String> partitionColumns() {
    return partitionColumns;
  }

  public String description() {
    return description;
  }

  public StructType schema() {
    return schema;
  }

  /**
   * Whose history the table holds, which sets how long its removed files stay (docs/catalog.md, "History
   * retention"): the working tables are recomputed from the source lake by the next inventory and classify
   * runs; every other table is the archive's record, time-travelled by auditors.
   */
  public TableHistoryPlanner.Purpose purpose() {
    return switch (this) {
      case INVENTORY, INVENTORY_QUARANTINE, INVENTORY_CHANGES, CLASSIFIED -> TableHistoryPlanner.Purpose.WORKING;
      default -> TableHistoryPlanner.Purpose.AUDIT;
    };
  }

  /** Columns with data-skipping statistics, or empty for Delta's default (the first 32 columns). */
  public List<String> statsColumns() {
    return this == INVENTORY || this == INVENTORY_CHANGES ? INVENTORY_STATS : List.of();
  }

  private static StructField f(String name, DataType type) {
    return new StructField(name, type, true, Metadata.empty());
  }

  private static StructField f(String name, DataType type, boolean nullable) {
    return new StructField(name, type, nullable, Metadata.empty());
  }
}
