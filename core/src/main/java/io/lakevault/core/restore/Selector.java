package io.lakevault.core.restore;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.policy.KeyGlob;
import io.lakevault.core.store.S3Uri;
import java.io.Serializable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What to restore or export: which archived object versions, chosen from the catalog's {@code objects}
 * table. Filters of different kinds are ANDed; values of one kind (several buckets, several prefixes)
 * are ORed. Then one of four version choices:
 * <ul>
 *   <li>latest (no time given): the newest archived version of each key, nothing where that is a delete marker;
 *   <li>{@code asOf}: the version current at that instant, nothing where a delete marker was;
 *   <li>{@code versionIds}: exactly those versions;
 *   <li>{@code allVersions}: every archived version (up to {@code asOf} when given), delete markers left out.
 * </ul>
 *
 * @param prefixes key prefixes; a prefix written as {@code s3://bucket/prefix} holds in that bucket only
 * @param keysFile a file of keys, one per line ({@code key}, or {@code s3://bucket/key}), or {@code null}
 * @param globs {@link KeyGlob} patterns over whole keys
 * @param rules ids of the policy rules that classified the objects
 */
public record Selector(List<String> buckets, List<String> prefixes, String keysFile, List<String> globs,
    List<String> classes, List<String> rules, Long minSize, Long maxSize, Instant modifiedAfter,
    Instant modifiedBefore, Instant asOf, List<String> versionIds, boolean allVersions) implements Serializable {

  public Selector {
    buckets = sorted(buckets);
    prefixes = sorted(prefixes);
    globs = sorted(globs);
    classes = sorted(classes);
    rules = sorted(rules);
    versionIds = sorted(versionIds);
  }

  /** How versions of a key are chosen. */
  public enum Mode { LATEST, AS_OF, VERSION_IDS, ALL_VERSIONS }

  public Mode mode() {
    if (!versionIds.isEmpty()) return Mode.VERSION_IDS;
    if (allVersions) return Mode.ALL_VERSIONS;
    return asOf != null ? Mode.AS_OF : Mode.LATEST;
  }

  /** A prefix with the bucket it is limited to, or {@code null} for any selected bucket. */
  public record Prefix(String bucket, String prefix) implements Serializable {}

  public List<Prefix> parsedPrefixes() {
    List<Prefix> out = new ArrayList<>();
    for (String p : prefixes) {
      if (S3Uri.isS3(p)) {
        S3Uri u = S3Uri.parse(p);
        out.add(new Prefix(u.bucket(), u.key()));
      } else {
        out.add(new Prefix(null, p));
      }
    }
    return out;
  }

  /**
   * Refuses selections that are empty by construction or ambiguous, naming the option. A selection
   * must name at least one filter: restoring the whole archive is spelled out bucket by bucket.
   */
  public Selector validate() {
    if (buckets.isEmpty() && prefixes.isEmpty() && keysFile == null && globs.isEmpty() && classes.isEmpty()
        && rules.isEmpty() && versionIds.isEmpty()) {
      throw LakevaultException.usage("say what to select: --bucket, --prefix, --keys, --glob, --class, --rule or "
          + "--version-id (several may be combined); to take a whole bucket, name it with --bucket");
    }
    for (String b : buckets) S3Uri.checkBucket(b);
    for (String p : prefixes) {
      if (S3Uri.isS3(p)) S3Uri.parse(p);
    }
    for (String g : globs) {
      try {
        KeyGlob.compile(g);
      } catch (IllegalArgumentException e) {
        throw LakevaultException.usage("--glob " + g + ": " + e.getMessage());
      }
    }
    if (minSize != null && minSize < 0) throw LakevaultException.usage("--min-size must be at least 0");
    if (minSize != null && maxSize != null && maxSize < minSize) {
      throw LakevaultException.usage("--max-size " + maxSize + " is below --min-size " + minSize + ": nothing can match");
    }
    if (modifiedAfter != null && modifiedBefore != null && !modifiedBefore.isAfter(modifiedAfter)) {
      throw LakevaultException.usage("--modified-before " + modifiedBefore + " is not after --modified-after "
          + modifiedAfter + ": nothing can match");
    }
    if (!versionIds.isEmpty() && (asOf != null || allVersions)) {
      throw LakevaultException.usage("--version-id names versions exactly; it cannot be combined with --as-of or --all-versions");
    }
    return this;
  }

  /**
   * The selection in one canonical line: the same selection always gives the same line, whatever the
   * order of the options. It identifies a restore request together with its target.
   *
   * @param keysDigest SHA-256 of the keys file's content, so that a changed file is another request
   */
  public String canonical(String keysDigest) {
    StringBuilder b = new StringBuilder();
    part(b, "bucket", buckets);
    part(b, "prefix", prefixes);
    if (keysFile != null) b.append("keys=sha256:").append(keysDigest).append(';');
    part(b, "glob", globs);
    part(b, "class", classes);
    part(b, "rule", rules);
    if (minSize != null) b.append("min-size=").append(minSize).append(';');
    if (maxSize != null) b.append("max-size=").append(maxSize).append(';');
    if (modifiedAfter != null) b.append("modified-after=").append(modifiedAfter).append(';');
    if (modifiedBefore != null) b.append("modified-before=").append(modifiedBefore).append(';');
    if (asOf != null) b.append("as-of=").append(asOf).append(';');
    part(b, "version-id", versionIds);
    if (allVersions) b.append("all-versions;");
    return b.toString();
  }

  /**
   * The selection a {@link #canonical} line describes, so that a recorded selection (a legal hold's) can be
   * applied again to versions archived later.
   *
   * @param keysFileOf where the keys file of a given SHA-256 is kept (a {@code keys=sha256:...} part)
   */
  public static Selector parseCanonical(String line, java.util.function.Function<String, String> keysFileOf) {
    java.util.Map<String, List<String>> parts = new java.util.LinkedHashMap<>();
    boolean all = false;
    StringBuilder cur = new StringBuilder();
    String name = null;
    List<String> values = new ArrayList<>();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        cur.append(line.charAt(++i));
      } else if (name == null && c == '=') {
        name = cur.toString();
        cur.setLength(0);
      } else if (name != null && c == ',') {
        values.add(cur.toString());
        cur.setLength(0);
      } else if (c == ';') {
        if (name == null) {
          if (!cur.toString().equals("all-versions")) throw new IllegalArgumentException("selector part '" + cur + "' in: " + line);
          all = true;
        } else {
          values.add(cur.toString());
          parts.put(name, values);
        }
        name = null;
        values = new ArrayList<>();
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (cur.length() > 0 || name != null) throw new IllegalArgumentException("selector does not end with ';': " + line);
    String keys = one(parts, "keys");
    if (keys != null && !keys.startsWith("sha256:")) throw new IllegalArgumentException("keys=" + keys + " in: " + line);
    return new Selector(parts.get("bucket"), parts.get("prefix"), keys == null ? null : keysFileOf.apply(keys.substring(7)),
        parts.get("glob"), parts.get("class"), parts.get("rule"), longOf(one(parts, "min-size")), longOf(one(parts, "max-size")),
        instantOf(one(parts, "modified-after")), instantOf(one(parts, "modified-before")), instantOf(one(parts, "as-of")),
        parts.get("version-id"), all);
  }

  private static String one(java.util.Map<String, List<String>> parts, String name) {
    List<String> v = parts.get(name);
    return v == null ? null : v.get(0);
  }

  private static Long longOf(String v) {
    return v == null ? null : Long.parseLong(v);
  }

  private static Instant instantOf(String v) {
    return v == null ? null : Instant.parse(v);
  }

  private static void part(StringBuilder b, String name, List<String> values) {
    if (values.isEmpty()) return;
    b.append(name).append('=');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) b.append(',');
      b.append(values.get(i).replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;"));
    }
    b.append(';');
  }

  /** One line of a {@code --keys} file: {@code key} or {@code s3://bucket/key}; {@code null} for a blank line. */
  public static Prefix keyLine(String line) {
    String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    if (l.isEmpty()) return null;
    if (S3Uri.isS3(l)) {
      S3Uri u = S3Uri.parse(l);
      return new Prefix(u.bucket(), u.key());
    }
    return new Prefix(null, l);
  }

  /**
   * An ISO-8601 instant as users write it: {@code 2024-03-01T00:00:00Z}, with an offset, or a date
   * alone ({@code 2024-03-01}, meaning its start in UTC).
   */
  public static Instant parseTime(String option, String value) {
    try {
      if (value.length() == 10) return java.time.LocalDate.parse(value).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
      return java.time.OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(value);
      } catch (DateTimeParseException e2) {
        throw LakevaultException.usage(option + " " + value + " is not an ISO-8601 time: write 2024-03-01T00:00:00Z, "
            + "2024-03-01T09:30:00+01:00 or 2024-03-01");
      }
    }
  }

  private static List<String> sorted(List<String> values) {
    return values == null ? List.of() : List.copyOf(new TreeSet<>(values));
  }
}
