package io.lakevault.restore;

import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import java.sql.Timestamp;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the extraction tasks emit: one row per object version (where it went, or why not) and one per
 * pack (bytes read, requests, time). Written under {@code <catalog>/reports/restore/<restore id>/objects/}
 * so every object's outcome can be queried, and so a re-run recognises what it wrote before.
 */
public final class Extracted {
  private Extracted() {}

  static final String OBJECT = "object";
  static final String PACK = "pack";

  /** What became of one object version. */
  public enum State {
    /** Written and verified. */
    RESTORED,
    /** The target already holds exactly this version (an earlier run wrote it). */
    PRESENT,
    /** A different, newer object is at the target; --overwrite replaces it. */
    KEPT_NEWER,
    /** The key cannot be written safely under the target. */
    UNSAFE_KEY,
    /** Reading, verifying or writing failed; the reason says which. */
    FAILED
  }

  static final StructType SCHEMA = new StructType(new StructField[] {
    f("row_type", StringType), f("bucket", StringType), f("key", StringType), f("version_id", StringType),
    f("last_modified_date", TimestampType), f("size", LongType), f("sha256", StringType), f("retention_class", StringType),
    f("pack_id", StringType), f("location", StringType), f("state", StringType), f("reason", StringType),
    f("tag", StringType), f("bytes_read", LongType), f("index_bytes", LongType), f("ranges", LongType),
    f("read_ns", LongType), f("write_ns", LongType),
  });

  private static StructField f(String name, DataType t) {
    return new StructField(name, t, true, Metadata.empty());
  }

  static Row object(Row o, String location, State state, String reason, String tag) {
    return RowFactory.create(OBJECT, o.getAs("bucket"), o.getAs("key"), o.getAs("version_id"),
        o.<Timestamp>getAs("last_modified_date"), o.getAs("size"), o.getAs("sha256"), o.getAs("retention_class"),
        o.getAs("pack_id"), location, state.name(), reason, tag, null, null, null, null, null);
  }

  static Row pack(String packId, String state, String reason, long bytesRead, long indexBytes, long ranges, long readNs,
      long writeNs) {
    return RowFactory.create(PACK, null, null, null, null, null, null, null, packId, null, state, reason, null, bytesRead,
        indexBytes, ranges, readNs, writeNs);
  }
}
