package io.lakevault.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvInventoryParserTest {
  private static final FileSchema ALL = FileSchema.parse("u", InventoryFormat.CSV,
      "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, "
          + "ObjectLockMode, ObjectLockLegalHoldStatus, ChecksumAlgorithm, FutureField");
  private final CsvInventoryParser p = new CsvInventoryParser(ALL, "lake");

  private static Object v(Object[] row, InventoryField f) {
    return row[f.ordinal()];
  }

  @Test
  void parsesQuotedFieldsDecodesKeysAndCanonicalizesValues() throws Exception {
    Object[] r = p.parse("\"lake\",\"reports%2Fwith+space%2F100%25+%C3%B1.json\",\"3HL4kqtJvjVBH40Nrjfkd\",\"TRUE\","
        + "\"false\",\"1024\",\"2024-08-21T15:28:26.000Z\",\"5f363e0e58a95f06cbe9bbc662c5dfb6\",\"deep_archive\","
        + "\"Compliance\",\"On\",\"SHA-256\",\"whatever\"");
    assertEquals("reports/with space/100% ñ.json", v(r, InventoryField.KEY));
    assertEquals(Boolean.TRUE, v(r, InventoryField.IS_LATEST));
    assertEquals(Boolean.FALSE, v(r, InventoryField.IS_DELETE_MARKER));
    assertEquals(1024L, v(r, InventoryField.SIZE));
    assertEquals(Instant.parse("2024-08-21T15:28:26Z"), v(r, InventoryField.LAST_MODIFIED_DATE));
    assertEquals("DEEP_ARCHIVE", v(r, InventoryField.STORAGE_CLASS));
    assertEquals("COMPLIANCE", v(r, InventoryField.OBJECT_LOCK_MODE));
    assertEquals("ON", v(r, InventoryField.OBJECT_LOCK_LEGAL_HOLD_STATUS));
    assertEquals("SHA256", v(r, InventoryField.CHECKSUM_ALGORITHM));
    assertEquals("5f363e0e58a95f06cbe9bbc662c5dfb6", v(r, InventoryField.E_TAG));
    assertNull(v(r, InventoryField.OBJECT_OWNER), "a field the report does not carry");
  }

  @Test
  void emptyVersionIdIsTheNullVersionAndEmptyFieldsAreNull() throws Exception {
    Object[] r = p.parse("lake,key,,true,false,,,,,,,,");
    assertEquals(InventoryValues.NULL_VERSION, v(r, InventoryField.VERSION_ID));
    assertNull(v(r, InventoryField.SIZE));
    assertNull(v(r, InventoryField.STORAGE_CLASS));
  }

  @Test
  void badRowsSayWhy() {
    for (String[] c : List.of(
        new String[] {"\"lake\",\"k\"", "has 2 fields but the fileSchema lists 13"},
        new String[] {"lake,k,v,maybe,false,1,,,,,,,", "IsLatest 'maybe' is not true or false"},
        new String[] {"lake,k,v,true,false,12kB,,,,,,,", "Size '12kB' is not a whole number"},
        new String[] {"lake,k,v,true,false,1,yesterday,,,,,,", "LastModifiedDate 'yesterday' is not a timestamp"},
        new String[] {"other,k,v,true,false,1,,,,,,,", "Bucket is 'other' but the manifest's sourceBucket is 'lake'"},
        new String[] {"lake,,v,true,false,1,,,,,,,", "Key is empty"},
        new String[] {"\"lake\",\"k,v,true,false,1,,,,,,,", "unterminated quoted field"})) {
      CsvInventoryParser.BadRowException e = assertThrows(CsvInventoryParser.BadRowException.class, () -> p.parse(c[0]), c[0]);
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void theFastTimestampPathAgreesWithInstantParse() {
    for (String t : List.of("2024-08-21T15:28:26.000Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z",
        "2038-01-19T03:14:08.123Z", "2024-08-21T15:28:26Z", "2024-08-21T15:28:26.5Z")) {
      assertEquals(Instant.parse(t), CsvInventoryParser.timestamp(t), t);
    }
    assertThrows(java.time.DateTimeException.class, () -> CsvInventoryParser.timestamp("2023-02-29T00:00:00.000Z"));
  }

  @Test
  void splitHandlesDoubledQuotesAndEmptyFields() throws Exception {
    assertEquals(List.of("a", "b\"c", "", "d,e"), CsvInventoryParser.split("\"a\",\"b\"\"c\",,\"d,e\""));
    assertEquals(List.of("", ""), CsvInventoryParser.split(","));
  }
}
