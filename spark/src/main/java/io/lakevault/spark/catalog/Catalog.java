package io.lakevault.spark.catalog;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.Durations;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.lifecycle.TableHistoryPlanner;
import io.lakevault.spark.Locations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Delta catalog under {@code catalog.uri}: one folder per {@link CatalogTable}. Tables are
 * created on first use with the history retention auditors need, and gain new nullable columns
 * when the code defines them.
 */
public final class Catalog {
  private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);
  private final SparkSession spark;
  private final LakevaultConfig config;
  private final Locations locations;

  public Catalog(SparkSession spark, LakevaultConfig config) {
    this.spark = spark;
    this.config = config;
    this.locations = new Locations(config);
  }

  /** The table's location as the user wrote it ({@code s3://...}). */
  public String uri(CatalogTable t) {
    return config.get(Settings.CATALOG_URI) + "/" + t.tableName();
  }

  /** A file of the catalog's own beside its tables (reports, hold keys files), as the user writes URIs. */
  public String uriOf(String relative) {
    return config.get(Settings.CATALOG_URI) + "/" + relative;
  }

  /** The table's location as Hadoop opens it. */
  public String path(CatalogTable t) {
    return locations.hadoopPath(uri(t));
  }

  /**
   * Table properties a catalog table is created with. Delta keeps its log 30 days and removed files 7 days
   * by default, which would cut an auditor's time travel over the catalog to a week: every table keeps its
   * log for {@code catalog.history-retention}, and an audit table its removed files as long; a working
   * table's removed files go after {@code catalog.working-retention} ({@link TableHistoryPlanner}).
   */
  public Map<String, String> tableProperties(CatalogTable t) {
    Duration keep = config.get(Settings.CATALOG_HISTORY_RETENTION);
    Map<String, String> p = new LinkedHashMap<>(TableHistoryPlanner.properties(t.purpose(), keep,
        config.get(Settings.CATALOG_WORKING_RETENTION)));
    p.put("delta.checkpointInterval", "10");
    p.put("lakevault.history-retention", Durations.format(keep));
    p.put("lakevault.history", t.purpose().label());
    return p;
  }

  /** Creates missing tables and adds missing nullable columns; fails on any other schema difference. */
  public void ensureTables() {
    for (CatalogTable t : CatalogTable.values()) {
      ensure(t);
    }
  }

  public void ensure(CatalogTable t) {
    String path = path(t);
    if (!committed(path)) {
      // A log folder with no commit (a creation killed before its first commit) holds nothing anyone
      // could read, yet Delta takes it for a table that then does not exist: remove it so that the table
      // can be created.
      removeUncommittedLog(path);
      DeltaTableBuilder b = DeltaTable.createIfNotExists(spark).location(path).addColumns(t.schema())
          .comment(t.description());
      if (!t.partitionColumns().isEmpty()) {
        b = b.partitionedBy(t.partitionColumns().toArray(new String[0]));
      }
      for (Map.Entry<String, String> e : tableProperties(t).entrySet()) {
        b = b.property(e.getKey(), e.getValue());
      }
      if (!t.statsColumns().isEmpty()) {
        b = b.property("delta.dataSkippingStatsColumns", String.join(",", t.statsColumns()));
      }
      b.execute();
      return;
    }
    StructType actual = DeltaTable.forPath(spark, path).toDF().schema();
    List<String> add = new ArrayList<>();
    for (StructField want : t.schema().fields()) {
      int i = actual.getFieldIndex(want.name()).getOrElse(() -> -1);
      if (i < 0) {
        add.add("`" + want.name() + "` " + want.dataType().sql());
      } else if (!actual.fields()[i].dataType().equals(want.dataType())) {
        throw new LakevaultException(ErrorKind.USAGE, "catalog table " + uri(t) + " has column '" + want.name()
            + "' of type " + actual.fields()[i].dataType().sql() + " but this lakevault expects "
            + want.dataType().sql() + "; the catalog was written by another version, see docs/catalog.md (migrations)");
      }
    }
    if (!add.isEmpty()) {
      spark.sql("ALTER TABLE delta.`" + path + "` ADD COLUMNS (" + String.join(", ", add) + ")");
    }
  }

  /**
   * Rewrites the {@code objects} table sorted by key within each bucket partition, in files of about
   * {@link #OBJECTS_FILE_BYTES}: each file covers its own key range (so the log's per-file statistics skip
   * all but one or two files of a bucket), and inside a file the rows are in key order, so its Parquet
   * row groups of {@link #OBJECTS_ROW_GROUP_BYTES} are ordered too and a reader decodes only the row group
   * that can hold a key. Delta's {@code OPTIMIZE ZORDER BY (key)} does the first but not the
   * second (its files are range-partitioned, unsorted inside), which left Delta Kernel, reading without
   * Spark's vectorized reader, decoding a whole 1.8-million-row file for one key (bench/README.md).
   *
   * <p>One commit, marked {@code dataChange=false} (a rearrangement, as OPTIMIZE's commits are). The
   * rows are read inside the overwrite's own transaction (Delta reads a table being overwritten through
   * that transaction), so a commit by another writer in between fails this one rather than losing rows;
   * the caller also holds the catalog's run lease, so lakevault's own jobs do not append meanwhile.
   *
   * @return files removed and added
   */
  public Map<String, Long> optimizeObjects() {
    if (!exists(CatalogTable.OBJECTS)) return Map.of("files_removed", 0L, "files_added", 0L);
    String path = path(CatalogTable.OBJECTS);
    Row before = spark.sql("DESCRIBE DETAIL delta.`" + path + "`").select("numFiles", "sizeInBytes").first();
    long filesBefore = before.getLong(0);
    if (filesBefore == 0) return Map.of("files_removed", 0L, "files_added", 0L);
    int files = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (before.getLong(1) + OBJECTS_FILE_BYTES - 1) / OBJECTS_FILE_BYTES));
    // Row groups of OBJECTS_ROW_GROUP_BYTES (the session's SQL settings reach the Parquet writer's Hadoop
    // configuration): Delta Kernel 3.3's reader skips row groups by their statistics but not pages (it
    // turns the column-index filter off), so a row group is what a Kernel lookup decodes.
    String rowGroup = "parquet.block.size";
    String rowGroupBefore = spark.conf().get(rowGroup, null);
    spark.conf().set(rowGroup, Long.toString(OBJECTS_ROW_GROUP_BYTES));
    try {
      // The table as stored (not read(), which adds columns a newer version defines): a rearrangement, which
      // also fills in content_key for rows archived before that column (derived from the row's own columns).
      Dataset<Row> rows = spark.read().format("delta").load(path);
      if (java.util.Arrays.asList(rows.columns()).contains(ContentKey.COLUMN)) {
        rows = rows.withColumn(ContentKey.COLUMN, org.apache.spark.sql.functions.coalesce(col(ContentKey.COLUMN),
            ContentKey.of(col("retention_class"), col("size"), col("e_tag"))));
      }
      rows.repartitionByRange(files, col("bucket"), col("key"))
          .sortWithinPartitions("bucket", "key", "last_modified_date")
          .write().format("delta").mode("overwrite").option("dataChange", "false").partitionBy("bucket").save(path);
    } finally {
      if (rowGroupBefore == null) spark.conf().unset(rowGroup); else spark.conf().set(rowGroup, rowGroupBefore);
    }
    long filesAfter = spark.sql("DESCRIBE DETAIL delta.`" + path + "`").select("numFiles").first().getLong(0);
    return Map.of("files_removed", filesBefore, "files_added", filesAfter);
  }

  /**
   * Appends {@code rows} to {@code t} in one commit, at most once per {@code writeId}: Delta records the
   * id in that commit (a SetTransaction action, Delta's idempotent writes) and skips any later append
   * with the same id, so a job that commits again after a crash adds nothing. Unlike an insert-only
   * MERGE, it reads nothing of the table, which for {@code objects} is billions of rows. Each id stays
   * in the table's state (tens of bytes); ids are per run, so that is one per run.
   */
  public void appendOnce(CatalogTable t, Dataset<Row> rows, String writeId) {
    rows.write().format("delta").mode("append").option("txnAppId", writeId).option("txnVersion", 0L).save(path(t));
  }

  /** Target file size of {@link #optimizeObjects}. */
  static final long OBJECTS_FILE_BYTES = 128L << 20;

  /** Parquet row-group size of {@link #optimizeObjects}: about 100,000 rows of {@code objects}. */
  static final long OBJECTS_ROW_GROUP_BYTES = 8L << 20;

  /**
   * Writes a small file beside the tables (a report, a policy), replacing it, all or nothing
   * ({@link io.lakevault.spark.SmallFiles}); {@code uri} as users write it.
   */
  public void writeFile(String uri, byte[] bytes) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(locations.hadoopPath(uri));
    try {
      io.lakevault.spark.SmallFiles.write(p.getFileSystem(spark.sparkContext().hadoopConfiguration()), p, bytes);
    } catch (java.io.IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot write " + uri + ": " + e.getMessage(), e);
    }
  }

  /** A small file beside the tables, or {@code null} when there is none; {@code uri} as users write it. */
  public byte[] readFile(String uri) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(locations.hadoopPath(uri));
    try (java.io.InputStream in = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(p)) {
      return in.readAllBytes();
    } catch (java.io.FileNotFoundException e) {
      return null;
    } catch (java.io.IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Whether a file or folder exists at {@code uri}. */
  public boolean fileExists(String uri) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(locations.hadoopPath(uri));
    try {
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    } catch (java.io.IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /** Whether the table has been created. */
  public boolean exists(CatalogTable t) {
    return committed(path(t));
  }

  /** Removes a {@code _delta_log} folder that {@link #committed} found without a commit. */
  private void removeUncommittedLog(String path) {
    org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(path, "_delta_log");
    try {
      org.apache.hadoop.fs.FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(log)) {
        LOG.warn("{} has no commit (its creation was interrupted):"
            + " removing it to create the table", log);
        fs.delete(log, true);
      }
    } catch (java.io.IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot remove the uncommitted " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether a Delta table at {@code path} has a commit or checkpoint. Not {@code DeltaTable.isDeltaTable},
   * which looks for the {@code _delta_log} folder only: a run killed while creating a table leaves that
   * folder without a commit, which isDeltaTable calls a table and every read then calls missing
   * ({@code DELTA_TABLE_NOT_FOUND}), so the next run could never create it.
   */
  private boolean committed(String path) {
    org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(path, "_delta_log");
    try {
      org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.FileStatus> files =
          log.getFileSystem(spark.sparkContext().hadoopConfiguration()).listStatusIterator(log);
      while (files.hasNext()) {
        if (files.next().getPath().getName().matches("\\d{20}\\.(json|checkpoint\\..*parquet)")) return true;
      }
      return false;
    } catch (java.io.FileNotFoundException e) {
      return false;
    } catch (java.io.IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot list " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * The table as this version of lakevault knows it: columns a newer version added, which a catalog written
   * by an older one gains on its next write ({@link #ensure}), read as nulls until then, so that read-only
   * commands (verify, find, restore) work on such a catalog without writing to it.
   */
  public Dataset<Row> read(CatalogTable t) {
    return withKnownColumns(t, spark.read().format("delta").load(path(t)));
  }

  /** The table at one version, as {@link #read(CatalogTable)} gives it: a run that must not see a later writer's rows. */
  public Dataset<Row> read(CatalogTable t, long version) {
    return withKnownColumns(t, spark.read().format("delta").option("versionAsOf", version).load(path(t)));
  }

  private static Dataset<Row> withKnownColumns(CatalogTable t, Dataset<Row> df) {
    StructType actual = df.schema();
    for (StructField want : t.schema().fields()) {
      if (actual.getFieldIndex(want.name()).isEmpty() && want.nullable()) {
        df = df.withColumn(want.name(), org.apache.spark.sql.functions.lit(null).cast(want.dataType()));
      }
    }
    return df;
  }

  public DeltaTable table(CatalogTable t) {
    return DeltaTable.forPath(spark, path(t));
  }

  /** How this catalog's configuration maps URIs to Hadoop paths. */
  public Locations locations() {
    return locations;
  }

  public SparkSession spark() {
    return spark;
  }

  public LakevaultConfig config() {
    return config;
  }
}
