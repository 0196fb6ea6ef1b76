package io.lakevault.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class InventoryManifestTest {
  /** The CSV example of the S3 user guide (aws-facts §1.2). */
  static final String AWS_CSV = """
      {"sourceBucket":"amzn-s3-demo-source-bucket","destinationBucket":"arn:aws:s3:::example-inventory-destination-bucket",
       "version":"2016-11-30","creationTimestamp":"1514944800000","fileFormat":"CSV",
       "fileSchema":"Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded, ReplicationStatus, EncryptionStatus, ObjectLockRetainUntilDate, ObjectLockMode, ObjectLockLegalHoldStatus, IntelligentTieringAccessTier, BucketKeyStatus, ChecksumAlgorithm, ObjectAccessControlList, ObjectOwner",
       "files":[{"key":"Inventory/amzn-s3-demo-source-bucket/2016-11-06T21-32Z/files/939c6d46-85a9-4ba8-87bd-9db705a579ce.csv.gz","size":2147483647,"MD5checksum":"f11166069f1990abeb9c97ace9cdfabc"}]}
      """;

  static InventoryManifest parse(String json) {
    return InventoryManifest.parse("s3://inv/m/manifest.json", json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void awsCsvExampleParses() {
    InventoryManifest m = parse(AWS_CSV);
    assertEquals("amzn-s3-demo-source-bucket", m.sourceBucket());
    assertEquals("example-inventory-destination-bucket", m.destinationBucket());
    assertEquals(Instant.parse("2018-01-03T02:00:00Z"), m.creationTimestamp());
    assertEquals(InventoryFormat.CSV, m.format());
    assertEquals(20, m.schema().columns().size());
    assertEquals(InventoryField.VERSION_ID, m.schema().columns().get(2));
    assertTrue(m.schema().allVersions());
    assertEquals(2147483647L, m.files().get(0).size());
  }

  @Test
  void orcAndParquetSchemasParse() {
    FileSchema orc = FileSchema.parse("u", InventoryFormat.ORC, "struct<bucket:string,key:string,size:bigint,"
        + "last_modified_date:timestamp,e_tag:string,storage_class:string,future_field:string>");
    assertEquals(List.of(InventoryField.BUCKET, InventoryField.KEY, InventoryField.SIZE, InventoryField.LAST_MODIFIED_DATE,
        InventoryField.E_TAG, InventoryField.STORAGE_CLASS), orc.columns().subList(0, 6));
    assertNull(orc.columns().get(6));
    assertEquals(List.of("future_field"), orc.unknown());
    assertFalse(orc.allVersions());
    FileSchema pq = FileSchema.parse("u", InventoryFormat.PARQUET, "message s3.inventory { required binary bucket (UTF8);"
        + " required binary key (UTF8); optional binary version_id (UTF8); optional boolean is_latest;"
        + " optional int64 last_modified_date (TIMESTAMP_MILLIS);}");
    assertEquals(5, pq.columns().size());
    assertTrue(pq.allVersions());
  }

  @Test
  void damagedManifestsNameTheManifestAndTheProblem() {
    for (String[] c : List.of(
        new String[] {"{not json", "is not valid JSON"},
        new String[] {"[1,2]", "is not a JSON object"},
        new String[] {AWS_CSV.replace("\"fileFormat\":\"CSV\"", "\"fileFormat\":\"AVRO\""), "fileFormat 'AVRO'"},
        new String[] {AWS_CSV.replace("\"creationTimestamp\":\"1514944800000\",", ""), "has no 'creationTimestamp'"},
        new String[] {AWS_CSV.replace("Bucket, Key,", "Key,"), "without Bucket and Key"},
        new String[] {AWS_CSV.replace("f11166069f1990abeb9c97ace9cdfabc", "xyz"), "MD5checksum 'xyz'"},
        new String[] {AWS_CSV.replace("\"size\":2147483647", "\"size\":\"big\""), "not a byte count"})) {
      LakevaultException e = assertThrows(LakevaultException.class, () -> parse(c[0]), c[1]);
      assertEquals(ErrorKind.INPUT, e.kind());
      assertTrue(e.getMessage().startsWith("inventory manifest s3://inv/m/manifest.json "), e.getMessage());
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void selectorTakesTheNewestCompleteReportOrTheOneNamed() {
    String p = "inv/src/cfg/";
    List<String> keys = List.of(p + "2024-07-01T00-00Z/manifest.json", p + "2024-07-01T00-00Z/manifest.checksum",
        p + "2024-07-02T00-00Z/manifest.json", p + "2024-07-02T00-00Z/manifest.checksum",
        p + "2024-07-03T00-00Z/manifest.json", p + "data/x.csv.gz", p + "hive/dt=2024-07-01-00-00/symlink.txt");
    assertEquals(p + "2024-07-02T00-00Z/manifest.json", ReportSelector.select("s3://b/" + p, p, keys, null, null));
    assertEquals(p + "2024-07-01T00-00Z/manifest.json",
        ReportSelector.select("s3://b/" + p, p, keys, LocalDate.parse("2024-07-01"), null));
    LakevaultException e = assertThrows(LakevaultException.class,
        () -> ReportSelector.select("s3://b/" + p, p, keys, null, "2024-07-03T00-00Z"));
    assertTrue(e.getMessage().contains("manifest.checksum is missing"), e.getMessage());
    e = assertThrows(LakevaultException.class,
        () -> ReportSelector.select("s3://b/" + p, p, keys, LocalDate.parse("2024-08-01"), null));
    assertTrue(e.getMessage().contains("no complete report of 2024-08-01 under s3://b/inv/src/cfg/"), e.getMessage());
  }
}
