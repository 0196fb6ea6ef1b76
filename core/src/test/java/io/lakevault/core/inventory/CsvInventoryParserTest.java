package io.lakevault.core.inventory;

import java.nio.charset.StandardCharsets;

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
  void theFastTimestampPathAgreesWithInstantParse() throws Exception {
    for (String t : List.of("2024-08-21T15:28:26.000Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z",
        "2038-01-19T03:14:08.123Z", "1969-12-31T23:59:59.999Z", "2024-08-21T15:28:26Z", "2024-08-21T15:28:26.5Z",
        " 2024-08-21T15:28:26.000Z")) {
      assertEquals(Instant.parse(t.trim()), v(p.parse("lake,k,,true,false,1," + t + ",,,,,,"), InventoryField.LAST_MODIFIED_DATE), t);
    }
    CsvInventoryParser.BadRowException e = assertThrows(CsvInventoryParser.BadRowException.class,
        () -> p.parse("lake,k,,true,false,1,2023-02-29T00:00:00.000Z,,,,,,"));
    assertTrue(e.getMessage().contains("LastModifiedDate '2023-02-29T00:00:00.000Z' is not a timestamp"), e.getMessage());
  }

  @Test
  void quotedFieldsWithDoubledQuotesCommasAndEmptyFields() throws Exception {
    Object[] r = p.parse("\"lake\",\"a\"\"b,c\",\"\",true,false,\"7\",,\"e\"\"t\",,,,,");
    assertEquals("a\"b,c", v(r, InventoryField.KEY));
    assertEquals(InventoryValues.NULL_VERSION, v(r, InventoryField.VERSION_ID), "an empty quoted field is empty");
    assertEquals(7L, v(r, InventoryField.SIZE));
    assertEquals("e\"t", v(r, InventoryField.E_TAG));
    CsvInventoryParser.BadRowException e = assertThrows(CsvInventoryParser.BadRowException.class,
        () -> p.parse("\"lake\",\"k\"x,,true,false,1,,,,,,,"));
    assertTrue(e.getMessage().contains("has text after a closing quote at column 11"), e.getMessage());
  }

  @Test
  void keysDecodeToUtf8AndBadEscapesAreBadRows() throws Exception {
    assertEquals("a b+c/ü", v(p.parse("lake,a+b%2Bc%2F%C3%BC,,true,false,,,,,,,,"), InventoryField.KEY));
    assertEquals("plain/key.json", v(p.parse("lake,plain/key.json,,true,false,,,,,,,,"), InventoryField.KEY));
    for (String[] c : List.of(new String[] {"lake,100%,,true,false,,,,,,,,", "'100%' has a '%' that is not followed"},
        new String[] {"lake,x%zz,,true,false,,,,,,,,", "'x%zz' has a '%'"},
        new String[] {"lake,x%C3,,true,false,,,,,,,,", "'x%C3' is not UTF-8 once URL-decoded"})) {
      CsvInventoryParser.BadRowException e = assertThrows(CsvInventoryParser.BadRowException.class, () -> p.parse(c[0]));
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  /** Issue 19, defect 7: raw bytes that are not UTF-8 in a key, and a negative size, were accepted and committed. */
  @Test
  void aKeyOfRawNonUtf8BytesAndANegativeSizeAreBadRows() throws Exception {
    byte[] line = "lake,bad?key,,true,false,1,,,,,,,".getBytes(StandardCharsets.ISO_8859_1);
    line[8] = (byte) 0xFF;
    CsvInventoryParser.BadRowException e = assertThrows(CsvInventoryParser.BadRowException.class, () -> p.parse(line));
    assertTrue(e.getMessage().contains("is not UTF-8 (S3 keys are UTF-8"), e.getMessage());
    byte[] raw = "lake,caf\u00e9.json,,true,false,1,,,,,,,".getBytes(StandardCharsets.UTF_8);
    assertEquals("caf\u00e9.json", v(p.parse(raw), InventoryField.KEY), "raw UTF-8 is a key");
    e = assertThrows(CsvInventoryParser.BadRowException.class, () -> p.parse("lake,k,,true,false,-5,,,,,,,"));
    assertTrue(e.getMessage().contains("Size '-5' is negative"), e.getMessage());
  }

  @Test
  void numbersOutsideTheFastPath() throws Exception {
    assertEquals(Long.MAX_VALUE, v(p.parse("lake,k,,true,false,9223372036854775807,,,,,,,"), InventoryField.SIZE));
    assertEquals(12L, v(p.parse("lake,k,,true,false, 12 ,,,,,,,"), InventoryField.SIZE));
    assertThrows(CsvInventoryParser.BadRowException.class, () -> p.parse("lake,k,,true,false,9223372036854775808,,,,,,,"));
  }
}
