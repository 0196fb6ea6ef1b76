package io.lakevault.spark.catalog;

import io.lakevault.core.lifecycle.PurgePlanner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * One Parquet data file of a catalog table, read and rewritten below Delta (for {@code catalog purge}):
 * the rows of erased versions dropped, or the names of erased objects redacted from its strings. Runs on
 * executors, a file at a time; the file keeps its path, schema, codec and Spark's metadata, so every table
 * version that lists it reads it as before, less exactly what was erased. The Delta log's size and
 * statistics of a rewritten file are corrected afterwards by {@link DeltaLogScrub}.
 */
public final class ParquetScrub {
  private ParquetScrub() {}

  /**
   * What one file holds of the erasure, or what its rewrite did.
   *
   * @param names the erased objects the file names ({@link PurgePlanner#name}), from its matching rows
   */
  public record Outcome(long rows, long matched, long redacted, long size, List<String> names) {}

  /**
   * Counts the rows of erased versions in a file of a table that keeps object versions ({@code bucket},
   * {@code key}, {@code version_id}), reading only those columns.
   *
   * @param partition the file's partition values (a partitioned table keeps {@code bucket} in the path)
   * @param unversioned names ({@link PurgePlanner#name}) of erased objects whose rows without a version id
   *     count as erased too: a current-versions-only inventory lists a version without its id; empty on
   *     the first pass, which finds the names
   */
  public static Outcome scanVersions(Configuration conf, Path file, Map<String, String> partition,
      Set<String> fingerprints, Set<String> unversioned) throws IOException {
    MessageType schema = footer(conf, file).getFileMetaData().getSchema();
    List<Type> cols = new ArrayList<>();
    for (String c : List.of("bucket", "key", "version_id")) if (schema.containsField(c)) cols.add(schema.getType(c));
    if (!schema.containsField("key")) return new Outcome(0, 0, 0, -1, List.of());
    Configuration projected = new Configuration(conf);
    projected.set(ReadSupport.PARQUET_READ_SCHEMA, new MessageType(schema.getName(), cols).toString());
    long rows = 0;
    long matched = 0;
    Set<String> names = new LinkedHashSet<>();
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(projected).build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        rows++;
        String bucket = value(g, "bucket", partition);
        String key = value(g, "key", partition);
        if (erased(fingerprints, unversioned, bucket, key, value(g, "version_id", partition))) {
          matched++;
          names.add(PurgePlanner.name(bucket, key));
        }
      }
    }
    return new Outcome(rows, matched, 0, -1, List.copyOf(names));
  }

  /** Counts the strings of a file (any column, nested too) that name an erased object. */
  public static Outcome scanText(Configuration conf, Path file, List<String> names) throws IOException {
    long rows = 0;
    long redacted = 0;
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        rows++;
        long[] n = {0};
        copy(g, names, n);
        redacted += n[0];
      }
    }
    return new Outcome(rows, 0, redacted, -1, List.of());
  }

  /**
   * Rewrites the file in place without the rows of erased versions (when {@code fingerprints} is given)
   * and with erased names redacted from every string (when {@code names} is given).
   */
  public static Outcome rewrite(Configuration conf, Path file, Map<String, String> partition, Set<String> fingerprints,
      Set<String> unversioned, List<String> names) throws IOException {
    ParquetMetadata footer = footer(conf, file);
    MessageType schema = footer.getFileMetaData().getSchema();
    CompressionCodecName codec = footer.getBlocks().isEmpty() ? CompressionCodecName.SNAPPY
        : footer.getBlocks().get(0).getColumns().get(0).getCodec();
    Map<String, String> meta = new HashMap<>(footer.getFileMetaData().getKeyValueMetaData());
    meta.remove("writer.model.name"); // the example writer sets its own
    FileSystem fs = file.getFileSystem(conf);
    // On a local disk the new file is written beside the old one, hidden, and renamed over it; on S3 the
    // object is overwritten by one PUT that becomes visible only when complete.
    boolean local = "file".equals(fs.getScheme());
    Path target = local ? new Path(file.getParent(), "." + file.getName() + ".purge") : file;
    long rows = 0;
    long dropped = 0;
    long[] redacted = {0};
    boolean versions = fingerprints != null && schema.containsField("key");
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build();
        ParquetWriter<Group> w = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(target, conf)).withConf(conf)
            .withType(schema).withCompressionCodec(codec).withExtraMetaData(meta)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        rows++;
        if (versions && erased(fingerprints, unversioned, value(g, "bucket", partition), value(g, "key", partition),
            value(g, "version_id", partition))) {
          dropped++;
          continue;
        }
        w.write(names == null || names.isEmpty() ? g : copy(g, names, redacted));
      }
    }
    if (local && !fs.rename(target, file)) {
      throw new IOException("could not replace " + file + " by its purged copy " + target);
    }
    return new Outcome(rows - dropped, dropped, redacted[0], fs.getFileStatus(file).getLen(), List.of());
  }

  private static boolean erased(Set<String> fingerprints, Set<String> unversioned, String bucket, String key,
      String versionId) {
    if (fingerprints.contains(PurgePlanner.versionSha256(bucket, key, versionId))) return true;
    return versionId == null && unversioned != null && unversioned.contains(PurgePlanner.name(bucket, key));
  }

  private static ParquetMetadata footer(Configuration conf, Path file) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return r.getFooter();
    }
  }

  /** A string column of the row, or the partition value when the table keeps the column in the path. */
  private static String value(Group g, String column, Map<String, String> partition) {
    if (g.getType().containsField(column)) {
      return g.getFieldRepetitionCount(column) == 0 ? null : g.getString(column, 0);
    }
    return partition.get(column);
  }

  /** A copy of the group with names redacted from its strings; counts the strings changed. */
  private static Group copy(Group in, List<String> names, long[] redacted) {
    GroupType type = in.getType();
    SimpleGroup out = new SimpleGroup(type);
    for (int i = 0; i < type.getFieldCount(); i++) {
      Type t = type.getType(i);
      for (int j = 0; j < in.getFieldRepetitionCount(i); j++) {
        if (!t.isPrimitive()) {
          out.add(i, copy(in.getGroup(i, j), names, redacted));
          continue;
        }
        PrimitiveType p = t.asPrimitiveType();
        switch (p.getPrimitiveTypeName()) {
          case BINARY -> {
            if (p.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation) {
              String s = in.getString(i, j);
              String r = PurgePlanner.redact(s, names);
              if (r != s) redacted[0]++;
              out.add(i, r);
            } else {
              out.add(i, in.getBinary(i, j));
            }
          }
          case FIXED_LEN_BYTE_ARRAY -> out.add(i, in.getBinary(i, j));
          case INT96 -> out.add(i, in.getInt96(i, j));
          case INT32 -> out.add(i, in.getInteger(i, j));
          case INT64 -> out.add(i, in.getLong(i, j));
          case BOOLEAN -> out.add(i, in.getBoolean(i, j));
          case FLOAT -> out.add(i, in.getFloat(i, j));
          case DOUBLE -> out.add(i, in.getDouble(i, j));
          default -> throw new IllegalStateException("unexpected Parquet type " + p);
        }
      }
    }
    return out;
  }
}
