package io.lakevault.core.inventory;

import java.util.Locale;

/**
 * Canonical forms of inventory values, whatever case or spelling a report uses (AWS's docs and
 * sample rows disagree: {@code Compliance} / {@code COMPLIANCE}, {@code SHA-256} / {@code SHA256},
 * {@code On} / {@code ON}). The ORC/Parquet path applies the same rules as Spark SQL expressions in
 * {@code InventoryNormalizer}; a cross-format test holds the two together.
 */
public final class InventoryValues {
  private InventoryValues() {}

  /** The version id S3 gives versions written while versioning was off; all-versions CSV reports leave it empty. */
  public static final String NULL_VERSION = "null";

  /**
   * Canonical text of a string field: enums upper-cased and trimmed, checksum names without '-', empty
   * as null. Readers test for values already canonical first (the common case) and call this for the rest.
   */
  public static String canonical(InventoryField f, String v) {
    if (v == null || v.isEmpty()) return null;
    if (!f.enumerated()) return v;
    String c = v.trim().toUpperCase(Locale.ROOT);
    if (f == InventoryField.CHECKSUM_ALGORITHM) c = c.replace("-", "");
    return c.isEmpty() ? null : c;
  }

  /** Booleans in any case; {@code null} for empty; {@code IllegalArgumentException} otherwise. */
  public static Boolean bool(String v) {
    if (v == null || v.isEmpty()) return null;
    if (v.equalsIgnoreCase("true")) return Boolean.TRUE;
    if (v.equalsIgnoreCase("false")) return Boolean.FALSE;
    throw new IllegalArgumentException("'" + v + "' is not true or false");
  }
}
