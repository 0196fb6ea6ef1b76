package io.lakevault.core.policy;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed, valid classification policy: retention classes and the rules that assign them.
 *
 * <p><b>Resolution.</b> An object version is decided by the first rule, in {@link #precedence()} order,
 * whose conditions all hold: the highest {@code priority}; among equal priorities the rule with the
 * longest literal key prefix (the most specific); among those, the rule written first. No rule
 * matching means the version is <i>unmatched</i>: counted, listed and not archived.
 */
public final class Policy implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String sha256;
  private final Map<String, RetentionClass> classes;
  private final List<Rule> rules;
  private final List<Rule> precedence;

  public Policy(String source, String sha256, Map<String, RetentionClass> classes, List<Rule> rules) {
    this.source = source;
    this.sha256 = sha256;
    this.classes = Collections.unmodifiableMap(new LinkedHashMap<>(classes));
    this.rules = List.copyOf(rules);
    List<Rule> sorted = new ArrayList<>(rules);
    sorted.sort(PRECEDENCE.thenComparingInt(rules::indexOf));
    this.precedence = List.copyOf(sorted);
  }

  /** Priority first, then key specificity; ties left to file order by the caller. */
  static final Comparator<Rule> PRECEDENCE = Comparator.comparingInt(Rule::priority).reversed()
      .thenComparing(Comparator.comparingInt((Rule r) -> r.match().prefixSpecificity()).reversed());

  /** Where the policy was read from, for messages. */
  public String source() {
    return source;
  }

  /** SHA-256 (hex) of the policy file's bytes: recorded with every decision, so a decision names its policy. */
  public String sha256() {
    return sha256;
  }

  public Map<String, RetentionClass> classes() {
    return classes;
  }

  /** Rules in file order. */
  public List<Rule> rules() {
    return rules;
  }

  /** Rules in the order they are tried: see the class comment. */
  public List<Rule> precedence() {
    return precedence;
  }

  public RetentionClass retentionClass(String name) {
    return classes.get(name);
  }

  /** The class a rule assigns, or {@code null} for an exclusion. */
  public RetentionClass classOf(Rule rule) {
    return rule.excluded() ? null : classes.get(rule.className());
  }

  /** Why {@code a} is tried before {@code b}, in words; for the linter and {@code explain}. */
  public String whyBefore(Rule a, Rule b) {
    if (a.priority() != b.priority()) return "priority " + a.priority() + " > " + b.priority();
    int sa = a.match().prefixSpecificity();
    int sb = b.match().prefixSpecificity();
    if (sa != sb) return "equal priority, longer key prefix (" + sa + " > " + sb + " characters)";
    return "equal priority and key prefix length, written first";
  }
}
