package io.lakevault.spark.catalog;

import io.lakevault.core.archive.ArchiveFrontier;
import io.lakevault.core.config.Settings;
import io.delta.tables.DeltaTable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the {@link ArchiveFrontier} lives: a small file beside the tables that the archive job replaces after
 * each complete run and the classify job reads to mark {@code archive_pending}. It is a shortcut, not a
 * record: when it is missing or unreadable, the next classification marks every ARCHIVE row, as a first run
 * does (docs/archive.md, "Daily runs").
 */
public final class ArchiveFrontiers {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveFrontiers.class);
  /** Commits of {@code classified} searched back for the classification (a purge may have rewritten it since). */
  private static final int HISTORY = 20;

  private ArchiveFrontiers() {}

  public static String uri(Catalog catalog) {
    return catalog.config().get(Settings.CATALOG_URI) + "/state/archive-frontier.json";
  }

  /** The last complete archive run's frontier, or {@code null} when there is none or it cannot be read. */
  public static ArchiveFrontier read(Catalog catalog) {
    byte[] bytes = catalog.readFile(uri(catalog));
    if (bytes == null) return null;
    try {
      return ArchiveFrontier.parse(new String(bytes, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      LOG.warn("{} cannot be read ({}): the next classification marks every version to archive as pending",
          uri(catalog), e.getMessage());
      return null;
    }
  }

  public static void write(Catalog catalog, ArchiveFrontier frontier) {
    catalog.writeFile(uri(catalog), frontier.toJson().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A version of {@code classified} pinned for a run, and the classification that wrote its rows (from the
   * commit's metadata), or {@code null} for a table no classification of this version wrote.
   */
  public record Snapshot(long version, ArchiveFrontier.Classification classification) {}

  public static Snapshot classified(Catalog catalog) {
    List<Row> history = DeltaTable.forPath(catalog.spark(), catalog.path(CatalogTable.CLASSIFIED)).history(HISTORY)
        .select("version", "operation", "userMetadata").collectAsList();
    long version = history.get(0).getLong(0);
    for (Row r : history) {
      ArchiveFrontier.Classification c = ArchiveFrontier.Classification.fromJson(r.isNullAt(2) ? null : r.getString(2));
      if (c != null) return new Snapshot(version, c);
      // Only a purge's deletes may follow the classification: anything else could have changed its rows.
      if (!"DELETE".equals(r.getString(1))) break;
    }
    return new Snapshot(version, null);
  }
}
