package io.lakevault.core.pack;

import java.time.Instant;
import java.util.Map;

/**
 * What the writer is told about an object version before reading it: identity, the size and ETag the
 * inventory reported, and what to keep with it.
 *
 * @param expectedMd5 the MD5 the bytes must have (a single-part, non-KMS ETag), or {@code null} to skip that check
 */
public record EntrySource(String bucket, String key, String versionId, String eTag, Instant lastModified, long size,
    Instant retainUntil, String contentType, Map<String, String> userMetadata, byte[] expectedMd5) {

  public EntrySource {
    userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
  }

  public String describe() {
    return "s3://" + bucket + "/" + key + (versionId == null ? "" : " (version " + versionId + ")");
  }
}
