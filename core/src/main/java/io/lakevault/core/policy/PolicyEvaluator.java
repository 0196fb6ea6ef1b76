package io.lakevault.core.policy;

import io.lakevault.core.config.Sizes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Evaluates a policy against one object version in plain Java: the reference semantics. The classify
 * job compiles the same policy to Spark expressions, and a test holds the two together on random
 * objects; {@code explain} uses {@link #explain} to say why.
 *
 * <p>Thread-safe once built.
 */
public final class PolicyEvaluator {
  private final Policy policy;
  private final Map<String, Pattern> regexes = new HashMap<>();

  public PolicyEvaluator(Policy policy) {
    this.policy = policy;
    for (Rule r : policy.rules()) {
      if (r.match().regex() != null) regexes.put(r.id(), r.match().regexPattern());
    }
  }

  public Policy policy() {
    return policy;
  }

  /** The decision for one version: the first rule in precedence order that matches. */
  public Decision decide(ObjectFacts o, Instant asOf) {
    for (Rule r : policy.precedence()) {
      if (matches(r, o, asOf)) return decision(r, o, asOf);
    }
    return new Decision(null, null, null);
  }

  private Decision decision(Rule r, ObjectFacts o, Instant asOf) {
    RetentionClass c = policy.classOf(r);
    return new Decision(r, c, c == null ? null : c.retainUntil(o.lastModified(), asOf));
  }

  /**
   * The outcome of one version: the deciding rule, or {@code null} when no rule matched.
   *
   * @param retentionClass the assigned class; {@code null} when excluded or unmatched
   * @param retainUntil when the version may be deleted; for classes counted from archive time, counted
   *     from the classification time (the archive job counts again from the real archive time)
   */
  public record Decision(Rule rule, RetentionClass retentionClass, Instant retainUntil) {
    public boolean matched() {
      return rule != null;
    }
  }

  /** Whether every condition of a rule holds: short-circuiting, in the order cheapest first. */
  public boolean matches(Rule r, ObjectFacts o, Instant asOf) {
    Match m = r.match();
    if (m.buckets() != null && !m.buckets().contains(o.bucket())) return false;
    if (m.prefixes() != null && m.prefixes().stream().noneMatch(o.key()::startsWith)) return false;
    if (m.latest() != null && m.latest() != o.latest()) return false;
    if (m.deleteMarker() != null && m.deleteMarker() != o.deleteMarker()) return false;
    if (m.legalHold() != null && m.legalHold() != o.legalHold()) return false;
    if (m.lockModes() != null && !m.lockModes().contains(o.lockMode())) return false;
    if (m.storageClasses() != null && (o.storageClass() == null || !m.storageClasses().contains(o.storageClass()))) return false;
    if (m.encryption() != null && (o.encryptionStatus() == null || !m.encryption().contains(o.encryptionStatus()))) return false;
    if (!sizeHolds(m, o.size())) return false;
    if (!ageHolds(m, o.lastModified(), asOf)) return false;
    if (!modifiedHolds(m, o.lastModified())) return false;
    if (m.glob() != null && !m.glob().matches(o.key())) return false;
    Pattern p = regexes.get(r.id());
    return p == null || p.matcher(o.key()).matches();
  }

  private static boolean sizeHolds(Match m, Long size) {
    if (m.minSize() == null && m.maxSize() == null) return true;
    if (size == null) return false;
    return (m.minSize() == null || size >= m.minSize()) && (m.maxSize() == null || size < m.maxSize());
  }

  private static boolean ageHolds(Match m, Instant lastModified, Instant asOf) {
    if (m.minAge() == null && m.maxAge() == null) return true;
    if (lastModified == null) return false;
    return (m.minAge() == null || !lastModified.isAfter(m.minAge().subtractFrom(asOf)))
        && (m.maxAge() == null || lastModified.isAfter(m.maxAge().subtractFrom(asOf)));
  }

  private static boolean modifiedHolds(Match m, Instant lastModified) {
    if (m.modifiedFrom() == null && m.modifiedBefore() == null) return true;
    if (lastModified == null) return false;
    return (m.modifiedFrom() == null || !lastModified.isBefore(m.modifiedFrom()))
        && (m.modifiedBefore() == null || lastModified.isBefore(m.modifiedBefore()));
  }

  // ------------------------------------------------------------------ explain

  /** One condition of a rule and whether it held for the object, with the values compared. */
  public record Check(String condition, boolean holds, String detail) {}

  /** One rule, in precedence order, and each of its conditions. */
  public record RuleResult(Rule rule, boolean matches, List<Check> checks) {}

  /** Every rule against one object, in precedence order, and the decision. */
  public record Explanation(Decision decision, List<RuleResult> rules) {}

  /** Evaluates every condition of every rule (no short-circuit), for {@code explain}. */
  public Explanation explain(ObjectFacts o, Instant asOf) {
    List<RuleResult> out = new ArrayList<>();
    for (Rule r : policy.precedence()) {
      List<Check> checks = checks(r, o, asOf);
      boolean all = checks.stream().allMatch(Check::holds);
      if (all != matches(r, o, asOf)) {
        throw new IllegalStateException("explain and decide disagree on rule " + r.id() + " for " + o);
      }
      out.add(new RuleResult(r, all, checks));
    }
    return new Explanation(decide(o, asOf), out);
  }

  private List<Check> checks(Rule r, ObjectFacts o, Instant asOf) {
    Match m = r.match();
    List<Check> c = new ArrayList<>();
    if (m.buckets() != null) c.add(new Check("bucket", m.buckets().contains(o.bucket()), o.bucket() + " in " + m.buckets()));
    if (m.prefixes() != null) {
      c.add(new Check("prefix", m.prefixes().stream().anyMatch(o.key()::startsWith), "key starts with one of " + m.prefixes()));
    }
    if (m.glob() != null) c.add(new Check("glob", m.glob().matches(o.key()), "key matches " + m.glob()));
    if (m.regex() != null) c.add(new Check("regex", regexes.get(r.id()).matcher(o.key()).matches(), "key matches /" + m.regex() + "/"));
    if (m.minSize() != null || m.maxSize() != null) {
      c.add(new Check("size", sizeHolds(m, o.size()), (o.size() == null ? "no size" : Sizes.format(o.size()))
          + bounds(m.minSize() == null ? null : Sizes.format(m.minSize()), m.maxSize() == null ? null : Sizes.format(m.maxSize()))));
    }
    if (m.minAge() != null || m.maxAge() != null) {
      c.add(new Check("age", ageHolds(m, o.lastModified(), asOf), "last modified " + o.lastModified() + ", as of " + asOf
          + bounds(m.minAge() == null ? null : m.minAge() + " old", m.maxAge() == null ? null : m.maxAge() + " old")));
    }
    if (m.modifiedFrom() != null || m.modifiedBefore() != null) {
      c.add(new Check("last-modified", modifiedHolds(m, o.lastModified()), "last modified " + o.lastModified()
          + (m.modifiedFrom() == null ? "" : ", from " + m.modifiedFrom()) + (m.modifiedBefore() == null ? "" : ", before " + m.modifiedBefore())));
    }
    if (m.storageClasses() != null) {
      c.add(new Check("storage-class", o.storageClass() != null && m.storageClasses().contains(o.storageClass()),
          o.storageClass() + " in " + m.storageClasses()));
    }
    if (m.encryption() != null) {
      c.add(new Check("encryption", o.encryptionStatus() != null && m.encryption().contains(o.encryptionStatus()),
          o.encryptionStatus() + " in " + m.encryption()));
    }
    if (m.lockModes() != null) c.add(new Check("lock-mode", m.lockModes().contains(o.lockMode()), o.lockMode() + " in " + m.lockModes()));
    if (m.legalHold() != null) c.add(new Check("legal-hold", m.legalHold() == o.legalHold(), "legal hold " + (o.legalHold() ? "on" : "off")));
    if (m.latest() != null) c.add(new Check("latest", m.latest() == o.latest(), o.latest() ? "current version" : "noncurrent version"));
    if (m.deleteMarker() != null) {
      c.add(new Check("delete-marker", m.deleteMarker() == o.deleteMarker(), o.deleteMarker() ? "a delete marker" : "not a delete marker"));
    }
    return c;
  }

  private static String bounds(String atLeast, String lessThan) {
    return (atLeast == null ? "" : ", at least " + atLeast) + (lessThan == null ? "" : ", less than " + lessThan);
  }
}
