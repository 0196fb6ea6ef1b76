package io.lakevault.classify;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.lakevault.core.policy.KeyGlob;
import io.lakevault.core.policy.Match;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.Rule;
import io.lakevault.core.store.Keys;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;

/**
 * Compiles a policy into one native Spark expression that yields, for each inventory row, the index
 * of the deciding rule in {@link Policy#precedence()} order, or NULL when no rule matches. No UDF:
 * everything is Catalyst expressions, so it is code-generated and never leaves Spark's row format.
 *
 * <p>The expression is a decision tree rather than one long CASE over all rules, so a row is tested
 * against the few rules that can apply to it, not against hundreds:
 *
 * <ol>
 *   <li>dispatch on the bucket: one branch per bucket named in the policy, plus one for the others,
 *       found by binary search over the sorted bucket names;
 *   <li>in each branch, dispatch on the literal key prefixes of its rules (from {@code prefix}, or
 *       the literal start of a {@code glob}), nested: a branch for {@code logs/} holds branches for
 *       {@code logs/app/} and {@code logs/web/}; sibling prefixes never overlap, so the one that can
 *       match is the largest not above the key, found by binary search too;
 *   <li>at a leaf, a CASE over the rules that can still apply, in precedence order, without the
 *       bucket and prefix tests the path has already made.
 * </ol>
 *
 * Rules that apply to a whole branch and come before every rule further down it (lake-wide
 * exclusions, typically) are tested once where the branch starts instead of in each leaf. Spark cannot
 * split one expression of this size across methods inside whole-stage code generation, so the
 * classify job evaluates it with whole-stage code generation off ({@link #evaluate}).
 *
 * Rules without a bucket (or without a prefix) are copied into every branch beneath, so precedence is
 * the same as trying all rules in order: {@code PolicyEvaluator} is the reference and a test holds
 * the two together.
 */
public final class RuleCompiler {
  private final Policy policy;
  private final Instant asOf;
  private final Map<Rule, Integer> rank = new IdentityHashMap<>();

  public RuleCompiler(Policy policy, Instant asOf) {
    this.policy = policy;
    this.asOf = asOf;
    List<Rule> order = policy.precedence();
    for (int i = 0; i < order.size(); i++) rank.put(order.get(i), i);
  }

  /** The deciding rule's index in precedence order (an int), or NULL when no rule matches. */
  public Column decidingRule() {
    List<Rule> order = policy.precedence();
    // Lake-wide rules tried before every bucket- or prefix-specific one (typically exclusions) are
    // tested once, up front, instead of in every branch.
    int firstSpecific = 0;
    while (firstSpecific < order.size() && isGlobal(order.get(firstSpecific))) firstSpecific++;
    List<Rule> head = order.subList(0, firstSpecific);
    List<Rule> rest = order.subList(firstSpecific, order.size());
    return cases(head, bucketDispatch(rest));
  }

  /**
   * Runs a Spark action that evaluates {@link #decidingRule()} with whole-stage code generation off, so
   * Spark generates the expression's code split into small methods (inside a whole-stage method it
   * cannot split it, and a policy of hundreds of rules makes a method too large to compile or to JIT:
   * bench/README.md). Subexpression elimination is turned off too, as a precaution: it may lift a test
   * common to all branches out of the CASE and evaluate it for every row. Scans and writes are not
   * affected.
   */
  public static <T> T evaluate(SparkSession spark, Supplier<T> action) {
    String[] keys = {"spark.sql.codegen.wholeStage", "spark.sql.subexpressionElimination.enabled"};
    String[] before = new String[keys.length];
    for (int i = 0; i < keys.length; i++) {
      before[i] = spark.conf().get(keys[i], "true");
      spark.conf().set(keys[i], "false");
    }
    try {
      return action.get();
    } finally {
      for (int i = 0; i < keys.length; i++) spark.conf().set(keys[i], before[i]);
    }
  }

  private static boolean isGlobal(Rule r) {
    return r.match().buckets() == null && r.match().keyPrefixes().isEmpty();
  }

  private Column bucketDispatch(List<Rule> order) {
    List<String> buckets = order.stream().filter(r -> r.match().buckets() != null)
        .flatMap(r -> r.match().buckets().stream()).distinct()
        .sorted(Keys.UTF8_ORDER).toList(); // the order Spark compares strings in
    Column others = keyTree(order.stream().filter(r -> r.match().buckets() == null).toList());
    if (buckets.isEmpty()) return others;
    return search(col("bucket"), buckets, 0, buckets.size(), b -> col("bucket").equalTo(lit(b)),
        b -> keyTree(order.stream().filter(r -> r.match().buckets() == null || r.match().buckets().contains(b)).toList()),
        others);
  }

  /**
   * A binary search over sorted {@code values}[lo, hi): string comparisons halve the range until a few
   * values are left, which are tested in turn. {@code test(v)} may only hold for the largest value not
   * above the input (true of equality, and of prefixes none of which is a prefix of another), so the
   * search finds the one value that can match in log2(n) comparisons instead of n.
   */
  private static Column search(Column input, List<String> values, int lo, int hi,
      java.util.function.Function<String, Column> test, java.util.function.Function<String, Column> branch,
      Column otherwise) {
    if (hi - lo <= SEARCH_LEAF) {
      Column c = null;
      for (int i = lo; i < hi; i++) {
        c = c == null ? when(test.apply(values.get(i)), branch.apply(values.get(i)))
            : c.when(test.apply(values.get(i)), branch.apply(values.get(i)));
      }
      return c.otherwise(otherwise);
    }
    int mid = (lo + hi) >>> 1;
    return when(input.lt(lit(values.get(mid))), search(input, values, lo, mid, test, branch, otherwise))
        .otherwise(search(input, values, mid, hi, test, branch, otherwise));
  }

  /** Below this many values a search tests them one by one. */
  private static final int SEARCH_LEAF = 4;

  /** Dispatch on literal key prefixes: see the class comment. {@code rules} are in precedence order. */
  private Column keyTree(List<Rule> rules) {
    List<Rule> global = new ArrayList<>();
    TreeMap<String, List<Rule>> byPrefix = new TreeMap<>();
    for (Rule r : rules) {
      List<String> prefixes = r.match().keyPrefixes();
      if (prefixes.isEmpty()) global.add(r);
      for (String p : prefixes) byPrefix.computeIfAbsent(p, k -> new ArrayList<>()).add(r);
    }
    return node(global, new ArrayList<>(byPrefix.keySet()), byPrefix);
  }

  /**
   * @param active rules known to apply below this point (their prefix, if any, is a prefix of the
   *     path), in precedence order
   * @param below the dispatch prefixes strictly under this point, sorted
   */
  private Column node(List<Rule> active, List<String> below, TreeMap<String, List<Rule>> byPrefix) {
    if (below.isEmpty()) return cases(active, null);
    // Active rules tried before every rule further down are tested here, once, not in each branch.
    int firstBelow = Integer.MAX_VALUE;
    for (String p : below) {
      for (Rule r : byPrefix.get(p)) firstBelow = Math.min(firstBelow, rank.get(r));
    }
    int split = 0;
    while (split < active.size() && rank.get(active.get(split)) < firstBelow) split++;
    List<Rule> head = active.subList(0, split);
    List<Rule> rest = active.subList(split, active.size());
    // Children: the prefixes no other prefix below is a prefix of. Sorted order puts a prefix right
    // before its extensions, so one pass finds them.
    List<String> children = new ArrayList<>();
    for (String p : below) {
      if (children.isEmpty() || !p.startsWith(children.get(children.size() - 1))) children.add(p);
    }
    children.sort(Keys.UTF8_ORDER); // the order Spark compares strings in
    Column dispatch = search(col("key"), children, 0, children.size(), child -> col("key").startsWith(child), child -> {
      Set<Rule> childActive = new LinkedHashSet<>(rest);
      childActive.addAll(byPrefix.get(child));
      List<Rule> ordered = new ArrayList<>(childActive);
      ordered.sort((x, y) -> Integer.compare(rank.get(x), rank.get(y)));
      List<String> grandchildren = below.stream().filter(p -> p.length() > child.length() && p.startsWith(child)).toList();
      return node(ordered, grandchildren, byPrefix);
    }, cases(rest, null));
    return cases(head, dispatch);
  }

  /**
   * A CASE over the rules in precedence order, then {@code otherwise} (NULL when {@code null}); a rule
   * with nothing left to test ends it.
   */
  private Column cases(List<Rule> rules, Column otherwise) {
    Column c = null;
    for (Rule r : rules) {
      Column cond = condition(r.match());
      Column value = lit(rank.get(r));
      if (cond == null) return c == null ? value : c.otherwise(value);
      c = c == null ? when(cond, value) : c.when(cond, value);
    }
    Column end = otherwise == null ? lit(null).cast("int") : otherwise;
    return c == null ? end : c.otherwise(end);
  }

  /**
   * The conditions of a rule as one predicate, or {@code null} when none is left to test. The bucket and
   * {@code prefix} tests are left out: the dispatch that leads to a rule has made them. A NULL field
   * makes a test NULL, which CASE treats as false: the same as the reference evaluator.
   */
  private Column condition(Match m) {
    List<Column> c = new ArrayList<>();
    if (m.latest() != null) c.add(flag(coalesce(col("is_latest"), lit(true)), m.latest()));
    if (m.deleteMarker() != null) c.add(flag(coalesce(col("is_delete_marker"), lit(false)), m.deleteMarker()));
    if (m.legalHold() != null) {
      c.add(flag(coalesce(col("object_lock_legal_hold_status").equalTo("ON"), lit(false)), m.legalHold()));
    }
    if (m.lockModes() != null) c.add(coalesce(col("object_lock_mode"), lit(Match.NONE)).isin(m.lockModes().toArray()));
    if (m.storageClasses() != null) c.add(col("storage_class").isin(m.storageClasses().toArray()));
    if (m.encryption() != null) c.add(col("encryption_status").isin(m.encryption().toArray()));
    if (m.minSize() != null) c.add(col("size").geq(m.minSize()));
    if (m.maxSize() != null) c.add(col("size").lt(m.maxSize()));
    if (m.minAge() != null) c.add(col("last_modified_date").leq(ts(m.minAge().subtractFrom(asOf))));
    if (m.maxAge() != null) c.add(col("last_modified_date").gt(ts(m.maxAge().subtractFrom(asOf))));
    if (m.modifiedFrom() != null) c.add(col("last_modified_date").geq(ts(m.modifiedFrom())));
    if (m.modifiedBefore() != null) c.add(col("last_modified_date").lt(ts(m.modifiedBefore())));
    if (m.glob() != null) c.add(io.lakevault.spark.KeyColumns.glob(col("key"), m.glob()));
    if (m.regex() != null) c.add(col("key").rlike("(?s)^(?:" + m.regex() + ")\\z"));
    if (c.isEmpty()) return null;
    Column all = c.get(0);
    for (int i = 1; i < c.size(); i++) all = all.and(c.get(i));
    return all;
  }

  private static Column flag(Column value, boolean wanted) {
    return wanted ? value : not(value);
  }

  private static Column ts(Instant t) {
    return lit(Timestamp.from(t));
  }
}
