package io.lakevault.lifecycle;

import io.lakevault.core.LakevaultException;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Legal-hold cases read with Delta Kernel, no SparkSession: {@code hold list}, and which open cases hold
 * a given pack (the state the auditor's desk shows). The holds and held_packs tables grow with cases and
 * held packs, not with objects.
 */
public final class HeldCases {
  private final KernelCatalog catalog;

  public HeldCases(KernelCatalog catalog) {
    this.catalog = catalog;
  }

  /** Open cases first, then released ones, each by placement time; with the packs and versions held now. */
  public List<HoldJob.Case> list(String caseId) {
    Map<String, long[]> held = new HashMap<>();
    catalog.scan(CatalogTable.HELD_PACKS, null, List.of("case_id", "versions", "hold_removed_at"), r -> {
      if (!r.isNull("hold_removed_at")) return;
      long[] c = held.computeIfAbsent(r.string("case_id"), k -> new long[2]);
      c[0]++;
      Long v = r.longValue("versions");
      c[1] += v == null ? 0 : v;
    });
    List<HoldJob.Case> out = new ArrayList<>();
    catalog.scan(CatalogTable.HOLDS, null, List.of("case_id", "selector", "reason", "placed_by", "placed_at",
        "released_at", "released_by", "release_reason"), r -> {
          String id = r.string("case_id");
          if (caseId != null && !caseId.equals(id)) return;
          long[] c = held.getOrDefault(id, new long[2]);
          out.add(new HoldJob.Case(id, r.string("selector"), r.string("reason"), r.string("placed_by"),
              r.instant("placed_at"), r.instant("released_at"), r.string("released_by"), r.string("release_reason"),
              c[0], c[1]));
        });
    out.sort(Comparator.comparing((HoldJob.Case c) -> c.releasedAt() != null)
        .thenComparing(HoldJob.Case::placedAt, Comparator.nullsLast(Comparator.<Instant>naturalOrder())));
    if (caseId != null && out.isEmpty()) throw LakevaultException.usage("no case " + caseId + " in the holds table");
    return out;
  }

  /** For each of the given packs that an S3 legal hold still holds, the cases holding it, sorted. */
  public Map<String, List<String>> holding(Collection<String> packIds) {
    Map<String, TreeSet<String>> by = new TreeMap<>();
    if (packIds.isEmpty()) return Map.of();
    java.util.Set<String> wanted = new java.util.HashSet<>(packIds);
    catalog.scan(CatalogTable.HELD_PACKS, null, List.of("case_id", "pack_id", "hold_removed_at"), r -> {
      String pack = r.string("pack_id");
      if (wanted.contains(pack) && r.isNull("hold_removed_at")) {
        by.computeIfAbsent(pack, k -> new TreeSet<>()).add(r.string("case_id"));
      }
    });
    Map<String, List<String>> out = new TreeMap<>();
    by.forEach((k, v) -> out.put(k, List.copyOf(v)));
    return out;
  }
}
