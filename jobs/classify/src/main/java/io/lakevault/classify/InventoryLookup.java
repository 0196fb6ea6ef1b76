package io.lakevault.classify;

import io.delta.kernel.expressions.And;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.policy.ObjectFacts;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One object's versions in the latest inventory ({@link LatestInventory}'s choice of reports), read with
 * Delta Kernel: the ledger, then in each chosen report's partition only the files whose key statistics
 * can hold the key. What {@code explain} evaluates, without a SparkSession.
 */
public final class InventoryLookup {
  /** The reports of the object's bucket that were read, and its versions in them, newest first. */
  public record Found(List<LatestInventory.Report> reports, List<ObjectFacts> versions) {}

  private static final List<String> COLUMNS = List.of("source_bucket", "config_id", "report_time", "bucket", "key",
      "version_id", "is_latest", "is_delete_marker", "size", "last_modified_date", "storage_class", "encryption_status",
      "object_lock_mode", "object_lock_legal_hold_status");

  private final KernelCatalog catalog;
  private final LakevaultConfig config;

  public InventoryLookup(KernelCatalog catalog, LakevaultConfig config) {
    this.catalog = catalog;
    this.config = config;
  }

  /** @param versionId only this version, or null for every version */
  public Found versions(String bucket, String key, String versionId) {
    List<LatestInventory.Report> ledger = new ArrayList<>();
    boolean any = catalog.scan(CatalogTable.INVENTORY_REPORTS, null,
        List.of("source_bucket", "config_id", "all_versions", "report_time", "rows"), r -> {
          Long rows = r.longValue("rows");
          ledger.add(new LatestInventory.Report(r.string("source_bucket"), r.string("config_id"), r.instant("report_time"),
              Boolean.TRUE.equals(r.bool("all_versions")), rows == null ? 0 : rows));
        });
    if (!any || ledger.isEmpty()) throw LatestInventory.noInventory(config);
    List<LatestInventory.Report> reports = LatestInventory.choose(ledger).stream()
        .filter(c -> c.sourceBucket().equals(bucket)).toList();
    // A version in more than one chosen report (several configurations of one bucket) is taken from the newest.
    Map<String, Object[]> chosen = new LinkedHashMap<>();
    for (LatestInventory.Report c : reports) {
      int day = (int) c.reportTime().atZone(ZoneOffset.UTC).toLocalDate().toEpochDay();
      Predicate p = new And(new And(eq("source_bucket", c.sourceBucket()), eq("config_id", c.configId())),
          new And(new Predicate("=", new Column("report_date"), Literal.ofDate(day)),
              new And(eq("bucket", bucket), eq("key", key))));
      catalog.scan(CatalogTable.INVENTORY, p, COLUMNS, r -> {
        if (!c.reportTime().equals(r.instant("report_time")) || !bucket.equals(r.string("bucket"))
            || !key.equals(r.string("key")) || !c.configId().equals(r.string("config_id"))) {
          return;
        }
        String v = r.string("version_id");
        if (versionId != null && !versionId.equals(v)) return;
        ObjectFacts facts = new ObjectFacts(bucket, key, v, r.bool("is_latest"), r.bool("is_delete_marker"),
            r.longValue("size"), r.instant("last_modified_date"), r.string("storage_class"), r.string("encryption_status"),
            r.string("object_lock_mode"), r.string("object_lock_legal_hold_status"));
        Object[] entry = {c.reportTime(), c.configId(), facts};
        chosen.merge(String.valueOf(v), entry, (a, b) -> newer(a, b) ? a : b);
      });
    }
    List<ObjectFacts> out = new ArrayList<>();
    for (Object[] e : chosen.values()) out.add((ObjectFacts) e[2]);
    out.sort(Comparator.comparing(ObjectFacts::lastModified, Comparator.nullsLast(Comparator.<Instant>reverseOrder())));
    return new Found(reports, out);
  }

  /** The newer report wins; between reports of one time, the first configuration id (as the Spark path). */
  private static boolean newer(Object[] a, Object[] b) {
    int t = ((Instant) a[0]).compareTo((Instant) b[0]);
    return t != 0 ? t > 0 : ((String) a[1]).compareTo((String) b[1]) <= 0;
  }

  private static Predicate eq(String column, String value) {
    return new Predicate("=", new Column(column), Literal.ofString(value));
  }
}
