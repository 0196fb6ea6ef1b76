package io.lakevault.core.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every configuration key lakevault knows, with its default. This is the one source of truth:
 * {@code docs/configuration.md} and {@code conf/lakevault.yaml} are checked against it by a test.
 *
 * <p>Keys under {@code spark.} are passed to the Spark session as they are and are not listed here.
 */
public final class Settings {
  private Settings() {}

  public static final Setting<String> CATALOG_URI = new Setting<>("catalog.uri",
      "s3://lakevault-catalog/catalog",
      "Root of the Delta catalog tables (inventory, classified, objects, packs, runs, restores).",
      "URI", s -> schemes(uri(s), "s3", "s3a", "file"));

  public static final Setting<String> ARCHIVE_URI = new Setting<>("archive.uri",
      "s3://lakevault-archive/packs",
      "Where packs are written, unless a retention class names its own target.",
      "URI", s -> schemes(uri(s), "s3"));

  public static final Setting<String> STORE_LOCAL_ROOT = new Setting<>("store.local.root", null,
      "When set, the embedded local-disk store: s3://bucket/key resolves to <root>/bucket/key, so one config serves laptop and EMR. Relative paths are taken from the working directory.",
      "path", s -> {
        if (s.isBlank()) throw new IllegalArgumentException("must not be empty");
        return s;
      });

  public static final Setting<Duration> STORE_LOCAL_THAW_DELAY = new Setting<>("store.local.thaw-delay",
      "0s",
      "Local store only: how long a restore request takes before an archived object can be read (emulates Glacier's hours).",
      "duration", Durations::parse);

  public static final Setting<String> S3_ENDPOINT = new Setting<>("s3.endpoint", null,
      "S3 endpoint override for S3-compatible stores and the emulator (e.g. http://127.0.0.1:5000). Unset: AWS.",
      "URL", Settings::httpUrl);

  public static final Setting<String> S3_REGION = new Setting<>("s3.region", "us-east-1",
      "AWS region of the buckets.", "region", s -> {
        if (!s.matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
          throw new IllegalArgumentException("is not an AWS region name such as us-east-1");
        }
        return s;
      });

  public static final Setting<Boolean> S3_PATH_STYLE = new Setting<>("s3.path-style", "false",
      "Address buckets by path (http://host/bucket/key) instead of by virtual host; needed by most S3-compatible stores.",
      "boolean", Settings::bool);

  public static final Setting<Integer> S3_MAX_ATTEMPTS = new Setting<>("s3.max-attempts", "10",
      "Attempts per S3 request, with exponential backoff and jitter, on throttling (503 SlowDown) and transient errors.",
      "integer", s -> intInRange(s, 1, 100));

  public static final Setting<Duration> S3_READ_TIMEOUT = new Setting<>("s3.read-timeout", "10s",
      "Per attempt of a GET of a small object read whole (the archive's source reads): an attempt slower than this is abandoned and retried, so one stalled connection costs seconds, not a task.",
      "duration", Settings::positive);

  public static final Setting<Duration> S3_CALL_TIMEOUT = new Setting<>("s3.call-timeout", "10m",
      "Longest time one S3 request may take, all its attempts and their backoff included, before it fails with an error naming the object (a part upload of 64 MiB included).",
      "duration", Settings::positive);

  public static final Setting<Duration> CATALOG_HISTORY_RETENTION = new Setting<>("catalog.history-retention",
      "3653d",
      "How long catalog tables keep their Delta history (log and removed files), so auditors can time-travel the catalog itself; set it to at least the longest retention class.",
      "duration", Durations::parse);

  public static final Setting<Duration> CATALOG_WORKING_RETENTION = new Setting<>("catalog.working-retention", "7d",
      "How long the working tables (inventory, inventory_quarantine, inventory_changes, classified: recomputed from the source lake) keep the files later commits removed, before catalog vacuum deletes them; their logs keep catalog.history-retention. At least 7d (Delta's VACUUM safety check, kept on).",
      "duration", s -> {
        Duration d = Durations.parse(s);
        if (d.compareTo(Duration.ofDays(7)) < 0) {
          throw new IllegalArgumentException("must be at least 7d: readers of an older snapshot of a table still need its removed files");
        }
        return d;
      });

  public static final Setting<List<String>> INVENTORY_SOURCES = new Setting<>("inventory.sources", null,
      "Inventory sources ingested when no --source is given: configuration prefixes or manifest.json URIs, comma-separated.",
      "URI list", s -> {
        List<String> out = new java.util.ArrayList<>();
        for (String part : s.split(",")) {
          if (!part.isBlank()) out.add(uri(part.trim()));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("names no URI");
        return List.copyOf(out);
      });

  public static final Setting<Long> INVENTORY_MAX_BAD_ROWS = new Setting<>("inventory.max-bad-rows", "0",
      "Inventory rows that may fail to parse (they go to inventory_quarantine) before the run fails and commits nothing.",
      "integer", s -> {
        try {
          long v = Long.parseLong(s.trim());
          if (v < 0) throw new IllegalArgumentException("must not be negative");
          return v;
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("is not a whole number");
        }
      });

  public static final Setting<String> CLASSIFY_POLICY = new Setting<>("classify.policy", "conf/policy.yaml",
      "The retention policy classify and explain use when no --policy is given: a local path or an s3:// URI (format: docs/policy.md).",
      "path or URI", s -> {
        if (s.isBlank()) throw new IllegalArgumentException("must not be empty");
        return s.trim();
      });

  public static final Setting<String> CLASSIFY_PRICE_TABLE = new Setting<>("classify.price-table", null,
      "Price table for cost reports: a local path or s3:// URI of a YAML file with the fields of the built-in one. Unset: the built-in us-east-1 list prices (docs/policy.md).",
      "path or URI", s -> {
        if (s.isBlank()) throw new IllegalArgumentException("must not be empty");
        return s.trim();
      });

  public static final Setting<String> ARCHIVE_DEFAULT_KEY = new Setting<>("archive.default-key", "local:default",
      "Key-encryption key for retention classes that encrypt and name no key of their own: a KMS key id, ARN or alias, or local:NAME for a key file under keys.local.dir (docs/pack-format.md).",
      "key reference", s -> {
        if (s.isBlank()) throw new IllegalArgumentException("must not be empty");
        return s.trim();
      });

  public static final Setting<String> KEYS_LOCAL_DIR = new Setting<>("keys.local.dir", "work/keys",
      "Directory of local key files: local:NAME is <dir>/NAME.key. Back it up: losing a key loses every pack it encrypted.",
      "path", s -> {
        if (s.isBlank()) throw new IllegalArgumentException("must not be empty");
        return s;
      });

  public static final Setting<String> KMS_ENDPOINT = new Setting<>("kms.endpoint", null,
      "AWS KMS endpoint override (e.g. the emulator's http://127.0.0.1:5000). Unset: AWS KMS in s3.region.",
      "URL", Settings::httpUrl);

  public static final Setting<String> STS_ENDPOINT = new Setting<>("sts.endpoint", null,
      "AWS STS endpoint override, for retention classes whose target names a role to assume (e.g. the emulator's http://127.0.0.1:5000). Unset: AWS STS in s3.region.",
      "URL", Settings::httpUrl);

  public static final Setting<Duration> RESTORE_POLL_INTERVAL = new Setting<>("restore.poll-interval", "1m",
      "restore --wait: how long to wait before the first check of thawing packs; the wait doubles after each check, up to 16 times this.",
      "duration", Durations::parse);

  public static final Setting<Double> ARCHIVE_MAX_SKIPPED_FRACTION = new Setting<>("archive.max-skipped-fraction", "0.05",
      "An archive run whose sources could not be read (access denied, SSE-C, archived and not restored, unavailable after retries; not those gone or changed since the inventory) for more than this fraction of its candidates fails, after committing what it read; fewer are skipped and reported, and the next run tries them again.",
      "fraction", s -> {
        double d;
        try {
          d = Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("is not a number such as 0.05");
        }
        if (!(d >= 0 && d <= 1)) throw new IllegalArgumentException("must be between 0 and 1");
        return d;
      });

  public static final Setting<String> ARCHIVE_SOURCE_ENDPOINT = new Setting<>("archive.source-endpoint", null,
      "S3 endpoint the archive job reads the lake's objects from, when they are not in the store everything else uses (s3.endpoint, or store.local.root): an S3-compatible lake (MinIO, Ceph) archived into AWS or onto local disk. Region, path style, retries and timeouts are the s3.* settings. Unset: the same store.",
      "URL", Settings::httpUrl);

  public static final Setting<Boolean> ARCHIVE_VERIFY_SOURCE_MD5 = new Setting<>("archive.verify-source-md5", "false",
      "Check each source's bytes against its ETag's MD5 (single-part, not SSE-KMS or SSE-C objects) as the archive reads them. Off by default: sources are read by version id, or with the inventory's ETag as If-Match, and the ETag is compared from the response, so the bytes are that version; MD5 guards only the transfer, which TLS and the SDK's checksum validation guard already, and costs about an eighth of the archive's CPU. Turn it on for plain-HTTP endpoints or stores you do not trust to return what they stored.",
      "boolean", Settings::bool);

  public static final Setting<Duration> LEASE_TIMEOUT = new Setting<>("lease.timeout", "10m",
      "How long a run that writes the catalog and the archive (archive) may go without renewing its run lease before another run may take the lease over; the holder renews it every tenth of this. Longer than any pause a driver may take (GC, network), shorter than you would wait after a crash.",
      "duration", s -> {
        Duration d = Durations.parse(s);
        if (d.compareTo(Duration.ofSeconds(10)) < 0) throw new IllegalArgumentException("must be at least 10s");
        return d;
      });

  public static final Setting<String> LIFECYCLE_ERASER_ROLE = new Setting<>("lifecycle.eraser-role", null,
      "IAM role ARN that expire and erase assume to rewrite and delete key files (the shipped bucket policy lets only the eraser role do so). Unset: the job's own credentials, which suffices on the local store; on S3 with the shipped policies expire then keeps and reports the key files, and erase fails naming this setting.",
      "ARN", s -> {
        if (!s.startsWith("arn:")) throw new IllegalArgumentException("must be an IAM role ARN (arn:aws:iam::...:role/...)");
        return s;
      });

  public static final Setting<Duration> ERASURE_PURGE_WITHIN = new Setting<>("erasure.purge-within", "30d",
      "After an erasure request completes, how long the catalog's older files that still hold the erased rows (earlier table versions, inventory and classified) may stay before `catalog purge` must have removed them; erase reports the deadline and purge reports requests past it.",
      "duration", s -> {
        Duration d = Durations.parse(s);
        if (d.isNegative() || d.compareTo(Duration.ofDays(30)) > 0) {
          throw new IllegalArgumentException("must be between 0 and 30d: an erasure answers within a month (GDPR Art. 12(3))");
        }
        return d;
      });

  public static final Setting<String> DRILL_TARGET = new Setting<>("drill.target", null,
      "Where restore drills restore to and clean up after: s3://bucket/prefix (a scratch bucket the pipeline role may write and delete in, never a source or archive bucket) or a local folder. A drill writes nothing outside it.",
      "URI or path", s -> {
        if (s.isBlank()) throw new IllegalArgumentException("must not be empty");
        if (s.equals("original")) throw new IllegalArgumentException("must be a scratch location, not the original one");
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
      });

  public static final Setting<Long> DRILL_MAX_BYTES = new Setting<>("drill.max-bytes", "1GiB",
      "Restore drills: the most original bytes one class's sample may restore at one level; prefixes and buckets larger than this are not drilled whole.",
      "size", Sizes::parse);

  public static final Setting<String> SERVE_S3_CREDENTIALS = new Setting<>("serve-s3.credentials", null,
      "A file of `ACCESS_KEY_ID SECRET_ACCESS_KEY` lines: the access keys `serve-s3` accepts in SigV4-signed requests (kept out of this file so it can be committed). Unset: serve-s3 runs only with --anonymous, on loopback.",
      "path", s -> {
        if (s.isBlank()) throw new IllegalArgumentException("must not be empty");
        return s;
      });

  private static final Map<String, Setting<?>> ALL = new LinkedHashMap<>();

  static {
    for (Setting<?> s : List.of(CATALOG_URI, CATALOG_HISTORY_RETENTION, CATALOG_WORKING_RETENTION, ARCHIVE_URI, STORE_LOCAL_ROOT, STORE_LOCAL_THAW_DELAY,
        S3_ENDPOINT, S3_REGION, S3_PATH_STYLE, S3_MAX_ATTEMPTS, S3_READ_TIMEOUT, S3_CALL_TIMEOUT, INVENTORY_SOURCES, INVENTORY_MAX_BAD_ROWS,
        CLASSIFY_POLICY, CLASSIFY_PRICE_TABLE, ARCHIVE_DEFAULT_KEY, KEYS_LOCAL_DIR, KMS_ENDPOINT, STS_ENDPOINT,
        RESTORE_POLL_INTERVAL, ARCHIVE_MAX_SKIPPED_FRACTION, ARCHIVE_SOURCE_ENDPOINT, ARCHIVE_VERIFY_SOURCE_MD5, LEASE_TIMEOUT, LIFECYCLE_ERASER_ROLE, ERASURE_PURGE_WITHIN, DRILL_TARGET, DRILL_MAX_BYTES,
        SERVE_S3_CREDENTIALS)) {
      ALL.put(s.key(), s);
    }
  }

  /** Prefix of keys handed to Spark unchanged. */
  public static final String SPARK_PREFIX = "spark.";

  /** All known settings, in documentation order. */
  public static Map<String, Setting<?>> all() {
    return java.util.Collections.unmodifiableMap(ALL);
  }

  static String uri(String s) {
    if (!s.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.+")) {
      throw new IllegalArgumentException("is not a URI such as s3://bucket/prefix");
    }
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** A URI whose scheme is one of {@code allowed}: the stores lakevault reads and writes. */
  static String schemes(String uri, String... allowed) {
    String scheme = uri.substring(0, uri.indexOf(':')).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(scheme)) return uri;
    }
    throw new IllegalArgumentException("has scheme '" + scheme + "'; lakevault reads and writes only "
        + String.join(", ", java.util.Arrays.stream(allowed).map(a -> a + "://").toList()) + " here");
  }

  static String httpUrl(String s) {
    if (!s.startsWith("http://") && !s.startsWith("https://")) {
      throw new IllegalArgumentException("must start with http:// or https://");
    }
    return s;
  }

  static Duration positive(String s) {
    Duration d = Durations.parse(s);
    if (d.isZero() || d.isNegative()) throw new IllegalArgumentException("must be longer than zero");
    return d;
  }

  static Boolean bool(String s) {
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> Boolean.TRUE;
      case "false", "no", "off" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("is not true or false");
    };
  }

  static Integer intInRange(String s, int min, int max) {
    int v;
    try {
      v = Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("is not a whole number");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("must be between " + min + " and " + max);
    }
    return v;
  }
}
