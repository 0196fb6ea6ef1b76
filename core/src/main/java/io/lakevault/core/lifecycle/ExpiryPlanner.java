package io.lakevault.core.lifecycle;

import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.StorageClass;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Decides, pack by pack, whether retention expiry may delete a pack: pure, so the rule is tested apart
 * from Spark and S3 (docs/lifecycle.md, "Expiry"). A pack goes only when every member's retain-until is
 * past, no member is held, its own Object Lock has ended and its storage class's minimum duration is
 * served; the first reason that keeps it is the one reported, in that order of precedence: a hold first
 * (it stops everything), then members still retained, then the lock, then the minimum duration.
 */
public final class ExpiryPlanner implements Serializable {
  /** What to do with a pack, and why. */
  public enum Verdict {
    /** Every condition holds: the pack and its key file are deleted, its members marked disposed. */
    DELETE,
    /** An open legal hold covers a member. */
    HELD,
    /** No member is past its retain-until yet (or one has none): nothing to do, not reported as held back. */
    RETAINED,
    /** Some members are past retention, others not: kept; the report weighs a rewrite. */
    MIXED,
    /** Every member is past retention but the pack's Object Lock has not ended. */
    LOCKED,
    /** Every member is past retention but the storage class's minimum duration is not served. */
    MINIMUM_DURATION
  }

  /**
   * What the catalog says of one pack and the versions whose bytes (or reference records) it holds.
   *
   * @param lockUntil the pack's Object Lock retain-until, or {@code null} when it has none
   * @param latestRetainUntil the latest retain-until of its members, {@code null} when one has none (kept forever)
   * @param expiredMembers members whose retain-until is at or before the planning time
   * @param deadBytes stored bytes of the expired members' entries (what a rewrite would drop)
   * @param holdCases the open legal-hold cases covering a member, sorted; empty when none
   */
  public record PackFacts(String packId, String uri, String retentionClass, StorageClass storageClass,
      Instant createdAt, Instant lockUntil, Instant latestRetainUntil, long members, long expiredMembers,
      long storedBytes, long deadBytes, List<String> holdCases) implements Serializable {
    public PackFacts {
      holdCases = holdCases == null ? List.of() : List.copyOf(holdCases);
    }
  }

  /**
   * Whether rewriting a mixed pack would pay: a rewrite retrieves the whole pack (thaw at the Bulk tier
   * where the class needs one, and the GET), writes one new pack, and pays what is left of the old pack's
   * minimum duration; it saves the dead bytes' storage until the live members' retention ends.
   */
  public record Rewrite(double oneTimeCost, double savedPerMonth, double monthsLeft, boolean pays) implements Serializable {}

  /** One pack's verdict, the reason in words, and for a mixed pack whether a rewrite pays. */
  public record Decision(Verdict verdict, String reason, Rewrite rewrite) implements Serializable {}

  private static final double GB = 1L << 30; // the price table bills GB of 2^30 bytes
  private static final double DAYS_PER_MONTH = 365.25 / 12;

  private final PriceTable prices;

  public ExpiryPlanner(PriceTable prices) {
    this.prices = prices;
  }

  public Decision decide(PackFacts f, Instant now) {
    if (!f.holdCases().isEmpty()) {
      return new Decision(Verdict.HELD, "held by case " + String.join(", ", f.holdCases()), null);
    }
    if (f.expiredMembers() == 0 || f.members() == 0) {
      return new Decision(Verdict.RETAINED, f.latestRetainUntil() == null ? "a member is kept without end"
          : "retained until " + f.latestRetainUntil(), null);
    }
    if (f.expiredMembers() < f.members()) {
      return new Decision(Verdict.MIXED, (f.members() - f.expiredMembers()) + " of " + f.members()
          + " members still retained" + (f.latestRetainUntil() == null ? ", one without end" : " until " + f.latestRetainUntil()),
          rewrite(f, now));
    }
    if (f.lockUntil() != null && f.lockUntil().isAfter(now)) {
      return new Decision(Verdict.LOCKED, "its Object Lock holds until " + f.lockUntil(), null);
    }
    Instant served = minimumServed(f);
    if (served.isAfter(now)) {
      return new Decision(Verdict.MINIMUM_DURATION, f.storageClass() + " bills at least "
          + prices.minimumDays(f.storageClass()) + " days: deletable from " + served, null);
    }
    return new Decision(Verdict.DELETE, "every member's retention ended (the latest " + f.latestRetainUntil() + ")", null);
  }

  /** When the storage class's minimum duration is served for the pack. */
  public Instant minimumServed(PackFacts f) {
    return f.createdAt().plus(Duration.ofDays(prices.minimumDays(f.storageClass())));
  }

  /** Monthly storage cost of a pack of this many bytes in its class, as the price table bills it. */
  public double monthlyCost(StorageClass sc, long bytes) {
    return Math.max(bytes, prices.minimumBillableBytes(sc)) / GB * prices.storagePerGbMonth(sc);
  }

  private Rewrite rewrite(PackFacts f, Instant now) {
    StorageClass sc = f.storageClass();
    double retrieval = 0;
    PriceTable.RestorePrice thaw = prices.restorePrice(sc, RestoreTier.BULK);
    if (thaw != null) retrieval = thaw.perRequest() + f.storedBytes() / GB * thaw.perGb();
    retrieval += prices.getPrice();
    double put = prices.putPrice(sc);
    // Deleting the old pack before its minimum duration bills the rest of it at once.
    Instant served = minimumServed(f);
    double earlyDays = served.isAfter(now) ? Duration.between(now, served).toHours() / 24.0 : 0;
    double early = monthlyCost(sc, f.storedBytes()) * earlyDays / DAYS_PER_MONTH;
    double saved = f.deadBytes() / GB * prices.storagePerGbMonth(sc);
    double months = f.latestRetainUntil() == null ? 120
        : Math.max(0, Duration.between(now, f.latestRetainUntil()).toHours() / 24.0 / DAYS_PER_MONTH);
    double once = retrieval + put + early;
    return new Rewrite(once, saved, months, saved * months > once);
  }
}
