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

  /** Canonical text of a string field: enums upper-cased, checksum names without '-', empty as null. */
  public static String canonical(InventoryField f, String v) {
    if (v == null || v.isEmpty()) return null;
    return switch (f) {
      case STORAGE_CLASS, REPLICATION_STATUS, ENCRYPTION_STATUS, OBJECT_LOCK_MODE, OBJECT_LOCK_LEGAL_HOLD_STATUS,
          INTELLIGENT_TIERING_ACCESS_TIER, BUCKET_KEY_STATUS -> isCanonical(v) ? v : v.trim().toUpperCase(Locale.ROOT);
      case CHECKSUM_ALGORITHM -> isCanonical(v) && v.indexOf('-') < 0 ? v
          : v.trim().toUpperCase(Locale.ROOT).replace("-", "");
      default -> v;
    };
  }

  /** Already upper-case with no surrounding blanks: the common case, kept without a copy. */
  private static boolean isCanonical(String v) {
    if (v.charAt(0) == ' ' || v.charAt(v.length() - 1) == ' ') return false;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c >= 'a' && c <= 'z') return false;
    }
    return true;
  }

  /** Booleans in any case; {@code null} for empty; {@code IllegalArgumentException} otherwise. */
  public static Boolean bool(String v) {
    if (v == null || v.isEmpty()) return null;
    if (v.equalsIgnoreCase("true")) return Boolean.TRUE;
    if (v.equalsIgnoreCase("false")) return Boolean.FALSE;
    throw new IllegalArgumentException("'" + v + "' is not true or false");
  }
}
