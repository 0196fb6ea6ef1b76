package io.lakevault.inventory;

import io.lakevault.core.LakevaultException;
import io.lakevault.spark.HadoopConf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.TimestampColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.RecordReader;
import org.apache.orc.TypeDescription;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * ORC inventory data files whose timestamps are ORC's {@code timestamp with local time zone} (instants:
 * what pyarrow and other writers produce for UTC times), read with the ORC library because Spark 3.5's
 * ORC source cannot parse that type name. Both ORC timestamp kinds are read as the instants they are
 * (plain timestamps as UTC, as S3 writes them). One task per file; the columns keep their names, with
 * Spark types, so the caller checks and normalizes them as it does Spark's own reading.
 */
final class OrcInstants {
  private OrcInstants() {}

  /** The column that names each row's file, as {@code _metadata.file_path} does for Spark's readers. */
  static final String FILE_PATH = "_lakevault_file_path";

  static Dataset<Row> read(SparkSession spark, String[] paths, ResolvedReport report) {
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    TypeDescription schema;
    try (Reader r = OrcFile.createReader(new Path(paths[0]), OrcFile.readerOptions(conf.get()))) {
      schema = r.getSchema();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StructType sparkSchema = new StructType();
    for (int i = 0; i < schema.getChildren().size(); i++) {
      sparkSchema = sparkSchema.add(schema.getFieldNames().get(i), sparkType(schema.getChildren().get(i), report), true);
    }
    sparkSchema = sparkSchema.add(FILE_PATH, DataTypes.StringType, false);
    List<String> files = Arrays.asList(paths);
    StructType out = sparkSchema;
    return spark.createDataFrame(new JavaSparkContext(spark.sparkContext()).parallelize(files, Math.max(1, files.size()))
        .flatMap((FlatMapFunction<String, Row>) file -> rows(conf, file, Arrays.asList(out.fieldNames()).subList(0, out.size() - 1))),
        out);
  }

  private static DataType sparkType(TypeDescription t, ResolvedReport report) {
    return switch (t.getCategory()) {
      case STRING, VARCHAR, CHAR -> DataTypes.StringType;
      case BOOLEAN -> DataTypes.BooleanType;
      case LONG -> DataTypes.LongType;
      case INT, SHORT, BYTE -> DataTypes.IntegerType;
      case TIMESTAMP, TIMESTAMP_INSTANT -> DataTypes.TimestampType;
      default -> throw LakevaultException.input("the ORC data files of " + report.manifestUri() + " have a column of type "
          + t + ", which S3 Inventory does not write; nothing was committed");
    };
  }

  /** The file's rows, a batch at a time: a task holds one batch, never the file. */
  /** @param names the output's columns, found by name in each file (files of one report may order them differently) */
  private static Iterator<Row> rows(HadoopConf conf, String file, List<String> names) throws IOException {
    // UTC: plain ORC timestamps are read as written, not shifted by this JVM's zone.
    Reader r = OrcFile.createReader(new Path(file), OrcFile.readerOptions(conf.get()).useUTCTimestamp(true));
    RecordReader rr = r.rows();
    List<TypeDescription> types = r.getSchema().getChildren();
    int columns = names.size();
    int[] at = new int[columns];
    for (int c = 0; c < columns; c++) at[c] = r.getSchema().getFieldNames().indexOf(names.get(c));
    VectorizedRowBatch batch = r.getSchema().createRowBatch();
    return new Iterator<>() {
      private int row;
      private boolean done;

      @Override
      public boolean hasNext() {
        try {
          while (!done && row >= batch.size) {
            row = 0;
            if (!rr.nextBatch(batch)) {
              done = true;
              rr.close();
              r.close();
            }
          }
          return !done;
        } catch (IOException e) {
          throw new UncheckedIOException("reading " + file, e);
        }
      }

      @Override
      public Row next() {
        if (!hasNext()) throw new java.util.NoSuchElementException();
        Object[] v = new Object[columns + 1];
        for (int c = 0; c < columns; c++) v[c] = at[c] < 0 ? null : value(batch.cols[at[c]], types.get(at[c]), row);
        v[columns] = file;
        row++;
        return RowFactory.create(v);
      }
    };
  }

  private static Object value(ColumnVector v, TypeDescription t, int row) {
    int i = v.isRepeating ? 0 : row;
    if (!v.noNulls && v.isNull[i]) return null;
    return switch (t.getCategory()) {
      case STRING, VARCHAR, CHAR -> ((BytesColumnVector) v).toString(i);
      case BOOLEAN -> ((LongColumnVector) v).vector[i] != 0;
      case LONG -> ((LongColumnVector) v).vector[i];
      case INT, SHORT, BYTE -> (int) ((LongColumnVector) v).vector[i];
      case TIMESTAMP, TIMESTAMP_INSTANT -> {
        TimestampColumnVector ts = (TimestampColumnVector) v;
        Timestamp out = new Timestamp(ts.time[i]);
        out.setNanos(ts.nanos[i]);
        yield out;
      }
      default -> throw new IllegalStateException("unexpected ORC type " + t);
    };
  }
}
