package io.lakevault.core.store;

import java.io.Serializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to write an object. Build with {@link #builder()}; every field is optional.
 *
 * <p>Object Lock needs both {@code lockMode} and {@code lockRetainUntil} and a bucket created with
 * Object Lock. An integrity checksum is always sent with locked writes, as S3 requires.
 */
public record PutOptions(StorageClass storageClass, String contentType, Map<String, String> userMetadata,
    String serverSideEncryption, String kmsKeyId, ChecksumAlgorithm checksumAlgorithm,
    ObjectLockMode lockMode, Instant lockRetainUntil, boolean legalHold, boolean ifNoneMatch, String ifMatch,
    String checksumValue, boolean fullObjectChecksum)
    implements Serializable {

  public PutOptions {
    userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
    if ((lockMode == null) != (lockRetainUntil == null)) {
      throw new IllegalArgumentException("Object Lock needs both a mode and a retain-until date");
    }
    if (ifNoneMatch && ifMatch != null) {
      throw new IllegalArgumentException("a write is conditional on the key not existing or on its ETag, not both");
    }
    if ((checksumValue != null || fullObjectChecksum) && checksumAlgorithm == null) {
      throw new IllegalArgumentException("a checksum value or a full-object checksum needs its algorithm");
    }
    if (fullObjectChecksum && checksumAlgorithm != ChecksumAlgorithm.CRC32 && checksumAlgorithm != ChecksumAlgorithm.CRC32C) {
      throw new IllegalArgumentException("S3 keeps full-object checksums of multipart uploads in CRC32 or CRC32C only, not "
          + checksumAlgorithm);
    }
  }

  public static PutOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** These options with the checksum settings replaced (see {@link Builder#checksum(ChecksumAlgorithm, String)}). */
  public PutOptions withChecksum(ChecksumAlgorithm algorithm, String value, boolean fullObject) {
    return new PutOptions(storageClass, contentType, userMetadata, serverSideEncryption, kmsKeyId, algorithm, lockMode,
        lockRetainUntil, legalHold, ifNoneMatch, ifMatch, value, fullObject);
  }

  public StorageClass storageClassOrDefault() {
    return storageClass == null ? StorageClass.STANDARD : storageClass;
  }

  /** Builder for {@link PutOptions}. */
  public static final class Builder {
    private StorageClass storageClass;
    private String contentType;
    private final Map<String, String> userMetadata = new LinkedHashMap<>();
    private String sse;
    private String kmsKeyId;
    private ChecksumAlgorithm checksum;
    private ObjectLockMode lockMode;
    private Instant retainUntil;
    private boolean legalHold;
    private boolean ifNoneMatch;
    private String ifMatch;
    private String checksumValue;
    private boolean fullObjectChecksum;

    public Builder storageClass(StorageClass c) { this.storageClass = c; return this; }
    public Builder contentType(String t) { this.contentType = t; return this; }
    public Builder userMetadata(Map<String, String> m) { this.userMetadata.putAll(m); return this; }
    public Builder userMetadata(String k, String v) { this.userMetadata.put(k, v); return this; }
    /** {@code AES256} (SSE-S3) or {@code aws:kms} with an optional key id. */
    public Builder serverSideEncryption(String sse, String kmsKeyId) { this.sse = sse; this.kmsKeyId = kmsKeyId; return this; }
    public Builder checksum(ChecksumAlgorithm a) { this.checksum = a; return this; }
    /**
     * A single PUT whose whole body must have this checksum (base64, as S3 writes it): the store refuses
     * the write when the bytes it received differ, so nothing damaged in flight becomes visible.
     */
    public Builder checksum(ChecksumAlgorithm a, String base64) { this.checksum = a; this.checksumValue = base64; return this; }
    /**
     * A multipart upload checked as one object: parts carry their own checksums and the completion the
     * writer's checksum of the whole, in {@code a} (CRC32 or CRC32C).
     */
    public Builder fullObjectChecksum(ChecksumAlgorithm a) { this.checksum = a; this.fullObjectChecksum = true; return this; }
    public Builder objectLock(ObjectLockMode mode, Instant retainUntil) { this.lockMode = mode; this.retainUntil = retainUntil; return this; }
    public Builder legalHold(boolean on) { this.legalHold = on; return this; }
    /** Fail with {@link ObjectStoreException.Reason#PRECONDITION_FAILED} when the key exists (write-once keys). */
    public Builder ifNoneMatch(boolean b) { this.ifNoneMatch = b; return this; }
    /**
     * Fail with {@link ObjectStoreException.Reason#PRECONDITION_FAILED} unless the key's current version
     * has this ETag (compare-and-swap of a small record, such as a run lease).
     */
    public Builder ifMatch(String eTag) { this.ifMatch = eTag; return this; }

    public PutOptions build() {
      return new PutOptions(storageClass, contentType, userMetadata, sse, kmsKeyId, checksum, lockMode,
          retainUntil, legalHold, ifNoneMatch, ifMatch, checksumValue, fullObjectChecksum);
    }
  }
}
