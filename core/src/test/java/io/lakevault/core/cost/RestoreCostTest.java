package io.lakevault.core.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.StorageClass;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestoreCostTest {
  @Test
  void aThawIsBilledOnWholePacksPerTier() {
    RestoreCost c = new RestoreCost(PriceTable.builtIn());
    long gib = 1L << 30;
    List<RestoreCost.Thaw> thaws = List.of(new RestoreCost.Thaw(StorageClass.DEEP_ARCHIVE, 10, 10 * gib));
    RestoreCost.Estimate bulk = c.estimate(thaws, 1000, 3, RestoreTier.BULK);
    // 10 requests at $0.025/1000 + 10 GB at $0.0025; copies: 10 GB at $0.023/GB-month for 3 days; 1000 GETs.
    assertEquals(10 * 0.025 / 1000 + 10 * 0.0025, bulk.retrieval(), 1e-9);
    assertEquals(10 * 0.023 * 3 / CostModel.DAYS_PER_MONTH, bulk.copies(), 1e-9);
    assertEquals(1000 * 0.0004 / 1000, bulk.reads(), 1e-9);
    assertEquals(48, bulk.hours());
    assertEquals(12, c.estimate(thaws, 0, 1, RestoreTier.STANDARD).hours());
    assertFalse(c.estimate(thaws, 0, 1, RestoreTier.EXPEDITED).available(), "Deep Archive has no Expedited");
    assertEquals(0, c.estimate(List.of(), 0, 1, RestoreTier.BULK).hours(), "nothing to thaw, nothing to wait for");
  }
}
