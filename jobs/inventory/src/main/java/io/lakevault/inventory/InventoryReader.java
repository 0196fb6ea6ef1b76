package io.lakevault.inventory;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.inventory.CsvInventoryParser;
import io.lakevault.core.inventory.InventoryField;
import io.lakevault.core.inventory.InventoryFormat;
import io.lakevault.core.inventory.InventoryManifest;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.spark.InventoryColumns;
import io.lakevault.spark.Locations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads one report into rows of one shape, whatever its format: every inventory column, typed and
 * canonical, plus why a row did not parse ({@code _error}, null for good rows) and where it came from
 * ({@code _file}, {@code _row}, {@code _line}; CSV fills them for bad rows only, ORC and Parquet give
 * the file). Data-file checks run on the executors.
 */
final class InventoryReader {
  static final String FILE = "_file";
  static final String ROW = "_row";
  static final String LINE = "_line";
  static final String ERROR = "_error";

  private InventoryReader() {}

  /** The rows' shape: the inventory columns in {@link InventoryField} order, then the provenance columns. */
  static StructType stagingSchema() {
    return InventoryColumns.schema(false).add(FILE, DataTypes.StringType, true).add(ROW, DataTypes.LongType, true)
        .add(LINE, DataTypes.StringType, true).add(ERROR, DataTypes.StringType, true);
  }

  // ------------------------------------------------------------------ verification

  /**
   * Checks every data file's size and MD5 against the manifest, on the executors (one task per few
   * files), and fails naming the files that differ. Nothing of the report is read before this passes.
   *
   * @return the total bytes of the data files
   */
  static long verifyDataFiles(SparkSession spark, LakevaultConfig config, ResolvedReport report) {
    List<InventoryManifest.DataFile> files = report.manifest().files();
    String bucket = report.dataBucket();
    JavaRDD<InventoryManifest.DataFile> rdd = new JavaSparkContext(spark.sparkContext())
        .parallelize(files, Math.max(1, Math.min(files.size(), spark.sparkContext().defaultParallelism() * 4)));
    List<String> problems = rdd.mapPartitions(it -> {
      List<String> out = new ArrayList<>();
      try (ObjectStore store = ObjectStores.open(config)) {
        while (it.hasNext()) {
          String p = check(store, bucket, it.next());
          if (p != null) out.add(p);
        }
      }
      return out.iterator();
    }).collect();
    if (!problems.isEmpty()) {
      throw LakevaultException.input("report " + report.manifestUri() + " has " + problems.size() + " damaged data file"
          + (problems.size() == 1 ? "" : "s") + ": " + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
          + (problems.size() > 5 ? "; ..." : "") + ". Nothing was committed; re-deliver the report or choose another");
    }
    return files.stream().mapToLong(InventoryManifest.DataFile::size).sum();
  }

  private static String check(ObjectStore store, String bucket, InventoryManifest.DataFile f) {
    String uri = "s3://" + bucket + "/" + f.key();
    MessageDigest md5 = ReportResolver.md5();
    long size = 0;
    try (InputStream in = new DigestInputStream(store.get(ObjectRef.of(bucket, f.key())), md5)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) size += n;
    } catch (ObjectStoreException e) {
      return uri + " cannot be read (" + e.reason() + ": " + e.getMessage() + ")";
    } catch (IOException e) {
      return uri + " cannot be read (" + e.getMessage() + ")";
    }
    if (size != f.size()) {
      return uri + " is " + size + " bytes but the manifest says " + f.size() + (size < f.size() ? " (truncated)" : "");
    }
    String actual = HexFormat.of().formatHex(md5.digest());
    if (!actual.equals(f.md5())) {
      return uri + " has MD5 " + actual + " but the manifest says " + f.md5();
    }
    return null;
  }

  // ------------------------------------------------------------------ reading

  static Dataset<Row> read(SparkSession spark, LakevaultConfig config, ResolvedReport report) {
    return report.manifest().format() == InventoryFormat.CSV ? readCsv(spark, config, report)
        : readTyped(spark, config, report);
  }

  /** CSV: our own parser, one task per (gzip, unsplittable) file, so every bad row keeps its line number. */
  private static Dataset<Row> readCsv(SparkSession spark, LakevaultConfig config, ResolvedReport report) {
    List<String> keys = report.manifest().files().stream().map(InventoryManifest.DataFile::key).toList();
    CsvInventoryParser parser = new CsvInventoryParser(report.manifest().schema(), report.manifest().sourceBucket());
    String bucket = report.dataBucket();
    String manifestUri = report.manifestUri().toString();
    int columns = report.manifest().schema().columns().size();
    JavaRDD<InternalRow> rows = new JavaSparkContext(spark.sparkContext()).parallelize(keys, Math.max(1, keys.size()))
        .mapPartitions(files -> new Iterator<InternalRow>() {
          // One file after the other, each opened when the previous is done: a task holds one file's
          // buffer, never its rows.
          private Iterator<InternalRow> current = java.util.Collections.emptyIterator();

          @Override
          public boolean hasNext() {
            while (!current.hasNext() && files.hasNext()) {
              current = new CsvDataFileRows(ObjectStores.open(config), bucket, files.next(), parser, manifestUri, columns);
            }
            return current.hasNext();
          }

          @Override
          public InternalRow next() {
            if (!hasNext()) throw new NoSuchElementException();
            return current.next();
          }
        });
    // Rows are built in Spark's internal form, straight from the file's bytes (see CsvDataFileRows).
    return spark.internalCreateDataFrame(rows.rdd(), stagingSchema(), false);
  }

  /** ORC and Parquet: Spark's columnar readers, checked against the fileSchema, normalized with SQL expressions. */
  private static Dataset<Row> readTyped(SparkSession spark, LakevaultConfig config, ResolvedReport report) {
    InventoryManifest m = report.manifest();
    Locations where = new Locations(config);
    String[] paths = m.files().stream().map(f -> where.hadoopPath("s3://" + report.dataBucket() + "/" + f.key()))
        .toArray(String[]::new);
    boolean instants = checkEachFile(spark, m, paths, report);
    // Spark 3.5 cannot read ORC's "timestamp with local time zone" (what pyarrow and others write for UTC
    // instants; its SQL parser fails on the type name): such reports are read with the ORC library itself.
    Dataset<Row> raw = instants ? OrcInstants.read(spark, paths, report)
        : spark.read().format(m.format() == InventoryFormat.ORC ? "orc" : "parquet").load(paths);
    Column filePath = instants ? col(OrcInstants.FILE_PATH) : col("_metadata.file_path");
    StructType actual = raw.schema();
    List<Column> out = new ArrayList<>();
    for (InventoryField f : InventoryField.values()) {
      if (!m.schema().has(f)) {
        out.add(lit(null).cast(InventoryColumns.sparkType(f.type())).as(f.column()));
        continue;
      }
      StructField have = find(actual, f.column());
      if (have == null) {
        throw LakevaultException.input("the fileSchema of " + report.manifestUri() + " lists column '" + f.column()
            + "' but its data files have only " + String.join(", ", actual.fieldNames()) + "; nothing was committed");
      }
      out.add(normalize(f, col("`" + have.name() + "`"), have.dataType(), report).as(f.column()));
    }
    out.add(filePath.as(FILE));
    out.add(lit(null).cast(DataTypes.LongType).as(ROW));
    out.add(lit(null).cast(DataTypes.StringType).as(LINE));
    Column bucket = col(InventoryField.BUCKET.column());
    Column key = col(InventoryField.KEY.column());
    Dataset<Row> shaped = raw.select(out.toArray(Column[]::new));
    return shaped.withColumn(ERROR,
        when(bucket.isNull(), lit("Bucket is empty"))
            .when(bucket.notEqual(lit(m.sourceBucket())), concat(lit("Bucket is '"), bucket,
                lit("' but the manifest's sourceBucket is '" + m.sourceBucket() + "'")))
            .when(key.isNull().or(key.equalTo("")), lit("Key is empty")));
  }

  /**
   * Every data file's own schema against the fileSchema, from its footer: Spark takes one file's schema
   * for all, so a later file that lacks a column would otherwise be read as NULLs and committed, and a
   * file that is not ORC or Parquet at all would fail deep inside a task. One footer read per data file
   * (a manifest lists tens to thousands), on the driver before any job runs.
   */
  /** @return whether an ORC file holds instants ({@code timestamp with local time zone}), which Spark cannot read */
  private static boolean checkEachFile(SparkSession spark, InventoryManifest m, String[] paths, ResolvedReport report) {
    boolean instants = false;
    org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
    boolean orc = m.format() == InventoryFormat.ORC;
    for (int i = 0; i < paths.length; i++) {
      String uri = "s3://" + report.dataBucket() + "/" + m.files().get(i).key();
      java.util.Set<String> have = new java.util.HashSet<>();
      try {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(paths[i]);
        if (orc) {
          try (org.apache.orc.Reader r = org.apache.orc.OrcFile.createReader(p, org.apache.orc.OrcFile.readerOptions(conf))) {
            r.getSchema().getFieldNames().forEach(n -> have.add(n.toLowerCase(Locale.ROOT)));
            instants |= r.getSchema().getChildren().stream()
                .anyMatch(t -> t.getCategory() == org.apache.orc.TypeDescription.Category.TIMESTAMP_INSTANT);
          }
        } else {
          try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
              org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(p, conf))) {
            r.getFooter().getFileMetaData().getSchema().getFields().forEach(f -> have.add(f.getName().toLowerCase(Locale.ROOT)));
          }
        }
      } catch (java.io.IOException | RuntimeException e) {
        throw LakevaultException.input("inventory data file " + uri + " of " + report.manifestUri() + " is not a readable "
            + (orc ? "ORC" : "Parquet") + " file (" + e.getMessage() + "); the delivery is damaged: ingest another report"
            + " (--report); nothing was committed");
      }
      for (InventoryField f : InventoryField.values()) {
        if (m.schema().has(f) && !have.contains(f.column())) {
          throw LakevaultException.input("the fileSchema of " + report.manifestUri() + " lists column '" + f.column()
              + "' but its data file " + uri + " has only " + String.join(", ", new java.util.TreeSet<>(have))
              + "; nothing was committed");
        }
      }
    }
    return instants;
  }

  /**
   * A value already in canonical form passes as it is; only others are normalized. Reports carry the
   * documented values almost always, and upper-casing every row cost about 6% of an ORC ingestion.
   */
  private static Column canonicalOr(InventoryField f, Column c, Column normalized) {
    return when(c.isin(f.canonicalValues().toArray()), c).otherwise(normalized);
  }

  private static Column emptyToNull(Column c) {
    return when(c.equalTo(""), lit(null)).otherwise(c);
  }

  private static StructField find(StructType s, String name) {
    for (StructField f : s.fields()) {
      if (f.name().toLowerCase(Locale.ROOT).equals(name)) return f;
    }
    return null;
  }

  /** The same canonical forms as {@code InventoryValues}, as Spark SQL (no per-row UDF). */
  private static Column normalize(InventoryField f, Column c, DataType have, ResolvedReport report) {
    DataType want = InventoryColumns.sparkType(f.type());
    Column typed;
    if (have.equals(want)) {
      typed = c;
    } else if (f.type() == InventoryField.Type.TIMESTAMP && (have.equals(DataTypes.LongType) || have.equals(DataTypes.IntegerType))) {
      typed = timestamp_millis(c); // Athena's DDL declares some lock dates as bigint epoch millis
    } else if (f.type() == InventoryField.Type.TIMESTAMP && have.equals(DataTypes.TimestampNTZType)) {
      typed = c.cast(DataTypes.TimestampType);
    } else if (f.type() == InventoryField.Type.LONG && have.equals(DataTypes.IntegerType)) {
      typed = c.cast(DataTypes.LongType);
    } else if (f.type() == InventoryField.Type.BOOLEAN && have.equals(DataTypes.StringType)) {
      typed = when(upper(trim(c)).equalTo("TRUE"), lit(true)).when(upper(trim(c)).equalTo("FALSE"), lit(false));
    } else {
      throw LakevaultException.input("the data files of " + report.manifestUri() + " have column '" + f.column()
          + "' of type " + have.simpleString() + " but S3 Inventory writes " + want.simpleString()
          + "; nothing was committed");
    }
    if (f.enumerated()) {
      Column upper = upper(trim(typed));
      return canonicalOr(f, typed, emptyToNull(f == InventoryField.CHECKSUM_ALGORITHM ? regexp_replace(upper, "-", "") : upper));
    }
    return switch (f) {
      case VERSION_ID -> coalesce(emptyToNull(typed), lit(io.lakevault.core.inventory.InventoryValues.NULL_VERSION));
      default -> f.type() == InventoryField.Type.STRING && f != InventoryField.KEY ? emptyToNull(typed) : typed;
    };
  }
}
