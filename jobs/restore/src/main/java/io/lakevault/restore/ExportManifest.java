package io.lakevault.restore;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.restore.RestoreTarget;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The manifests of a completed export: {@code manifest.csv} and {@code manifest.json} list every object
 * (path in the export, bucket, key, version id, last-modified, size, SHA-256, retention class, pack id)
 * in (bucket, key, last-modified, version id) order, and {@code manifest.sha256} holds their SHA-256 in
 * {@code sha256sum} format. Nothing in them depends on when or how often the export ran, so the same
 * inputs give byte-identical manifests. They are written by one task that streams the sorted rows, so
 * no per-object data reaches the driver.
 */
final class ExportManifest {
  static final String CSV = "manifest.csv";
  static final String JSON = "manifest.json";
  static final String SHA256 = "manifest.sha256";
  /**
   * Version 2: the totals are {@code object_count} and {@code total_bytes}. Version 1 also named the count
   * {@code objects}, a second member of that name after the records, which JSON parsers resolve to the last
   * (the number), so tools saw no records.
   */
  static final String FORMAT = "lakevault-export/2";
  private static final DateTimeFormatter TIME = io.lakevault.core.Times.ISO;
  private static final String[] COLUMNS = {"path", "bucket", "key", "version_id", "last_modified", "size", "sha256",
      "retention_class", "pack_id"};

  private final Catalog catalog;

  ExportManifest(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Writes the manifests beside the exported objects; returns each manifest's SHA-256 by name. */
  Map<String, String> write(Dataset<Row> objectStates, TargetSpec spec, String selector, Instant asOf) {
    LakevaultConfig config = catalog.config();
    String asOfText = asOf == null ? null : TIME.format(asOf);
    Dataset<Row> rows = objectStates.where(col("state").isin("RESTORED", "PRESENT"))
        .select("location", "bucket", "key", "version_id", "last_modified_date", "size", "sha256", "retention_class", "pack_id")
        .repartition(1).sortWithinPartitions(col("bucket"), col("key"), col("last_modified_date"), col("version_id"));
    StructType out = new StructType().add("name", "string").add("sha256", "string");
    List<Row> shas = SparkErrors.surfacing(() -> rows.mapPartitions((MapPartitionsFunction<Row, Row>) it ->
        writeAll(it, config, spec, selector, asOfText), Encoders.row(out)).collectAsList());
    Map<String, String> result = new LinkedHashMap<>();
    for (Row r : shas) result.put(r.getString(0), r.getString(1));
    return result;
  }

  private static Iterator<Row> writeAll(Iterator<Row> rows, LakevaultConfig config, TargetSpec spec, String selector,
      String asOf) throws IOException {
    Path dir = Files.createTempDirectory("lakevault-manifest");
    Path csv = dir.resolve(CSV);
    Path json = dir.resolve(JSON);
    MessageDigest csvSha = sha256();
    MessageDigest jsonSha = sha256();
    long count = 0;
    long bytes = 0;
    try (OutputStream csvOut = new DigestOutputStream(Files.newOutputStream(csv), csvSha);
         Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(csvOut, StandardCharsets.UTF_8), 1 << 16);
         OutputStream jsonOut = new DigestOutputStream(Files.newOutputStream(json), jsonSha);
         JsonGenerator g = new JsonFactory().createGenerator(jsonOut, JsonEncoding.UTF8)) {
      w.write(String.join(",", COLUMNS));
      w.write("\n");
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeStringField("as_of", asOf);
      g.writeStringField("selection", selector);
      g.writeFieldName("objects");
      g.writeStartArray();
      while (rows.hasNext()) {
        Row r = rows.next();
        String[] v = {spec.relative(r.getString(0)), r.getString(1), r.getString(2), r.getString(3),
            TIME.format(((Timestamp) r.get(4)).toInstant()), Long.toString(r.getLong(5)), r.getString(6), r.getString(7),
            r.getString(8)};
        for (int i = 0; i < v.length; i++) {
          if (i > 0) w.write(',');
          w.write(csvField(v[i]));
        }
        w.write("\n");
        g.writeStartObject();
        for (int i = 0; i < v.length; i++) {
          if (i == 5) {
            g.writeNumberField(COLUMNS[i], r.getLong(5));
          } else {
            g.writeStringField(COLUMNS[i], v[i]);
          }
        }
        g.writeEndObject();
        count++;
        bytes += r.getLong(5);
      }
      g.writeEndArray();
      g.writeNumberField("object_count", count);
      g.writeNumberField("total_bytes", bytes);
      g.writeEndObject();
    }
    String csvHex = HexFormat.of().formatHex(csvSha.digest());
    String jsonHex = HexFormat.of().formatHex(jsonSha.digest());
    byte[] sums = (csvHex + "  " + CSV + "\n" + jsonHex + "  " + JSON + "\n").getBytes(StandardCharsets.UTF_8);
    try (RestoreTarget target = spec.open(config)) {
      put(target, spec.file(CSV), csv, "text/csv");
      put(target, spec.file(JSON), json, "application/json");
      target.write(spec.file(SHA256), new java.io.ByteArrayInputStream(sums), sums.length, "text/plain", Map.of(), null, true);
    } finally {
      Files.deleteIfExists(csv);
      Files.deleteIfExists(json);
      Files.deleteIfExists(dir);
    }
    List<Row> out = new ArrayList<>();
    out.add(RowFactory.create(CSV, csvHex));
    out.add(RowFactory.create(JSON, jsonHex));
    return out.iterator();
  }

  private static void put(RestoreTarget target, String location, Path file, String contentType) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      target.write(location, in, Files.size(file), contentType, Map.of(), null, true);
    }
  }

  /** RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. NULL is an empty field. */
  static String csvField(String s) {
    if (s == null) return "";
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
