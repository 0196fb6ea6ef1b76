package io.lakevault.generator;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.core.inventory.InventoryField;
import io.lakevault.core.inventory.InventoryFormat;
import io.lakevault.core.inventory.InventoryReportId;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.PutOptions;
import io.lakevault.spark.InventoryColumns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Writes an S3 Inventory report the way S3 delivers one: data files in the configured format under
 * {@code data/}, then {@code manifest.json} (with fileSchema and each file's size and MD5), then
 * {@code manifest.checksum} (the MD5 of the manifest, whose arrival marks the report complete), and
 * the Hive {@code symlink.txt}. Used by the sample-lake generator and by benchmarks.
 */
public final class InventoryReportWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * One report to write.
   *
   * @param fields the optional fields the configuration lists, in S3's order
   * @param files data files to split the rows into
   */
  public record Spec(String sourceBucket, String configId, InventoryFormat format, boolean allVersions,
      List<InventoryField> fields, String destinationBucket, String destinationPrefix, Instant scanTime, int files) {}

  /** The schema of the rows this writer takes: every inventory column, typed as in ORC/Parquet. */
  public static StructType rowSchema() {
    return InventoryColumns.schema(true);
  }

  /** The fields of the report, in file order. */
  public static List<InventoryField> columns(Spec spec) {
    List<InventoryField> out = new ArrayList<>(List.of(InventoryField.BUCKET, InventoryField.KEY));
    if (spec.allVersions()) {
      out.addAll(List.of(InventoryField.VERSION_ID, InventoryField.IS_LATEST, InventoryField.IS_DELETE_MARKER));
    }
    out.addAll(spec.fields());
    return out;
  }

  /** The manifest's fileSchema for the report's columns and format. */
  public static String fileSchema(InventoryFormat format, List<InventoryField> columns) {
    return switch (format) {
      case CSV -> columns.stream().map(InventoryField::csvName).collect(Collectors.joining(", "));
      case ORC -> columns.stream().map(f -> f.column() + ":" + switch (f.type()) {
        case STRING -> "string";
        case BOOLEAN -> "boolean";
        case LONG -> "bigint";
        case TIMESTAMP -> "timestamp";
      }).collect(Collectors.joining(",", "struct<", ">"));
      case PARQUET -> columns.stream().map(f -> (f == InventoryField.BUCKET || f == InventoryField.KEY ? "required " : "optional ")
          + switch (f.type()) {
            case STRING -> "binary " + f.column() + " (UTF8)";
            case BOOLEAN -> "boolean " + f.column();
            case LONG -> "int64 " + f.column();
            case TIMESTAMP -> "int64 " + f.column() + " (TIMESTAMP_MILLIS)";
          } + ";").collect(Collectors.joining(" ", "message s3.inventory { ", "}"));
    };
  }

  /** Writes the report and returns the URI of its manifest.json. */
  public static String write(SparkSession spark, ObjectStore store, Dataset<Row> rows, Spec spec) {
    List<InventoryField> columns = columns(spec);
    String configPrefix = InventoryReportId.configPrefix(spec.destinationPrefix(), spec.sourceBucket(), spec.configId());
    String folder = configPrefix + InventoryReportId.reportFolder(spec.scanTime()) + "/";
    Path tmp;
    try {
      tmp = Files.createTempDirectory("lakevault-inventory-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      String out = tmp.resolve("out").toString();
      Dataset<Row> shaped = rows.select(columns.stream().map(f -> shape(f, spec.format())).toArray(Column[]::new))
          .repartition(spec.files());
      switch (spec.format()) {
        case CSV -> shaped.write().option("compression", "gzip").option("quoteAll", "true").option("header", "false")
            .option("emptyValue", "").option("nullValue", "").csv("file:" + out);
        case ORC -> shaped.write().option("compression", "zlib").orc("file:" + out);
        case PARQUET -> {
          String before = spark.conf().get("spark.sql.parquet.outputTimestampType");
          spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MILLIS");
          try {
            shaped.write().option("compression", "snappy").parquet("file:" + out);
          } finally {
            spark.conf().set("spark.sql.parquet.outputTimestampType", before);
          }
        }
      }
      List<Map<String, Object>> files = new ArrayList<>();
      List<String> dataUris = new ArrayList<>();
      try (Stream<Path> parts = Files.list(Path.of(out))) {
        for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
          String key = configPrefix + "data/" + UUID.randomUUID() + spec.format().extension();
          String md5;
          long size = Files.size(p);
          try (DigestInputStream in = new DigestInputStream(Files.newInputStream(p), md("MD5"))) {
            store.put(spec.destinationBucket(), key, in, size, PutOptions.builder()
                .contentType(spec.format() == InventoryFormat.CSV ? "application/gzip" : "application/octet-stream").build());
            md5 = HexFormat.of().formatHex(in.getMessageDigest().digest());
          }
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("key", key);
          f.put("size", size);
          f.put("MD5checksum", md5);
          files.add(f);
          dataUris.add("s3://" + spec.destinationBucket() + "/" + key);
        }
      }
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("sourceBucket", spec.sourceBucket());
      manifest.put("destinationBucket", "arn:aws:s3:::" + spec.destinationBucket());
      manifest.put("version", InventoryReportId.MANIFEST_VERSION);
      manifest.put("creationTimestamp", Long.toString(spec.scanTime().toEpochMilli()));
      manifest.put("fileFormat", spec.format().manifestName());
      manifest.put("fileSchema", fileSchema(spec.format(), columns));
      manifest.put("files", files);
      byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
      String hive = configPrefix + "hive/dt=" + InventoryReportId.HIVE_DT.format(spec.scanTime()) + "/symlink.txt";
      store.put(spec.destinationBucket(), hive, (String.join("\n", dataUris) + "\n").getBytes(StandardCharsets.UTF_8),
          PutOptions.builder().contentType("text/plain").build());
      store.put(spec.destinationBucket(), folder + "manifest.json", manifestBytes,
          PutOptions.builder().contentType("application/json").build());
      // Last: its arrival is what marks the report complete.
      store.put(spec.destinationBucket(), folder + "manifest.checksum",
          HexFormat.of().formatHex(md("MD5").digest(manifestBytes)).getBytes(StandardCharsets.US_ASCII),
          PutOptions.builder().contentType("text/plain").build());
      return "s3://" + spec.destinationBucket() + "/" + folder + "manifest.json";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write inventory report for " + spec.sourceBucket() + "/" + spec.configId(), e);
    } finally {
      deleteTree(tmp);
    }
  }

  /** One column as the format carries it: typed for ORC/Parquet, AWS's text forms for CSV. */
  private static Column shape(InventoryField f, InventoryFormat format) {
    Column c = col(f.column());
    if (format != InventoryFormat.CSV) {
      // Unversioned objects have the version id "null" in S3; reports leave it out.
      return f == InventoryField.VERSION_ID ? when(c.equalTo("null"), lit(null)).otherwise(c).as(f.column()) : c;
    }
    Column text = switch (f) {
      case KEY -> org.apache.spark.sql.functions.call_function("url_encode", c);
      case VERSION_ID -> when(c.isNull().or(c.equalTo("null")), lit("")).otherwise(c);
      default -> switch (f.type()) {
        case STRING -> c;
        case BOOLEAN -> when(c, lit("true")).when(c.isNotNull(), lit("false"));
        case LONG -> c.cast("string");
        case TIMESTAMP -> date_format(c, "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
      };
    };
    return text.as(f.column());
  }

  private static MessageDigest md(String alg) {
    try {
      return MessageDigest.getInstance(alg);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temporary folder only
    }
  }
}
