package io.lakevault.core.store;

import io.lakevault.core.LakevaultException;
import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * An {@code s3://bucket/key} location. {@code s3a://} and {@code s3n://} are accepted as synonyms,
 * so a URI copied from a Hadoop log works too. The key may be empty (the bucket root) and is kept
 * exactly as written, with no decoding.
 */
public record S3Uri(String bucket, String key) implements Serializable {
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  public S3Uri {
    checkBucket(bucket);
    if (key == null) key = "";
  }

  public static S3Uri parse(String uri) {
    int sep = uri.indexOf("://");
    if (sep < 0) {
      throw LakevaultException.usage("'" + uri + "' is not an S3 URI; write s3://bucket/key");
    }
    String scheme = uri.substring(0, sep);
    if (!scheme.equals("s3") && !scheme.equals("s3a") && !scheme.equals("s3n")) {
      throw LakevaultException.usage("'" + uri + "' has scheme '" + scheme + "'; write s3://bucket/key");
    }
    String rest = uri.substring(sep + 3);
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    return new S3Uri(bucket, key);
  }

  public static boolean isS3(String uri) {
    return uri.startsWith("s3://") || uri.startsWith("s3a://") || uri.startsWith("s3n://");
  }

  /** Bucket naming rules of S3 (general purpose buckets), checked so errors name the URI, not an HTTP 400. */
  public static void checkBucket(String bucket) {
    if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
      throw LakevaultException.usage("'" + bucket + "' is not a valid S3 bucket name: 3 to 63"
          + " characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit");
    }
  }

  /** This location with {@code child} appended below it, with exactly one '/' between. */
  public S3Uri resolve(String child) {
    if (key.isEmpty()) return new S3Uri(bucket, child);
    return new S3Uri(bucket, key.endsWith("/") ? key + child : key + "/" + child);
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }
}
