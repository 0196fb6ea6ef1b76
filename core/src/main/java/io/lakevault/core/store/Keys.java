package io.lakevault.core.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** Object-key helpers shared by every store. */
public final class Keys {
  private Keys() {}

  /** S3's listing order: keys compared as unsigned UTF-8 bytes (not Java's UTF-16 order). */
  public static final Comparator<String> UTF8_ORDER = (a, b) ->
      Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
}
