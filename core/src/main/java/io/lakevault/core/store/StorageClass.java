package io.lakevault.core.store;

import io.lakevault.core.LakevaultException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** S3 storage classes (the inventory's StorageClass values plus Express One Zone). */
public enum StorageClass {
  STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE,
  OUTPOSTS, GLACIER_IR, SNOW, EXPRESS_ONEZONE;

  /** True for the classes whose objects must be restored before a GET (Flexible Retrieval, Deep Archive). */
  public boolean needsRestore() {
    return this == GLACIER || this == DEEP_ARCHIVE;
  }

  /** Parses a class name from user input, case-insensitively. */
  public static StorageClass parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw LakevaultException.usage("'" + s + "' is not an S3 storage class; use one of "
          + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
  }

  /** Parses a class name from a store response; {@code null} or absent means STANDARD, as in S3. */
  public static StorageClass fromWire(String s) {
    if (s == null || s.isEmpty()) return STANDARD;
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      // A class S3 added after this build: treat as readable; archive classes are all listed above.
      return STANDARD;
    }
  }
}
