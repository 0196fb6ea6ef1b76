package io.lakevault.core.inventory;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Names in S3 Inventory's delivery layout: {@code <prefix>/<source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.json}. */
public final class InventoryReportId {
  /** The report folder's timestamp, e.g. {@code 2016-11-06T21-32Z}. */
  public static final DateTimeFormatter FOLDER_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm'Z'")
      .withZone(ZoneOffset.UTC);
  /** Hive partition value, e.g. {@code dt=2016-11-06-21-32}. */
  public static final DateTimeFormatter HIVE_DT = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm").withZone(ZoneOffset.UTC);
  /** The manifest schema version in every AWS example. */
  public static final String MANIFEST_VERSION = "2016-11-30";

  private InventoryReportId() {}

  public static String configPrefix(String destinationPrefix, String sourceBucket, String configId) {
    String p = destinationPrefix == null || destinationPrefix.isEmpty() ? "" : stripSlash(destinationPrefix) + "/";
    return p + sourceBucket + "/" + configId + "/";
  }

  public static String reportFolder(Instant scanStart) {
    return FOLDER_TIME.format(scanStart);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
