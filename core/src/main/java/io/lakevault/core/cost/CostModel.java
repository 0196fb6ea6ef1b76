package io.lakevault.core.cost;

import io.lakevault.core.store.StorageClass;

/**
 * What archiving a retention class costs two ways: as-is (every object its own archive object) and
 * packed (lakevault's packs). Pure arithmetic over a {@link ClassVolume} and a {@link PriceTable};
 * the formulas are written out in docs/policy.md.
 */
public final class CostModel {
  private static final double GB = 1L << 30;
  /** Days in the average month: AWS bills GB-months. */
  static final double DAYS_PER_MONTH = 30.436875;

  private final PriceTable prices;

  public CostModel(PriceTable prices) {
    this.prices = prices;
  }

  public PriceTable prices() {
    return prices;
  }

  /**
   * One way of archiving a class.
   *
   * @param archiveObjects S3 objects written
   * @param requests PUT-class requests (parts, starts and completions of multipart uploads)
   * @param storedBytes billed bytes, overhead included
   * @param oneTime request cost
   * @param monthly storage cost of one month at the start
   * @param total one-time plus storage until every object's retain-until (at least the minimum duration)
   */
  public record Way(long archiveObjects, long requests, double storedBytes, double oneTime, double monthly, double total) {}

  /** Both ways, side by side. */
  public record Comparison(ClassVolume volume, Way asIs, Way packed) {
    /** How much packing saves over the retention period, as a fraction of the as-is total. */
    public double savedFraction() {
      return asIs.total() == 0 ? 0 : 1 - packed.total() / asIs.total();
    }
  }

  public Comparison compare(ClassVolume v) {
    return new Comparison(v, asIs(v), packed(v));
  }

  Way asIs(ClassVolume v) {
    StorageClass sc = v.storageClass();
    double put = v.objects() * prices.putPrice(sc);
    boolean minimum = prices.minimumBillableBytes(sc) > 0;
    double bytesNow = minimum ? v.billableBytes() : v.bytes();
    double byteDays = minimum ? v.billableByteDays() : v.byteDays();
    return way(sc, v.objects(), v.objects(), bytesNow, byteDays, v.objectDays(), put);
  }

  Way packed(ClassVolume v) {
    StorageClass sc = v.storageClass();
    long parts = Math.max(v.packs(), (long) Math.ceil(v.compressedBytes() / prices.partSize()));
    long requests = v.packs() == 0 ? 0 : parts + 2 * v.packs();
    double put = requests * prices.putPrice(sc);
    double avgDays = v.objects() == 0 ? 0 : v.objectDays() / v.objects();
    return way(sc, v.packs(), requests, v.compressedBytes(), v.compressedByteDays(), v.packs() * avgDays, put);
  }

  private Way way(StorageClass sc, long objects, long requests, double bytes, double byteDays, double objectDays,
      double oneTime) {
    double rate = prices.storagePerGbMonth(sc);
    double stored = bytes;
    double monthly = bytes / GB * rate;
    double overTime = byteDays / GB * rate;
    if (PriceTable.hasArchiveOverhead(sc)) {
      double std = prices.storagePerGbMonth(StorageClass.STANDARD);
      stored += objects * (double) (prices.indexBytes() + prices.nameBytes());
      monthly += objects * (double) prices.indexBytes() / GB * rate + objects * (double) prices.nameBytes() / GB * std;
      overTime += objectDays * prices.indexBytes() / GB * rate + objectDays * prices.nameBytes() / GB * std;
    }
    return new Way(objects, requests, stored, oneTime, monthly, oneTime + overTime / DAYS_PER_MONTH);
  }
}
