package io.lakevault.core.cost;

import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.StorageClass;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a restore costs and how long it takes, per tier, before it starts. A thaw restores whole packs
 * (RestoreObject takes no byte range), so retrieval is billed on the packs' full size; the restored
 * copies are billed at the STANDARD rate for the days they are kept; reads are GET requests.
 */
public final class RestoreCost {
  private static final double GB = 1L << 30;

  private final PriceTable prices;

  public RestoreCost(PriceTable prices) {
    this.prices = prices;
  }

  /** Packs of one storage class that need a thaw: how many and their stored bytes. */
  public record Thaw(StorageClass storageClass, long packs, long bytes) {}

  /**
   * One tier's estimate.
   *
   * @param available false when a class to thaw has no such tier (Deep Archive has no Expedited)
   * @param retrieval restore requests plus retrieval per GB
   * @param copies the restored copies kept for {@code days} days at the STANDARD rate
   * @param reads GET requests of the extraction
   * @param hours the longest typical time among the classes to thaw; 0 when nothing needs a thaw
   */
  public record Estimate(RestoreTier tier, boolean available, double retrieval, double copies, double reads,
      double hours) {
    public double total() {
      return retrieval + copies + reads;
    }
  }

  /** Estimates for every tier, Bulk first. */
  public List<Estimate> estimate(List<Thaw> thaws, long getRequests, int days) {
    List<Estimate> out = new ArrayList<>();
    for (RestoreTier tier : List.of(RestoreTier.BULK, RestoreTier.STANDARD, RestoreTier.EXPEDITED)) {
      out.add(estimate(thaws, getRequests, days, tier));
    }
    return out;
  }

  public Estimate estimate(List<Thaw> thaws, long getRequests, int days, RestoreTier tier) {
    double retrieval = 0;
    double copies = 0;
    double hours = 0;
    boolean available = true;
    Map<StorageClass, Thaw> byClass = new EnumMap<>(StorageClass.class);
    for (Thaw t : thaws) {
      byClass.merge(t.storageClass(), t, (a, b) -> new Thaw(a.storageClass(), a.packs() + b.packs(), a.bytes() + b.bytes()));
    }
    for (Thaw t : byClass.values()) {
      if (t.packs() == 0) continue;
      PriceTable.RestorePrice p = prices.restorePrice(t.storageClass(), tier);
      if (p == null) {
        available = false;
        continue;
      }
      retrieval += t.packs() * p.perRequest() + t.bytes() / GB * p.perGb();
      copies += t.bytes() / GB * prices.storagePerGbMonth(StorageClass.STANDARD) * days / CostModel.DAYS_PER_MONTH;
      hours = Math.max(hours, p.hours());
    }
    return new Estimate(tier, available, retrieval, copies, getRequests * prices.getPrice(), hours);
  }
}
