package io.lakevault.core.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Static checks of a valid policy, beyond what the parser checks:
 *
 * <ul>
 *   <li><b>shadowed</b> (error): a rule that never decides anything, because a rule tried before it
 *       matches every object it matches;
 *   <li><b>ambiguous overlap</b> (error): two rules with different actions that can match the same
 *       object, where only their order in the file decides which wins;
 *   <li><b>overlap</b> (warning): two rules assigning different classes that can match the same object,
 *       where priority or key specificity decides; legal, and reported so a reviewer sees which wins.
 *       (An exclusion that overrides classes is what exclusions are for, and is not reported.)
 * </ul>
 *
 * <p>The analysis is conservative in the direction that keeps it quiet when unsure: a rule is only
 * called shadowed when that is provable from its conditions (a regular expression is only known to
 * cover an identical one), and two rules only are called disjoint when that is provable.
 */
public final class PolicyLinter {
  private PolicyLinter() {}

  public static List<PolicyProblem> lint(Policy policy) {
    List<PolicyProblem> out = new ArrayList<>();
    List<Rule> order = policy.precedence();
    boolean[] shadowed = new boolean[order.size()];
    for (int j = 0; j < order.size(); j++) {
      Rule b = order.get(j);
      for (int i = 0; i < j; i++) {
        Rule a = order.get(i);
        if (covers(a.match(), b.match())) {
          shadowed[j] = true;
          out.add(PolicyProblem.error(policy.source(), b.line(), "rule '" + b.id() + "' never decides anything: rule '"
              + a.id() + "' (line " + a.line() + ") is tried first (" + policy.whyBefore(a, b) + ") and matches every object '"
              + b.id() + "' matches. Remove '" + b.id() + "', narrow '" + a.id() + "', or give '" + b.id()
              + "' a higher priority than " + a.priority()));
          break;
        }
      }
    }
    for (int j = 0; j < order.size(); j++) {
      if (shadowed[j]) continue;
      Rule b = order.get(j);
      for (int i = 0; i < j; i++) {
        Rule a = order.get(i);
        if (shadowed[i] || a.action().equals(b.action()) || disjoint(a.match(), b.match())) continue;
        boolean byFileOrder = a.priority() == b.priority()
            && a.match().prefixSpecificity() == b.match().prefixSpecificity();
        if (byFileOrder) {
          out.add(PolicyProblem.error(policy.source(), b.line(), "rules '" + a.id() + "' (line " + a.line() + ", "
              + a.action() + ") and '" + b.id() + "' (" + b.action() + ") can match the same objects" + example(a.match(), b.match())
              + " and only their order in the file decides; give the one that should win a higher priority"));
        } else if (!a.excluded() && !b.excluded()) {
          // An exclusion overriding classes is what exclusions are for; two classes competing is worth a look.
          out.add(PolicyProblem.warning(policy.source(), b.line(), "rule '" + b.id() + "' (" + b.action()
              + ") overlaps rule '" + a.id() + "' (line " + a.line() + ", " + a.action() + ")" + example(a.match(), b.match())
              + "; where both match, '" + a.id() + "' wins (" + policy.whyBefore(a, b) + "). If that is intended, nothing to change;"
              + " otherwise narrow one of them or change their priorities"));
        }
      }
    }
    return out;
  }

  /** An example of objects both match, when the keys say enough to give one. */
  private static String example(Match a, Match b) {
    String bucket = a.buckets() != null ? a.buckets().get(0) : b.buckets() != null ? b.buckets().get(0) : null;
    String prefix = "";
    for (String pa : a.keyPrefixes().isEmpty() ? List.of("") : a.keyPrefixes()) {
      for (String pb : b.keyPrefixes().isEmpty() ? List.of("") : b.keyPrefixes()) {
        if (pa.startsWith(pb) || pb.startsWith(pa)) {
          String longer = pa.length() >= pb.length() ? pa : pb;
          if (longer.length() > prefix.length()) prefix = longer;
        }
      }
    }
    if (bucket == null && prefix.isEmpty()) return "";
    return " (e.g. " + (bucket == null ? "any bucket, keys under '" + prefix + "'" : "s3://" + bucket + "/" + prefix + "...") + ")";
  }

  // ------------------------------------------------------------------ coverage: every object b matches, a matches

  static boolean covers(Match a, Match b) {
    return coversSet(a.buckets(), b.buckets())
        && coversKey(a, b)
        && coversRange(a.minSize(), a.maxSize(), b.minSize(), b.maxSize())
        && coversAge(a, b)
        && coversInstants(a.modifiedFrom(), a.modifiedBefore(), b.modifiedFrom(), b.modifiedBefore())
        && coversSet(a.storageClasses(), b.storageClasses())
        && coversSet(a.encryption(), b.encryption())
        && coversSet(a.lockModes(), b.lockModes())
        && coversFlag(a.legalHold(), b.legalHold())
        && coversFlag(a.latest(), b.latest())
        && coversFlag(a.deleteMarker(), b.deleteMarker());
  }

  private static boolean coversSet(Collection<String> a, Collection<String> b) {
    return a == null || (b != null && a.containsAll(b));
  }

  private static boolean coversFlag(Boolean a, Boolean b) {
    return a == null || a.equals(b);
  }

  private static boolean coversRange(Long aLo, Long aHi, Long bLo, Long bHi) {
    if (aLo == null && aHi == null) return true;
    if (bLo == null && bHi == null) return false; // b also matches objects with no size
    return (aLo == null || (bLo != null && bLo >= aLo)) && (aHi == null || (bHi != null && bHi <= aHi));
  }

  private static boolean coversInstants(Instant aLo, Instant aHi, Instant bLo, Instant bHi) {
    if (aLo == null && aHi == null) return true;
    if (bLo == null && bHi == null) return false;
    return (aLo == null || (bLo != null && !bLo.isBefore(aLo))) && (aHi == null || (bHi != null && !bHi.isAfter(aHi)));
  }

  /** Ages compare as ranges of days, a month counting 28 to 31 days, so a verdict holds whatever the date. */
  private static boolean coversAge(Match a, Match b) {
    if (a.minAge() == null && a.maxAge() == null) return true;
    if (b.minAge() == null && b.maxAge() == null) return false;
    return (a.minAge() == null || (b.minAge() != null && minDays(b.minAge()) >= maxDays(a.minAge())))
        && (a.maxAge() == null || (b.maxAge() != null && maxDays(b.maxAge()) <= minDays(a.maxAge())));
  }

  private static long minDays(Period p) {
    return p.months() / 12 * 365L + p.months() % 12 * 28L + p.days();
  }

  private static long maxDays(Period p) {
    return p.months() / 12 * 366L + p.months() % 12 * 31L + p.days();
  }

  private static boolean coversKey(Match a, Match b) {
    if (a.prefixes() != null) {
      List<String> bp = b.keyPrefixes();
      if (bp.isEmpty() || !bp.stream().allMatch(p -> a.prefixes().stream().anyMatch(p::startsWith))) return false;
    }
    if (a.glob() != null && !coversGlob(a.glob(), b)) return false;
    return a.regex() == null || a.regex().equals(b.regex());
  }

  private static boolean coversGlob(KeyGlob g, Match b) {
    if (g.equals(b.glob())) return true;
    KeyGlob bg = b.glob();
    switch (g.shape()) {
      case PREFIX -> {
        List<String> bp = b.keyPrefixes();
        return !bp.isEmpty() && bp.stream().allMatch(p -> p.startsWith(g.literal()));
      }
      case SUFFIX -> {
        if (bg == null) return false;
        if (bg.shape() == KeyGlob.Shape.SUFFIX || bg.shape() == KeyGlob.Shape.EXACT) return bg.literal().endsWith(g.literal());
        return false;
      }
      default -> {
        return bg != null && bg.shape() == KeyGlob.Shape.EXACT && g.matches(bg.literal());
      }
    }
  }

  // ------------------------------------------------------------------ disjointness: provably no object matches both

  static boolean disjoint(Match a, Match b) {
    return disjointSets(a.buckets(), b.buckets())
        || disjointKeys(a, b)
        || disjointRanges(a.minSize(), a.maxSize(), b.minSize(), b.maxSize())
        || (Boolean.TRUE.equals(a.deleteMarker()) && (b.minSize() != null || b.maxSize() != null))
        || (Boolean.TRUE.equals(b.deleteMarker()) && (a.minSize() != null || a.maxSize() != null))
        || disjointAges(a, b)
        || disjointInstants(a.modifiedFrom(), a.modifiedBefore(), b.modifiedFrom(), b.modifiedBefore())
        || disjointSets(a.storageClasses(), b.storageClasses())
        || disjointSets(a.encryption(), b.encryption())
        || disjointSets(a.lockModes(), b.lockModes())
        || disjointFlags(a.legalHold(), b.legalHold())
        || disjointFlags(a.latest(), b.latest())
        || disjointFlags(a.deleteMarker(), b.deleteMarker());
  }

  private static boolean disjointSets(Collection<String> a, Collection<String> b) {
    return a != null && b != null && a.stream().noneMatch(b::contains);
  }

  private static boolean disjointFlags(Boolean a, Boolean b) {
    return a != null && b != null && !a.equals(b);
  }

  private static boolean disjointRanges(Long aLo, Long aHi, Long bLo, Long bHi) {
    return (aHi != null && bLo != null && bLo >= aHi) || (bHi != null && aLo != null && aLo >= bHi);
  }

  private static boolean disjointInstants(Instant aLo, Instant aHi, Instant bLo, Instant bHi) {
    return (aHi != null && bLo != null && !bLo.isBefore(aHi)) || (bHi != null && aLo != null && !aLo.isBefore(bHi));
  }

  private static boolean disjointAges(Match a, Match b) {
    return (a.maxAge() != null && b.minAge() != null && minDays(b.minAge()) >= maxDays(a.maxAge()))
        || (b.maxAge() != null && a.minAge() != null && minDays(a.minAge()) >= maxDays(b.maxAge()));
  }

  private static boolean disjointKeys(Match a, Match b) {
    List<String> ap = a.keyPrefixes();
    List<String> bp = b.keyPrefixes();
    if (!ap.isEmpty() && !bp.isEmpty()
        && ap.stream().noneMatch(x -> bp.stream().anyMatch(y -> x.startsWith(y) || y.startsWith(x)))) {
      return true;
    }
    KeyGlob ga = a.glob();
    KeyGlob gb = b.glob();
    if (ga != null && gb != null && ga.shape() == KeyGlob.Shape.SUFFIX && gb.shape() == KeyGlob.Shape.SUFFIX) {
      return !ga.literal().endsWith(gb.literal()) && !gb.literal().endsWith(ga.literal());
    }
    // An exact key on one side: ask the other side's key conditions about it.
    for (Match[] p : new Match[][] {{a, b}, {b, a}}) {
      KeyGlob g = p[0].glob();
      if (g != null && g.shape() == KeyGlob.Shape.EXACT && !keyConditionsHold(p[1], g.literal())) return true;
    }
    return false;
  }

  private static boolean keyConditionsHold(Match m, String key) {
    if (m.prefixes() != null && m.prefixes().stream().noneMatch(key::startsWith)) return false;
    if (m.glob() != null && !m.glob().matches(key)) return false;
    return m.regex() == null || Objects.requireNonNull(m.regexPattern()).matcher(key).matches();
  }
}
