package io.lakevault.generator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakevault.aws.S3ObjectStore;
import io.lakevault.aws.S3Settings;
import io.lakevault.core.inventory.InventoryFormat;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.spark.SharedSpark;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(MotoExtension.class)
class LakeGeneratorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static LocalObjectStore store;
  private static GeneratedLake lake;
  private final SparkSession spark = SharedSpark.session();

  @BeforeAll
  static void generate() {
    SimulatedClock clock = new SimulatedClock();
    store = new LocalObjectStore(dir, Duration.ZERO, clock);
    GeneratorOptions o = GeneratorOptions.defaults().withObjects(400).withLargeObjects(1, 11L * 1024 * 1024 + 5);
    lake = new LakeGenerator(store, clock, SharedSpark.session(), o).generate();
  }

  private static byte[] read(ObjectStore s, String bucket, String key) throws IOException {
    try (InputStream in = s.get(ObjectRef.of(bucket, key))) {
      return in.readAllBytes();
    }
  }

  private static String bucketOf(String uri) {
    return uri.substring(5, uri.indexOf('/', 5));
  }

  private static String keyOf(String uri) {
    return uri.substring(uri.indexOf('/', 5) + 1);
  }

  @Test
  void everyReportIsCompleteAndItsChecksumsHold() throws Exception {
    assertEquals(6, lake.reports().size());
    for (InventoryFormat f : InventoryFormat.values()) {
      assertTrue(lake.reports().stream().anyMatch(r -> r.format() == f && r.allVersions()), f + " all-versions");
      assertTrue(lake.reports().stream().anyMatch(r -> r.format() == f && !r.allVersions()), f + " current");
    }
    for (GeneratedLake.Report r : lake.reports()) {
      String key = keyOf(r.manifestUri());
      assertTrue(key.matches("inventory/" + r.sourceBucket() + "/" + r.configId() + "/2024-07-01T00-00Z/manifest.json"), key);
      assertEquals("s3://acme-inventory/inventory/" + r.sourceBucket() + "/" + r.configId() + "/", r.configPrefixUri());
      byte[] manifest = read(store, LakeGenerator.INVENTORY, key);
      String checksum = new String(read(store, LakeGenerator.INVENTORY, key.replace("manifest.json", "manifest.checksum")),
          StandardCharsets.US_ASCII);
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(manifest)), checksum);
      JsonNode m = JSON.readTree(manifest);
      assertEquals(r.sourceBucket(), m.get("sourceBucket").asText());
      assertEquals("arn:aws:s3:::acme-inventory", m.get("destinationBucket").asText());
      assertEquals("2016-11-30", m.get("version").asText());
      assertEquals(r.format().manifestName(), m.get("fileFormat").asText());
      for (JsonNode f : m.get("files")) {
        byte[] data = read(store, LakeGenerator.INVENTORY, f.get("key").asText());
        assertEquals(f.get("size").asLong(), data.length);
        assertEquals(f.get("MD5checksum").asText(), HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)));
        assertTrue(f.get("key").asText().endsWith(r.format().extension()));
      }
    }
  }

  @Test
  void csvReportsFollowTheirFileSchemaWithUrlEncodedKeys() throws Exception {
    GeneratedLake.Report r = lake.reports().stream()
        .filter(x -> x.format() == InventoryFormat.CSV && x.allVersions()).findFirst().orElseThrow();
    JsonNode m = JSON.readTree(read(store, LakeGenerator.INVENTORY, keyOf(r.manifestUri())));
    String[] schema = m.get("fileSchema").asText().split(", ");
    assertEquals("Bucket", schema[0]);
    assertEquals(24 - 3, schema.length, "bucket, key, 3 version fields and all 16 optional fields");
    List<String[]> rows = new ArrayList<>();
    for (JsonNode f : m.get("files")) {
      byte[] gz = read(store, LakeGenerator.INVENTORY, f.get("key").asText());
      String text = new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(), StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        assertTrue(line.startsWith("\"" + r.sourceBucket() + "\","), "every field quoted, no header: " + line);
        rows.add(line.substring(1, line.length() - 1).split("\",\"", -1));
      }
    }
    assertEquals(r.rows(), rows.size());
    List<String> keys = rows.stream().map(a -> URLDecoder.decode(a[1], StandardCharsets.UTF_8)).toList();
    for (String tricky : LakeGenerator.trickyKeys()) {
      assertTrue(keys.contains(tricky), "report lists " + tricky);
    }
    assertTrue(rows.stream().anyMatch(a -> a[1].contains("with+space")), "spaces are encoded as +");
    assertTrue(rows.stream().anyMatch(a -> a[4].equals("true")), "all-versions report has delete markers");
    assertTrue(rows.stream().anyMatch(a -> a[3].equals("false")), "and noncurrent versions");
    assertTrue(rows.stream().allMatch(a -> a[6].isEmpty() || a[6].matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z")),
        "timestamps as AWS writes them");
  }

  @Test
  void orcAndParquetReportsUseAwsColumnNamesAndTypes() throws Exception {
    for (InventoryFormat f : List.of(InventoryFormat.ORC, InventoryFormat.PARQUET)) {
      for (GeneratedLake.Report r : lake.reports().stream().filter(x -> x.format() == f).toList()) {
        JsonNode m = JSON.readTree(read(store, LakeGenerator.INVENTORY, keyOf(r.manifestUri())));
        List<String> paths = new ArrayList<>();
        m.get("files").forEach(x -> paths.add("file:" + store.livePath(LakeGenerator.INVENTORY, x.get("key").asText())));
        Dataset<Row> df = f == InventoryFormat.ORC ? spark.read().orc(paths.toArray(String[]::new))
            : spark.read().parquet(paths.toArray(String[]::new));
        assertEquals(r.rows(), df.count());
        assertEquals("timestamp", df.schema().apply("last_modified_date").dataType().typeName());
        assertEquals("long", df.schema().apply("size").dataType().typeName());
        if (r.allVersions()) {
          assertTrue(df.filter("is_delete_marker").count() > 0 || r.sourceBucket().equals(LakeGenerator.BLOBS));
        }
        if (f == InventoryFormat.PARQUET) {
          assertTrue(m.get("fileSchema").asText().contains("optional int64 last_modified_date (TIMESTAMP_MILLIS);"));
          var footer = org.apache.parquet.hadoop.ParquetFileReader.readFooter(
              spark.sparkContext().hadoopConfiguration(), new org.apache.hadoop.fs.Path(paths.get(0)));
          assertTrue(footer.getFileMetaData().getSchema().getType("last_modified_date").toString().contains("MILLIS"),
              footer.getFileMetaData().getSchema().toString());
        } else {
          assertTrue(m.get("fileSchema").asText().startsWith("struct<bucket:string,key:string,"));
        }
      }
    }
  }

  @Test
  void theLakeHasHistorySpanningYearsAndLargeMultipartObjects() {
    assertTrue(lake.versions() > lake.objects(), "some keys have several versions");
    assertTrue(lake.deleteMarkers() > 0);
    List<ObjectVersion> all = new ArrayList<>();
    store.listVersions(LakeGenerator.LOGS, "").forEachRemaining(all::add);
    Instant first = all.stream().map(ObjectVersion::lastModified).min(Instant::compareTo).orElseThrow();
    Instant last = all.stream().map(ObjectVersion::lastModified).max(Instant::compareTo).orElseThrow();
    assertTrue(first.isBefore(Instant.parse("2019-02-01T00:00:00Z")), first.toString());
    assertTrue(last.isAfter(Instant.parse("2023-06-01T00:00:00Z")), last.toString());
    var large = store.head(ObjectRef.of(LakeGenerator.BLOBS, "raw/large/capture-00.bin"));
    assertEquals(11L * 1024 * 1024 + 5, large.size());
    assertTrue(large.eTag().endsWith("-1"), large.eTag());
  }

  @Test
  void theSameGeneratorWritesToS3(MotoServer moto) throws Exception {
    try (S3ObjectStore s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3))) {
      GeneratedLake onS3 = new LakeGenerator(s3, new SimulatedClock(), spark,
          GeneratorOptions.defaults().withObjects(60).withLargeObjects(0, 0)).generate();
      assertEquals(6, onS3.reports().size());
      String manifest = onS3.reports().get(0).manifestUri();
      byte[] m = read(s3, bucketOf(manifest), keyOf(manifest));
      byte[] local = read(store, bucketOf(lake.reports().get(0).manifestUri()), keyOf(lake.reports().get(0).manifestUri()));
      assertArrayEquals(JSON.readTree(local).get("fileSchema").asText().getBytes(StandardCharsets.UTF_8),
          JSON.readTree(m).get("fileSchema").asText().getBytes(StandardCharsets.UTF_8));
      assertTrue(s3.head(ObjectRef.of(LakeGenerator.LOGS, LakeGenerator.trickyKeys().get(5))).size() > 0,
          "the 1,024-byte key is on S3 too");
    }
  }
}
