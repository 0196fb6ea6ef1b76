package io.lakevault.core.policy;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The conditions of one rule. Every condition that is set must hold (AND); a list means any of its
 * values (OR); a condition that is not set ({@code null}) always holds. A condition on a field the
 * object lacks (a size on a delete marker, a last-modified date the report does not carry) does not
 * hold, except where the empty field has a meaning of its own: see {@link ObjectFacts}.
 *
 * @param buckets source bucket names
 * @param prefixes key prefixes
 * @param glob a glob over the whole key
 * @param regex a Java regular expression over the whole key
 * @param minSize smallest size, inclusive, in bytes
 * @param maxSize size limit, exclusive, in bytes
 * @param minAge last modified at least this long before the classification time
 * @param maxAge last modified less than this long before the classification time
 * @param modifiedFrom last modified at or after this instant
 * @param modifiedBefore last modified before this instant
 * @param storageClasses current S3 storage classes
 * @param encryption inventory encryption statuses (NOT-SSE, SSE-S3, SSE-KMS, DSSE-KMS, SSE-C)
 * @param lockModes Object Lock modes, with {@link #NONE} for objects without a lock
 * @param legalHold whether a legal hold is on
 * @param latest whether the version is the current one
 * @param deleteMarker whether the version is a delete marker
 */
public record Match(List<String> buckets, List<String> prefixes, KeyGlob glob, String regex, Long minSize,
    Long maxSize, Period minAge, Period maxAge, Instant modifiedFrom, Instant modifiedBefore,
    Set<String> storageClasses, Set<String> encryption, Set<String> lockModes, Boolean legalHold, Boolean latest,
    Boolean deleteMarker) implements Serializable {

  /** The lock mode of an object without Object Lock. */
  public static final String NONE = "NONE";

  /** Matches every object. */
  public static final Match ALL = new Match(null, null, null, null, null, null, null, null, null, null, null, null,
      null, null, null, null);

  /** The regex, compiled to match the whole key. */
  public Pattern regexPattern() {
    return regex == null ? null : Pattern.compile(regex, Pattern.DOTALL);
  }

  /**
   * The literal prefixes every key this rule matches starts with, one of which must hold; empty when
   * the key is not constrained to a prefix. Used to dispatch rules by prefix and in the linter.
   */
  public List<String> keyPrefixes() {
    if (prefixes != null) return prefixes;
    if (glob != null && !glob.literalPrefix().isEmpty()) return List.of(glob.literalPrefix());
    return List.of();
  }

  /** The length of the shortest literal key prefix the rule requires: its specificity on keys. */
  public int prefixSpecificity() {
    return keyPrefixes().stream().mapToInt(String::length).min().orElse(0);
  }

  /** Condition names that are set, in documentation order; for messages. */
  public List<String> conditionNames() {
    List<String> out = new ArrayList<>();
    if (buckets != null) out.add("bucket");
    if (prefixes != null) out.add("prefix");
    if (glob != null) out.add("glob");
    if (regex != null) out.add("regex");
    if (minSize != null || maxSize != null) out.add("size");
    if (minAge != null || maxAge != null) out.add("age");
    if (modifiedFrom != null || modifiedBefore != null) out.add("last-modified");
    if (storageClasses != null) out.add("storage-class");
    if (encryption != null) out.add("encryption");
    if (lockModes != null) out.add("lock-mode");
    if (legalHold != null) out.add("legal-hold");
    if (latest != null) out.add("latest");
    if (deleteMarker != null) out.add("delete-marker");
    return out;
  }
}
