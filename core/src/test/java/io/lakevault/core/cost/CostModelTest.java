package io.lakevault.core.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.store.StorageClass;
import org.junit.jupiter.api.Test;

class CostModelTest {
  private static final double GIB = 1L << 30;
  private final CostModel model = new CostModel(PriceTable.builtIn());

  /** A million 10 KiB objects kept 180 days (the minimum), 4:1 compressible, in 10 packs. */
  private static ClassVolume million(StorageClass sc) {
    long n = 1_000_000;
    long size = 10_240;
    double days = 180;
    return new ClassVolume("c", sc, 1L << 30, n, n * size, n * Math.max(size, 131_072L), n * days, n * size * days,
        n * Math.max(size, 131_072L) * days, n * size * 0.25, n * size * 0.25 * days, 10);
  }

  @Test
  void asIsDeepArchiveBillsFortyKilobytesAndAPutPerObject() {
    CostModel.Way w = model.compare(million(StorageClass.DEEP_ARCHIVE)).asIs();
    assertEquals(1_000_000, w.requests());
    assertEquals(50.0, w.oneTime(), 1e-9, "$0.05 per 1,000 PUTs (aws-facts 2.2)");
    double expectedMonthly = (1e6 * 10_240 + 1e6 * 32_768) / GIB * 0.00099 + 1e6 * 8_192 / GIB * 0.023;
    assertEquals(expectedMonthly, w.monthly(), 1e-9);
    assertEquals(0.2151, w.monthly(), 1e-3, "the overhead alone is about $0.21 a month per million objects (aws-facts 2.2)");
    assertEquals(50.0 + expectedMonthly * 180 / CostModel.DAYS_PER_MONTH, w.total(), 1e-9);
  }

  @Test
  void packedBillsCompressedBytesAndAFewRequestsPerPack() {
    CostModel.Comparison c = model.compare(million(StorageClass.DEEP_ARCHIVE));
    CostModel.Way p = c.packed();
    long parts = (long) Math.ceil(1e6 * 10_240 * 0.25 / (64L << 20));
    assertEquals(parts + 2 * 10, p.requests(), "every 64 MiB part, plus start and complete of each pack");
    assertEquals(p.requests() * 0.05 / 1000, p.oneTime(), 1e-12);
    assertEquals((1e6 * 10_240 * 0.25 + 10 * 32_768) / GIB * 0.00099 + 10 * 8_192 / GIB * 0.023, p.monthly(), 1e-12);
    assertTrue(c.savedFraction() > 0.99, "packing a million small objects saves nearly everything: " + c.savedFraction());
  }

  @Test
  void infrequentAccessBillsTheMinimumSizeAndNoArchiveOverhead() {
    CostModel.Way w = model.compare(million(StorageClass.STANDARD_IA)).asIs();
    assertEquals(1e6 * 131_072 / GIB * 0.0125, w.monthly(), 1e-9, "128 KB minimum billable size, no 40 KB overhead");
  }

  @Test
  void priceTablesAreCheckedWhenLoaded() {
    LakevaultException e = assertThrows(LakevaultException.class, () -> PriceTable.parse("mine.yaml", "region: x\n"));
    assertTrue(e.getMessage().startsWith("price table mine.yaml: 'currency' is missing"), e.getMessage());
    assertEquals(0.25, PriceTable.builtIn().compressionRatio("logs/a.JSON"));
    assertEquals(1.0, PriceTable.builtIn().compressionRatio("img/a.png"));
    assertEquals(0.6, PriceTable.builtIn().compressionRatio("blob.bin"));
  }
}
