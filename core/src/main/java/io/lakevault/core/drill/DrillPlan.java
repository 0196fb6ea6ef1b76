package io.lakevault.core.drill;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.store.RestoreTier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The pure decisions of a restore drill (docs/drills.md): the levels a lake is restored at, the seeded
 * as-of time of each (class, level), the restore tier a class's RTO calls for, and the verdict on a
 * level from what the restore and the verification found. Sampling the catalog and running restores is
 * the drill job's; everything here is a function of its inputs, so a drill is reproducible from its seed.
 */
public final class DrillPlan {
  private DrillPlan() {}

  /** The levels a data lake is restored at, smallest first, with how many units each takes. */
  public enum Level {
    OBJECT(1), OBJECTS(5), PREFIX(1), PREFIXES(3), BUCKET(1), BUCKETS(2);

    private final int units;

    Level(int units) {
      this.units = units;
    }

    /** Objects, prefixes or buckets sampled at this level. */
    public int units() {
      return units;
    }

    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Versions are picked one by one (object, objects); other levels restore a prefix or bucket as of a time. */
    public boolean byVersion() {
      return this == OBJECT || this == OBJECTS;
    }

    public boolean byPrefix() {
      return this == PREFIX || this == PREFIXES;
    }

    /** {@code object,prefixes,...} or {@code all}; refused naming the unknown value. */
    public static List<Level> parse(List<String> names) {
      if (names == null || names.isEmpty()) return List.of(values());
      TreeSet<Level> out = new TreeSet<>();
      for (String n : names) {
        for (String one : n.split(",")) {
          String v = one.trim().toUpperCase(Locale.ROOT);
          if (v.isEmpty()) continue;
          if (v.equals("ALL")) return List.of(values());
          try {
            out.add(Level.valueOf(v));
          } catch (IllegalArgumentException e) {
            throw LakevaultException.usage("--levels " + one.trim() + ": use object, objects, prefix, prefixes, bucket, "
                + "buckets or all");
          }
        }
      }
      return List.copyOf(out);
    }
  }

  /** What became of a level: the states of the {@code drills} table. */
  public enum Outcome {
    /** Sampled, restore not yet started. */
    PLANNED,
    /** Packs are thawing: run the same command again. */
    THAWING,
    PASSED,
    /** Something was not restored, or not restored right; the reasons name it. */
    FAILED,
    /** Restored and verified, but later than the class's RTO. */
    RTO_MISSED,
    /** Nothing to sample at this level within {@code drill.max-bytes} (the reason says why). */
    SKIPPED;

    public boolean finished() {
      return this != PLANNED && this != THAWING;
    }
  }

  /**
   * The drill's id: a function of what it asks for, so the same command resumes the same drill after a
   * thaw wait, and a new seed (the scheduler passes the month) starts a new one.
   */
  public static String drillId(long seed, List<String> classes, List<Level> levels, RestoreTier tier, String target) {
    String canonical = "seed=" + seed + ";classes=" + String.join(",", new TreeSet<>(classes)) + ";levels="
        + String.join(",", levels.stream().map(Level::cliName).toList()) + ";tier=" + (tier == null ? "rto" : tier.name())
        + ";target=" + target;
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return "d-" + HexFormat.of().formatHex(d, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The random source of one (class, level): independent of which other classes and levels are drilled. */
  public static SplittableRandom random(long seed, String retentionClass, Level level) {
    long h = seed;
    for (byte b : (retentionClass + "/" + level.name()).getBytes(StandardCharsets.UTF_8)) h = h * 1_000_003L + b;
    return new SplittableRandom(h);
  }

  /**
   * The time a level is restored as of: uniform between the class's first archived version and now, so
   * drills reach back over the whole history the catalog keeps, not only the latest state.
   */
  public static Instant asOf(long seed, String retentionClass, Level level, Instant earliest, Instant now) {
    if (!earliest.isBefore(now)) return now;
    long span = Duration.between(earliest, now).getSeconds();
    return earliest.plusSeconds(random(seed, retentionClass, level).nextLong(span + 1));
  }

  /**
   * A seeded hash of a sampled unit (a key, prefix or bucket) for one (class, level): units are taken in
   * this order, so the sample is stable under a catalog's growth elsewhere and the same on every executor.
   */
  public static long rank(long seed, String retentionClass, Level level, String unit) {
    long h = random(seed, retentionClass, level).nextLong();
    for (byte b : unit.getBytes(StandardCharsets.UTF_8)) h = (h ^ b) * 0x100000001b3L;
    return h ^ (h >>> 29);
  }

  /** The folder a key is in ({@code a/b/c.json} is in {@code a/b/}); a key at the top is its own prefix. */
  public static String parent(String key) {
    int slash = key.lastIndexOf('/');
    return slash < 0 ? key : key.substring(0, slash + 1);
  }

  /**
   * The restore tier a class is drilled on: the cheapest tier whose typical time for the class's storage class
   * meets its RTO; with no RTO, the cheapest; when no tier can meet it, the fastest (the drill then records the
   * RTO as missed). Instantly readable classes need no thaw, and get the cheapest tier, unused.
   */
  public static Choice tier(RetentionClass c, PriceTable prices) {
    List<RestoreTier> cheapestFirst = List.of(RestoreTier.BULK, RestoreTier.STANDARD, RestoreTier.EXPEDITED);
    List<RestoreTier> available = new ArrayList<>();
    for (RestoreTier t : cheapestFirst) {
      if (prices.restorePrice(c.storageClass(), t) != null) available.add(t);
    }
    if (available.isEmpty()) return new Choice(RestoreTier.BULK, 0, true);
    for (RestoreTier t : available) {
      double hours = prices.restorePrice(c.storageClass(), t).hours();
      if (c.rto() == null || hours * 3600 <= c.rto().getSeconds()) return new Choice(t, hours, true);
    }
    RestoreTier fastest = available.get(available.size() - 1);
    return new Choice(fastest, prices.restorePrice(c.storageClass(), fastest).hours(), false);
  }

  /**
   * A tier and its typical thaw time.
   *
   * @param meetsRto false when even the fastest tier's typical time is longer than the class's RTO
   */
  public record Choice(RestoreTier tier, double hours, boolean meetsRto) {}

  /**
   * What the restore and the verification of one level found.
   *
   * @param expected versions the catalog says the selection holds (computed apart from the restore's own selection)
   * @param chosen versions the restore job selected
   * @param notExpected versions the restore selected that the catalog says did not exist then, or the reverse
   * @param verified restored objects whose SHA-256 read back from the target equals the catalog's
   * @param problems one line per object not restored or not verified, naming it and why (at most a few)
   * @param elapsed from the level's first restore request to its verification, on the drill's clock
   */
  public record Findings(long expected, long chosen, long notExpected, long verified, List<String> problems,
      Duration elapsed) {}

  /** The verdict on a finished level, with its reasons. */
  public record Verdict(Outcome outcome, List<String> reasons, boolean metRto) {}

  public static Verdict judge(Findings f, Duration rto) {
    List<String> reasons = new ArrayList<>();
    if (f.notExpected() > 0) {
      reasons.add(f.notExpected() + " version(s) differ between the restore's as-of selection and what the catalog says"
          + " existed then");
    }
    if (f.verified() < f.expected()) {
      reasons.add((f.expected() - f.verified()) + " of " + f.expected() + " version(s) not restored intact");
    }
    reasons.addAll(f.problems());
    boolean metRto = rto == null || f.elapsed().compareTo(rto) <= 0;
    if (!reasons.isEmpty()) return new Verdict(Outcome.FAILED, List.copyOf(reasons), metRto);
    if (!metRto) {
      return new Verdict(Outcome.RTO_MISSED, List.of("restored and verified in " + human(f.elapsed())
          + ", longer than the class's RTO of " + human(rto)), false);
    }
    return new Verdict(Outcome.PASSED, List.of(), true);
  }

  /** {@code 3d 4h}, {@code 2h 5m}, {@code 41s}: how operators read a duration. */
  public static String human(Duration d) {
    long s = d.getSeconds();
    if (s >= 86_400) return (s / 86_400) + "d " + (s % 86_400) / 3600 + "h";
    if (s >= 3600) return (s / 3600) + "h " + (s % 3600) / 60 + "m";
    if (s >= 60) return (s / 60) + "m " + s % 60 + "s";
    return s + "s";
  }
}
