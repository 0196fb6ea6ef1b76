package io.lakevault.core.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakevault.core.LakevaultException;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed, validated S3 Inventory {@code manifest.json} (aws-facts §1.2). Every problem is an
 * INPUT error naming the manifest and the field.
 *
 * @param uri where the manifest was read, for messages
 * @param destinationBucket the bucket name from the {@code destinationBucket} ARN
 * @param creationTimestamp when S3 began the scan
 */
public record InventoryManifest(String uri, String sourceBucket, String destinationBucket, String version,
    Instant creationTimestamp, InventoryFormat format, FileSchema schema, List<DataFile> files) implements Serializable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One data file the manifest lists. */
  public record DataFile(String key, long size, String md5) implements Serializable {}

  public static InventoryManifest parse(String uri, byte[] json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw bad(uri, "is not valid JSON (" + firstLine(e.getMessage()) + ")");
    }
    if (root == null || !root.isObject()) {
      throw bad(uri, "is not a JSON object");
    }
    String source = text(uri, root, "sourceBucket");
    String destination = text(uri, root, "destinationBucket");
    String bucket = destination.startsWith("arn:aws:s3:::") ? destination.substring("arn:aws:s3:::".length()) : destination;
    String version = root.hasNonNull("version") ? root.get("version").asText() : null;
    String created = text(uri, root, "creationTimestamp");
    Instant creation;
    try {
      creation = Instant.ofEpochMilli(Long.parseLong(created.trim()));
    } catch (NumberFormatException e) {
      throw bad(uri, "has creationTimestamp '" + created + "', which is not epoch milliseconds");
    }
    String formatText = text(uri, root, "fileFormat");
    InventoryFormat format;
    try {
      format = InventoryFormat.parse(formatText);
    } catch (LakevaultException e) {
      throw bad(uri, "has fileFormat '" + formatText + "'; S3 Inventory writes CSV, ORC or Parquet");
    }
    FileSchema schema = FileSchema.parse(uri, format, text(uri, root, "fileSchema"));
    JsonNode filesNode = root.get("files");
    if (filesNode == null || !filesNode.isArray()) {
      throw bad(uri, "has no 'files' array");
    }
    List<DataFile> files = new ArrayList<>();
    int i = 0;
    for (JsonNode f : filesNode) {
      String where = "files[" + i++ + "]";
      if (!f.hasNonNull("key") || !f.hasNonNull("size") || !f.hasNonNull("MD5checksum")) {
        throw bad(uri, where + " needs key, size and MD5checksum");
      }
      if (!f.get("size").canConvertToLong() || f.get("size").asLong() < 0) {
        throw bad(uri, where + " has size '" + f.get("size").asText() + "', not a byte count");
      }
      String md5 = f.get("MD5checksum").asText().toLowerCase(Locale.ROOT);
      if (!md5.matches("[0-9a-f]{32}")) {
        throw bad(uri, where + " has MD5checksum '" + md5 + "', not 32 hex digits");
      }
      files.add(new DataFile(f.get("key").asText(), f.get("size").asLong(), md5));
    }
    if (files.isEmpty()) {
      throw bad(uri, "lists no data files");
    }
    return new InventoryManifest(uri, source, bucket, version, creation, format, schema, List.copyOf(files));
  }

  private static String text(String uri, JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull() || n.asText().isBlank()) {
      throw bad(uri, "has no '" + field + "'");
    }
    return n.asText();
  }

  static LakevaultException bad(String uri, String what) {
    return LakevaultException.input("inventory manifest " + uri + " " + what
        + "; the report is damaged or not an S3 Inventory report: re-deliver it or choose another report");
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
