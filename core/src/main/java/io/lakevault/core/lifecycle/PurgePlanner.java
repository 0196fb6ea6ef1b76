package io.lakevault.core.lifecycle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The pure rules of {@code lakevault catalog purge} (docs/lifecycle.md, "Erasure"; docs/catalog.md,
 * "Purge"): which erasure requests a purge finishes and whether it is late, how an erased version is
 * recognised in a catalog row (its fingerprint, as {@code erased_versions} keeps it), how text that names
 * an erased object is redacted, and how a Delta log line is changed once the data file it describes was
 * rewritten. Tested apart from Spark and S3.
 */
public final class PurgePlanner implements Serializable {
  /** What replaces an erased object's name in text (selectors, run arguments, reports). */
  public static final String REDACTED = "[erased]";

  private static final ObjectMapper JSON = new ObjectMapper();

  private PurgePlanner() {}

  /** A completed erasure request not yet purged from the catalog's files. */
  public record Request(String requestId, Instant completedAt, Instant purgeDue) implements Serializable {}

  /** A request as the purge reports it: {@code late} when the purge finishes it after its deadline. */
  public record Finished(String requestId, Instant completedAt, Instant purgeDue, boolean late) implements Serializable {}

  /** The requests a purge at {@code now} finishes, oldest deadline first, each marked late or on time. */
  public static List<Finished> finish(Collection<Request> pending, Instant now) {
    List<Finished> out = new ArrayList<>();
    for (Request r : pending) {
      out.add(new Finished(r.requestId(), r.completedAt(), r.purgeDue(), r.purgeDue() != null && now.isAfter(r.purgeDue())));
    }
    out.sort((a, b) -> {
      int c = compareNullsLast(a.purgeDue(), b.purgeDue());
      return c != 0 ? c : a.requestId().compareTo(b.requestId());
    });
    return out;
  }

  private static int compareNullsLast(Instant a, Instant b) {
    if (a == null) return b == null ? 0 : 1;
    return b == null ? -1 : a.compareTo(b);
  }

  /**
   * The fingerprint {@code erased_versions.version_sha256} keeps: SHA-256 (hex) of bucket, key and version
   * id ({@code "null"} for the null version) joined by newlines. The Spark twin is
   * {@code ErasedVersions.sha256}; a test pins that both agree.
   */
  public static String versionSha256(String bucket, String key, String versionId) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      String s = bucket + "\n" + key + "\n" + (versionId == null ? "null" : versionId);
      return HexFormat.of().formatHex(d.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * How an erased object is named in free text: {@code bucket/key} (a selector or a run's arguments write
   * {@code s3://bucket/key}; reports and keys files write the same). Only names this long are looked for,
   * so that redaction never takes out a bucket name on its own.
   */
  public static String name(String bucket, String key) {
    return bucket + "/" + key;
  }

  /**
   * The strings to redact for these names: each {@code bucket/key}, and the key on its own (a selector may
   * give the bucket apart, {@code bucket=b;prefix=key}), unless the key is shorter than 8 characters and has
   * no {@code /}: so short a string would take out unrelated text. Longest first, so that a name is
   * replaced whole before its key is looked for.
   */
  public static List<String> textForms(Collection<String> names) {
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    for (String n : names) {
      out.add(n);
      String key = n.substring(n.indexOf('/') + 1);
      if (key.length() >= 8 || key.contains("/")) out.add(key);
    }
    List<String> sorted = new ArrayList<>(out);
    sorted.sort((a, b) -> b.length() != a.length() ? b.length() - a.length() : a.compareTo(b));
    return sorted;
  }

  /**
   * {@code text} with every occurrence of each name replaced by {@link #REDACTED}; the same instance when
   * none occurs. A longer key that starts with an erased name is redacted too: erring toward erasure.
   */
  public static String redact(String text, Collection<String> names) {
    if (text == null || names.isEmpty()) return text;
    String out = text;
    for (String n : names) {
      if (!n.isEmpty() && out.contains(n)) out = out.replace(n, REDACTED);
    }
    return out;
  }

  /**
   * One line of a Delta commit file with the file actions ({@code add}, {@code remove}, {@code cdc}) of
   * rewritten data files corrected: the size set to the file's new size and the statistics dropped (they
   * were computed over rows that are gone, and a key's min/max keeps up to 32 characters of a name).
   * Delta treats a file without statistics as one it cannot skip, which is always correct.
   *
   * @param sizes new size of each rewritten data file, by its path relative to the table, decoded
   * @return the line unchanged (same instance) when it describes none of them
   */
  public static String scrubLogLine(String line, Map<String, Long> sizes) {
    if (line.isBlank() || sizes.isEmpty()) return line;
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a Delta log line: " + e.getOriginalMessage(), e);
    }
    boolean changed = false;
    for (String kind : List.of("add", "remove", "cdc")) {
      JsonNode a = node.get(kind);
      if (a == null || !a.isObject() || !a.has("path")) continue;
      Long size = sizes.get(decodedPath(a.get("path").asText()));
      if (size == null) continue;
      ObjectNode action = (ObjectNode) a;
      if (!action.has("size") || action.get("size").asLong() != size) {
        action.put("size", size);
        changed = true;
      }
      if (action.has("stats")) {
        action.remove("stats");
        changed = true;
      }
    }
    if (!changed) return line;
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A file action's path as the file system names it: Delta writes paths URI-encoded. */
  public static String decodedPath(String logPath) {
    try {
      return new URI(logPath).getPath();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("a Delta file action with an unreadable path: " + logPath, e);
    }
  }

  /** Whether a log line's file action carries a deletion vector (whose row numbers a rewrite would break). */
  public static boolean hasDeletionVector(String line, java.util.Set<String> affected) {
    if (!line.contains("deletionVector")) return false;
    try {
      JsonNode node = JSON.readTree(line);
      for (String kind : List.of("add", "remove")) {
        JsonNode a = node.get(kind);
        if (a != null && a.hasNonNull("deletionVector") && affected.contains(decodedPath(a.get("path").asText()))) {
          return true;
        }
      }
      return false;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a Delta log line: " + e.getOriginalMessage(), e);
    }
  }
}
