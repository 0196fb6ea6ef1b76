package io.lakevault.core.store;

import java.util.Comparator;

/** Object-key helpers shared by every store. */
public final class Keys {
  private Keys() {}

  /**
   * S3's listing order: keys compared as unsigned UTF-8 bytes (not Java's UTF-16 order), which is code
   * point order, so it is computed without encoding.
   */
  public static final Comparator<String> UTF8_ORDER = (a, b) -> {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) return Integer.compare(ca, cb);
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  };

  /**
   * The least string greater than every string that starts with {@code prefix}: its last character
   * plus one (in UTF-8, UTF-16 and code point order alike); null when that is not a plain character.
   */
  public static String prefixUpperBound(String prefix) {
    char last = prefix.charAt(prefix.length() - 1);
    if (last >= Character.MIN_SURROGATE - 1) return null;
    return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
  }
}
