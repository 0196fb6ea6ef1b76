package io.lakevault.core.store;

import java.io.Serializable;
import java.util.Objects;

/**
 * One object, or one version of it.
 *
 * @param versionId {@code null} for "the current version"; {@code "null"} is S3's id of the version
 *     written while versioning was off, and is a real id
 */
public record ObjectRef(String bucket, String key, String versionId) implements Serializable {
  public ObjectRef {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(key, "key");
  }

  public static ObjectRef of(String bucket, String key) {
    return new ObjectRef(bucket, key, null);
  }

  public ObjectRef withVersion(String v) {
    return new ObjectRef(bucket, key, v);
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key + (versionId == null ? "" : " (version " + versionId + ")");
  }
}
