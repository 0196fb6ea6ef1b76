package io.lakevault.core.policy;

import io.lakevault.core.Suggest;
import io.lakevault.core.config.Durations;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.store.StorageClass;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a policy file (the format is {@code docs/policy.md}). Every problem is collected with its line,
 * so one run of {@code policy lint} lists them all; {@link #parse} then throws them together.
 */
public final class PolicyParser {
  /** The policy format version this build reads. */
  public static final int FORMAT_VERSION = 1;

  static final List<String> TOP = List.of("version", "classes", "rules");
  static final List<String> CLASS_FIELDS = List.of("description", "retain", "from", "storage-class", "lock",
      "encryption", "key", "target", "pack-size", "rto", "erasable");
  static final List<String> TARGET_FIELDS = List.of("uri", "role");
  static final List<String> RULE_FIELDS = List.of("id", "description", "priority", "match", "class", "exclude");
  static final List<String> MATCH_FIELDS = List.of("bucket", "prefix", "glob", "regex", "size", "age", "last-modified",
      "storage-class", "encryption", "lock-mode", "legal-hold", "latest", "delete-marker");
  static final List<String> RANGE_FIELDS = List.of("at-least", "less-than");
  static final List<String> TIME_RANGE_FIELDS = List.of("from", "before");
  /** The inventory's EncryptionStatus values. */
  static final List<String> ENCRYPTION_STATUSES = List.of("NOT-SSE", "SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C");
  static final List<String> LOCK_MODES = List.of("COMPLIANCE", "GOVERNANCE", Match.NONE);
  /** Names a rule cannot give a class: they are what the classified table records for other outcomes. */
  static final Set<String> RESERVED_CLASS_NAMES = Set.of("exclude", "excluded", "unmatched");
  private static final Pattern CLASS_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private final String source;
  private final List<PolicyProblem> problems = new ArrayList<>();

  private PolicyParser(String source) {
    this.source = source;
  }

  /** The outcome of reading a policy: the policy when there were no errors, and every problem found. */
  public record Parsed(Policy policy, List<PolicyProblem> problems) {
    public boolean ok() {
      return policy != null;
    }
  }

  /** Parses and returns the policy, or throws a {@link PolicyException} listing every error. */
  public static Policy parse(String source, byte[] bytes) {
    Parsed p = read(source, bytes);
    if (!p.ok()) throw new PolicyException(p.problems());
    return p.policy();
  }

  /** Parses without throwing: the policy (if valid) and every problem. */
  public static Parsed read(String source, byte[] bytes) {
    PolicyParser parser = new PolicyParser(source);
    Policy policy = parser.doParse(bytes);
    boolean errors = parser.problems.stream().anyMatch(PolicyProblem::isError);
    return new Parsed(errors ? null : policy, List.copyOf(parser.problems));
  }

  private Policy doParse(byte[] bytes) {
    Node root;
    try {
      root = new Yaml(new LoaderOptions()).compose(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
    } catch (MarkedYAMLException e) {
      error(e.getProblemMark().getLine() + 1, "not valid YAML: " + e.getProblem());
      return null;
    } catch (YAMLException e) {
      error(0, "not valid YAML: " + e.getMessage());
      return null;
    }
    if (!(root instanceof MappingNode top)) {
      error(root == null ? 0 : line(root), "a policy is a mapping with 'version', 'classes' and 'rules'");
      return null;
    }
    Map<String, NodeTuple> fields = fields(top, TOP, "the policy");
    NodeTuple version = fields.get("version");
    if (version == null) {
      error(line(top), "'version' is missing; start the file with 'version: " + FORMAT_VERSION + "'");
    } else {
      Integer v = integer(version.getValueNode(), "version");
      if (v != null && v != FORMAT_VERSION) {
        error(line(version.getValueNode()), "policy format version " + v + " is not known to this lakevault, which reads version "
            + FORMAT_VERSION + "; upgrade lakevault or write the policy in version " + FORMAT_VERSION);
      }
    }
    Map<String, RetentionClass> classes = new LinkedHashMap<>();
    Map<String, Integer> classLines = new HashMap<>();
    NodeTuple cs = fields.get("classes");
    if (cs == null || !(cs.getValueNode() instanceof MappingNode cm) || cm.getValue().isEmpty()) {
      error(cs == null ? line(top) : line(cs.getValueNode()), "'classes' must map class names to retention classes, and name at least one");
    } else {
      for (NodeTuple t : cm.getValue()) {
        String name = scalarText(t.getKeyNode());
        if (name == null) continue;
        if (!CLASS_NAME.matcher(name).matches() || RESERVED_CLASS_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
          error(line(t.getKeyNode()), "class name '" + name + "' is not allowed: use letters, digits, '.', '_' and '-'"
              + " (at most 64), and none of " + RESERVED_CLASS_NAMES);
          continue;
        }
        if (classes.containsKey(name)) {
          error(line(t.getKeyNode()), "class '" + name + "' is defined twice (first at line " + classLines.get(name) + ")");
          continue;
        }
        RetentionClass rc = retentionClass(name, t.getValueNode());
        if (rc != null) {
          classes.put(name, rc);
          classLines.put(name, line(t.getKeyNode()));
        }
      }
    }
    List<Rule> rules = new ArrayList<>();
    NodeTuple rs = fields.get("rules");
    if (rs == null || !(rs.getValueNode() instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
      error(rs == null ? line(top) : line(rs.getValueNode()), "'rules' must be a list with at least one rule");
    } else {
      Map<String, Integer> ids = new HashMap<>();
      for (Node n : seq.getValue()) {
        Rule r = rule(n, classes.keySet());
        if (r == null) continue;
        Integer first = ids.putIfAbsent(r.id(), r.line());
        if (first != null) {
          error(r.line(), "rule id '" + r.id() + "' is used twice (first at line " + first + "); rule ids must be unique");
          continue;
        }
        rules.add(r);
      }
    }
    Set<String> used = new LinkedHashSet<>();
    rules.forEach(r -> {
      if (!r.excluded()) used.add(r.className());
    });
    for (String c : classes.keySet()) {
      if (!used.contains(c)) {
        warning(classLines.get(c), "class '" + c + "' is not assigned by any rule; remove it or add a rule that assigns it");
      }
    }
    return new Policy(source, sha256(bytes), classes, rules);
  }

  // ------------------------------------------------------------------ classes

  private RetentionClass retentionClass(String name, Node node) {
    if (!(node instanceof MappingNode m)) {
      error(line(node), "class '" + name + "' must be a mapping with at least 'retain'");
      return null;
    }
    int errorsBefore = errorCount();
    Map<String, NodeTuple> f = fields(m, CLASS_FIELDS, "class '" + name + "'");
    String description = text(f.get("description"));
    Period retain = null;
    if (f.get("retain") == null) {
      error(line(m), "class '" + name + "' has no 'retain'; say how long to keep its objects, e.g. 'retain: 7y'");
    } else {
      retain = parseValue(f.get("retain"), Period::parse);
    }
    RetentionClass.Anchor anchor = RetentionClass.Anchor.LAST_MODIFIED;
    String from = text(f.get("from"));
    if (from != null) {
      switch (from.toLowerCase(Locale.ROOT)) {
        case "last-modified" -> anchor = RetentionClass.Anchor.LAST_MODIFIED;
        case "archive", "archived" -> anchor = RetentionClass.Anchor.ARCHIVED;
        default -> error(line(f.get("from").getValueNode()), "'from' is '" + from
            + "'; write 'last-modified' (count from the object's last-modified date) or 'archive' (from when it is archived)");
      }
    }
    StorageClass sc = StorageClass.DEEP_ARCHIVE;
    String scText = text(f.get("storage-class"));
    if (scText != null) {
      sc = enumValue(f.get("storage-class").getValueNode(), scText,
          RetentionClass.PACK_STORAGE_CLASSES.stream().map(Enum::name).toList(), "storage-class of a pack")
          .map(StorageClass::valueOf).orElse(null);
    }
    String lock = Match.NONE;
    String lockText = text(f.get("lock"));
    if (lockText != null) {
      lock = enumValue(f.get("lock").getValueNode(), lockText, LOCK_MODES, "lock").orElse(null);
    }
    boolean encrypted = true;
    if (f.get("encryption") != null) {
      Boolean b = bool(f.get("encryption").getValueNode(), "encryption");
      if (b != null) encrypted = b;
    }
    String key = text(f.get("key"));
    if (key != null && !encrypted) {
      error(line(f.get("key").getValueNode()), "class '" + name + "' names a key but has 'encryption: false'; remove the key or turn encryption on");
    }
    String targetUri = null;
    String role = null;
    if (f.get("target") != null) {
      Node tn = f.get("target").getValueNode();
      if (tn instanceof MappingNode tm) {
        Map<String, NodeTuple> tf = fields(tm, TARGET_FIELDS, "target of class '" + name + "'");
        targetUri = text(tf.get("uri"));
        role = text(tf.get("role"));
        if (targetUri == null) {
          error(line(tm), "the target of class '" + name + "' has no 'uri'; write the archive location, e.g. uri: s3://vault-bucket/packs");
        } else if (!targetUri.matches("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?")) {
          error(line(tf.get("uri").getValueNode()), "target uri '" + targetUri + "' is not of the form s3://bucket[/prefix]");
        }
        if (role != null && !role.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+")) {
          error(line(tf.get("role").getValueNode()), "target role '" + role
              + "' is not an IAM role ARN such as arn:aws:iam::123456789012:role/lakevault-vault-writer");
        }
      } else {
        error(line(tn), "'target' of class '" + name + "' must be a mapping with 'uri' (and 'role' for another account)");
      }
    }
    long packSize = RetentionClass.DEFAULT_PACK_SIZE;
    if (f.get("pack-size") != null) {
      Long ps = parseValue(f.get("pack-size"), Sizes::parse);
      if (ps != null) {
        if (ps < 5L << 20 || ps > 5L << 40) {
          error(line(f.get("pack-size").getValueNode()), "pack-size " + Sizes.format(ps)
              + " must be between 5 MiB (the S3 multipart minimum) and 5 TiB (the S3 object maximum)");
        } else {
          packSize = ps;
        }
      }
    }
    Duration rto = null;
    if (f.get("rto") != null) rto = parseValue(f.get("rto"), Durations::parse);
    Boolean erasable = null;
    if (f.get("erasable") != null) {
      erasable = bool(f.get("erasable").getValueNode(), "erasable");
      if (Boolean.TRUE.equals(erasable) && !encrypted) {
        // Packs are locked: an entry is erased by destroying its data key, which a plaintext entry does not have.
        error(line(f.get("erasable").getValueNode()), "class '" + name + "' is erasable but has 'encryption: false': an object"
            + " inside a locked pack is erased by destroying its entry's data key; turn encryption on or write 'erasable: false'");
      }
    } else {
      warning(line(m), "class '" + name + "' does not say whether its objects may be erased on request (GDPR Art. 17),"
          + " so erasure requests for them are refused; write 'erasable: false' for records kept under a legal obligation"
          + " (Art. 17(3)(b)) or 'erasable: true' for personal data kept without one");
    }
    if (errorCount() > errorsBefore) return null;
    return new RetentionClass(name, description, retain, anchor, sc, lock, encrypted, key, targetUri, role, packSize, rto,
        erasable);
  }

  // ------------------------------------------------------------------ rules

  private Rule rule(Node node, Set<String> classNames) {
    if (!(node instanceof MappingNode m)) {
      error(line(node), "each rule is a mapping with 'id', 'match' and 'class' or 'exclude'");
      return null;
    }
    int errorsBefore = errorCount();
    int line = line(m);
    Map<String, NodeTuple> f = fields(m, RULE_FIELDS, "a rule");
    String id = text(f.get("id"));
    String label = id == null ? "the rule at line " + line : "rule '" + id + "'";
    if (id == null) {
      error(line, "the rule at line " + line + " has no 'id'; give every rule a unique id, e.g. id: finra-trade-logs");
    } else if (!RULE_ID.matcher(id).matches()) {
      error(line(f.get("id").getValueNode()), "rule id '" + id + "' may hold letters, digits, '.', '_', ':' and '-' (at most 128)");
    }
    int priority = 0;
    if (f.get("priority") != null) {
      Integer p = integer(f.get("priority").getValueNode(), "priority");
      if (p != null) priority = p;
    }
    String className = text(f.get("class"));
    String exclude = text(f.get("exclude"));
    if (className == null && exclude == null) {
      error(line, label + " has neither 'class' nor 'exclude'; add 'class: NAME' to archive what it matches, or"
          + " 'exclude: why' to leave it out");
    } else if (className != null && exclude != null) {
      error(line, label + " has both 'class' and 'exclude'; keep one");
    } else if (className != null && !classNames.contains(className)) {
      error(line(f.get("class").getValueNode()), label + " assigns class '" + className + "', which is not defined under 'classes'"
          + Suggest.didYouMean(className, classNames));
    }
    Match match = Match.ALL;
    if (f.get("match") == null) {
      warning(line, label + " has no 'match', so it matches every object; write 'match: {}' to say that on purpose");
    } else if (f.get("match").getValueNode() instanceof MappingNode mm) {
      match = match(mm, label);
    } else {
      error(line(f.get("match").getValueNode()), "'match' of " + label + " must be a mapping of conditions");
    }
    if (errorCount() > errorsBefore) return null;
    return new Rule(id, text(f.get("description")), priority, match, className, exclude, line);
  }

  private Match match(MappingNode m, String label) {
    Map<String, NodeTuple> f = fields(m, MATCH_FIELDS, "the match of " + label);
    List<String> buckets = strings(f.get("bucket"));
    if (buckets != null) {
      for (String b : buckets) {
        if (!BUCKET.matcher(b).matches()) {
          error(line(f.get("bucket").getValueNode()), "'" + b + "' is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')");
        }
      }
    }
    List<String> prefixes = strings(f.get("prefix"));
    if (prefixes != null && prefixes.stream().anyMatch(String::isEmpty)) {
      error(line(f.get("prefix").getValueNode()), "an empty prefix matches every key; leave 'prefix' out instead");
    }
    KeyGlob glob = f.get("glob") == null ? null : parseValue(f.get("glob"), KeyGlob::compile);
    String regex = text(f.get("regex"));
    if (regex != null) {
      try {
        Pattern.compile(regex, Pattern.DOTALL);
      } catch (PatternSyntaxException e) {
        error(line(f.get("regex").getValueNode()), "regex '" + regex + "' is not a valid Java regular expression: "
            + e.getDescription() + " near position " + e.getIndex());
        regex = null;
      }
    }
    Range<Long> size = range(f.get("size"), Sizes::parse, "size", "e.g. size: {at-least: 1 KiB, less-than: 64 MiB}");
    if (size != null && size.atLeast() != null && size.lessThan() != null && size.atLeast() >= size.lessThan()) {
      error(line(f.get("size").getValueNode()), "size at-least " + size.atLeast() + " is not below less-than "
          + size.lessThan() + ", so nothing matches");
    }
    Range<Period> age = range(f.get("age"), Period::parse, "age", "e.g. age: {at-least: 90d}");
    if (age != null && age.atLeast() != null && age.lessThan() != null
        && age.atLeast().approximateDays() >= age.lessThan().approximateDays()) {
      error(line(f.get("age").getValueNode()), "age at-least " + age.atLeast() + " is not below less-than "
          + age.lessThan() + ", so nothing matches");
    }
    Instant[] modified = timeRange(f.get("last-modified"));
    Set<String> storage = enumSet(f.get("storage-class"), Arrays.stream(StorageClass.values()).map(Enum::name).toList(),
        "storage-class");
    Set<String> encryption = enumSet(f.get("encryption"), ENCRYPTION_STATUSES, "encryption");
    Set<String> lock = enumSet(f.get("lock-mode"), LOCK_MODES, "lock-mode");
    Boolean legalHold = f.get("legal-hold") == null ? null : bool(f.get("legal-hold").getValueNode(), "legal-hold");
    Boolean latest = f.get("latest") == null ? null : bool(f.get("latest").getValueNode(), "latest");
    Boolean marker = f.get("delete-marker") == null ? null : bool(f.get("delete-marker").getValueNode(), "delete-marker");
    if (Boolean.TRUE.equals(marker) && size != null) {
      error(line(f.get("size").getValueNode()), "delete markers have no size, so 'size' with 'delete-marker: true' matches nothing");
    }
    return new Match(buckets, prefixes, glob, regex, size == null ? null : size.atLeast(),
        size == null ? null : size.lessThan(), age == null ? null : age.atLeast(), age == null ? null : age.lessThan(),
        modified == null ? null : modified[0],
        modified == null ? null : modified[1], storage, encryption, lock, legalHold, latest, marker);
  }

  private record Range<T>(T atLeast, T lessThan) {}

  private <T> Range<T> range(NodeTuple t, java.util.function.Function<String, T> parse, String what, String example) {
    if (t == null) return null;
    if (!(t.getValueNode() instanceof MappingNode m) || m.getValue().isEmpty()) {
      error(line(t.getValueNode()), "'" + what + "' must be a mapping with 'at-least' and/or 'less-than'; " + example);
      return null;
    }
    Map<String, NodeTuple> f = fields(m, RANGE_FIELDS, "'" + what + "'");
    T lo = f.get("at-least") == null ? null : parseValue(f.get("at-least"), parse);
    T hi = f.get("less-than") == null ? null : parseValue(f.get("less-than"), parse);
    return new Range<>(lo, hi);
  }

  private Instant[] timeRange(NodeTuple t) {
    if (t == null) return null;
    if (!(t.getValueNode() instanceof MappingNode m) || m.getValue().isEmpty()) {
      error(line(t.getValueNode()), "'last-modified' must be a mapping with 'from' and/or 'before', e.g. {from: 2020-01-01, before: 2024-01-01}");
      return null;
    }
    Map<String, NodeTuple> f = fields(m, TIME_RANGE_FIELDS, "'last-modified'");
    Instant from = f.get("from") == null ? null : parseValue(f.get("from"), PolicyParser::instant);
    Instant before = f.get("before") == null ? null : parseValue(f.get("before"), PolicyParser::instant);
    if (from != null && before != null && !from.isBefore(before)) {
      error(line(m), "'last-modified' from " + from + " is not before " + before + ", so nothing matches");
    }
    return new Instant[] {from, before};
  }

  /** A date ({@code 2024-01-01}, midnight UTC) or an instant ({@code 2024-01-01T12:00:00Z}). */
  static Instant instant(String s) {
    try {
      if (s.length() == 10) return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
      return java.time.OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + s + "' is not a date (2024-01-01, midnight UTC) or an instant with"
          + " an offset (2024-01-01T12:00:00Z)");
    }
  }

  // ------------------------------------------------------------------ YAML helpers

  private Map<String, NodeTuple> fields(MappingNode m, List<String> known, String what) {
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      String k = scalarText(t.getKeyNode());
      if (k == null) continue;
      if (!known.contains(k)) {
        error(line(t.getKeyNode()), "unknown field '" + k + "' in " + what + Suggest.didYouMean(k, known)
            + " (known: " + String.join(", ", known) + ")");
        continue;
      }
      if (out.containsKey(k)) {
        error(line(t.getKeyNode()), "'" + k + "' is given twice in " + what + " (first at line " + line(out.get(k).getKeyNode()) + ")");
        continue;
      }
      out.put(k, t);
    }
    return out;
  }

  private String scalarText(Node n) {
    if (n instanceof ScalarNode s) return s.getValue();
    error(line(n), "expected a name here, found a " + n.getNodeId());
    return null;
  }

  /** The text of a scalar field, or {@code null} when absent or null; an error for lists and mappings. */
  private String text(NodeTuple t) {
    if (t == null) return null;
    Node v = t.getValueNode();
    if (v instanceof ScalarNode s) {
      if ("tag:yaml.org,2002:null".equals(s.getTag().getValue())) return null;
      return s.getValue();
    }
    error(line(v), "'" + ((ScalarNode) t.getKeyNode()).getValue() + "' must be a single value, not a " + v.getNodeId());
    return null;
  }

  private List<String> strings(NodeTuple t) {
    if (t == null) return null;
    Node v = t.getValueNode();
    String name = ((ScalarNode) t.getKeyNode()).getValue();
    List<String> out = new ArrayList<>();
    if (v instanceof ScalarNode s) {
      out.add(s.getValue());
    } else if (v instanceof SequenceNode seq && !seq.getValue().isEmpty()) {
      for (Node n : seq.getValue()) {
        if (n instanceof ScalarNode s) out.add(s.getValue());
        else error(line(n), "'" + name + "' lists plain values only");
      }
    } else {
      error(line(v), "'" + name + "' must be a value or a non-empty list of values");
      return null;
    }
    return List.copyOf(new LinkedHashSet<>(out));
  }

  private Set<String> enumSet(NodeTuple t, List<String> allowed, String what) {
    List<String> values = strings(t);
    if (values == null) return null;
    Set<String> out = new LinkedHashSet<>();
    for (String v : values) {
      enumValue(t.getValueNode(), v, allowed, what).ifPresent(out::add);
    }
    return Set.copyOf(out);
  }

  private java.util.Optional<String> enumValue(Node at, String value, List<String> allowed, String what) {
    String u = value.trim().toUpperCase(Locale.ROOT);
    if (allowed.contains(u)) return java.util.Optional.of(u);
    error(line(at), "'" + value + "' is not a valid " + what + Suggest.didYouMean(u, allowed) + " (one of "
        + String.join(", ", allowed) + ")");
    return java.util.Optional.empty();
  }

  private Boolean bool(Node n, String what) {
    if (n instanceof ScalarNode s) {
      switch (s.getValue().toLowerCase(Locale.ROOT)) {
        case "true", "yes", "on" -> {
          return Boolean.TRUE;
        }
        case "false", "no", "off" -> {
          return Boolean.FALSE;
        }
        default -> { }
      }
    }
    error(line(n), "'" + what + "' must be true or false");
    return null;
  }

  private Integer integer(Node n, String what) {
    if (n instanceof ScalarNode s) {
      try {
        return Integer.parseInt(s.getValue().trim());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    error(line(n), "'" + what + "' must be a whole number");
    return null;
  }

  private <T> T parseValue(NodeTuple t, java.util.function.Function<String, T> parse) {
    String s = text(t);
    if (s == null) {
      error(line(t.getValueNode()), "'" + ((ScalarNode) t.getKeyNode()).getValue() + "' needs a value");
      return null;
    }
    try {
      return parse.apply(s);
    } catch (IllegalArgumentException e) {
      error(line(t.getValueNode()), "'" + ((ScalarNode) t.getKeyNode()).getValue() + "': " + e.getMessage());
      return null;
    }
  }

  private static int line(Node n) {
    return n.getStartMark().getLine() + 1;
  }

  private void error(int line, String message) {
    problems.add(PolicyProblem.error(source, line, message));
  }

  private void warning(int line, String message) {
    problems.add(PolicyProblem.warning(source, line, message));
  }

  private int errorCount() {
    return (int) problems.stream().filter(PolicyProblem::isError).count();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
