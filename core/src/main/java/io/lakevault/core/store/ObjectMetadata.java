package io.lakevault.core.store;

import java.io.Serializable;
import java.time.Instant;
import java.util.Map;

/**
 * What a HEAD returns for one object version.
 *
 * @param eTag without quotes
 * @param userMetadata {@code x-amz-meta-*} pairs, names lower-case, without the prefix
 * @param checksums additional checksums the store holds, algorithm to base64 value (a composite
 *     multipart checksum carries its {@code -N} suffix)
 * @param restoreOngoing {@code null} when no restore was ever requested, else whether it is still running
 * @param restoreExpiry when the restored copy expires; {@code null} unless a restore completed
 * @param lockRetainUntil Object Lock retain-until, {@code null} when unlocked
 * @param serverSideEncryption {@code AES256}, {@code aws:kms} or {@code null}
 */
public record ObjectMetadata(
    String bucket,
    String key,
    String versionId,
    long size,
    String eTag,
    Instant lastModified,
    StorageClass storageClass,
    String contentType,
    Map<String, String> userMetadata,
    Map<ChecksumAlgorithm, String> checksums,
    Boolean restoreOngoing,
    Instant restoreExpiry,
    ObjectLockMode lockMode,
    Instant lockRetainUntil,
    boolean legalHold,
    String serverSideEncryption,
    String kmsKeyId) implements Serializable {

  public ObjectMetadata {
    userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
    checksums = checksums == null ? Map.of() : Map.copyOf(checksums);
  }

  public ObjectRef ref() {
    return new ObjectRef(bucket, key, versionId);
  }

  /** True when a GET of this version succeeds now: not archived, or archived with a completed restore. */
  public boolean readable() {
    return !storageClass.needsRestore() || Boolean.FALSE.equals(restoreOngoing);
  }

  /** True when the ETag is the MD5 of the bytes: single-part upload (no {@code -N}) and not SSE-KMS/SSE-C. */
  public boolean eTagIsMd5() {
    return eTag != null && !eTag.contains("-") && !"aws:kms".equals(serverSideEncryption)
        && !"aws:kms:dsse".equals(serverSideEncryption);
  }
}
