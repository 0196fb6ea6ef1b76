package io.lakevault.core.store;

import io.lakevault.core.LakevaultException;
import java.util.Locale;

/** Glacier retrieval tiers. Deep Archive has no Expedited tier. */
public enum RestoreTier {
  EXPEDITED, STANDARD, BULK;

  public static RestoreTier parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw LakevaultException.usage("'" + s + "' is not a restore tier; use Bulk, Standard or Expedited");
    }
  }
}
