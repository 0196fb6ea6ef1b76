package io.lakevault.core.policy;

import io.lakevault.core.store.StorageClass;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * A retention class: how long its objects are kept, and how their packs are stored.
 *
 * @param name the class's name, as rules refer to it
 * @param description what the class is for, for reviewers
 * @param retain how long to keep each object
 * @param anchor what {@code retain} counts from
 * @param storageClass the S3 storage class of the class's packs
 * @param lockMode Object Lock mode of the packs: COMPLIANCE, GOVERNANCE or {@code NONE}
 * @param encrypted whether pack entries are encrypted
 * @param keyRef the key-encryption key: a KMS key id, ARN or alias, or {@code local:NAME}; {@code null} for
 *     the default key of the store
 * @param targetUri where this class's packs go, overriding {@code archive.uri}; {@code null} for the default
 * @param targetRole the IAM role to assume to write to {@code targetUri} (another account: the air gap)
 * @param packSize the target size of a pack, in bytes
 * @param rto the restore time objective: a hint for choosing the restore tier
 * @param erasable whether an erasure request (GDPR Art. 17) may erase the class's objects: {@code false} for
 *     records kept under a legal obligation (Art. 17(3)(b)); {@code null} when the policy does not say, which
 *     refuses erasure like {@code false}
 */
public record RetentionClass(String name, String description, Period retain, Anchor anchor, StorageClass storageClass,
    String lockMode, boolean encrypted, String keyRef, String targetUri, String targetRole, long packSize,
    Duration rto, Boolean erasable) implements Serializable {

  /** What a retention period counts from. */
  public enum Anchor {
    /** The object version's last-modified date: "keep for seven years from creation". */
    LAST_MODIFIED,
    /** The time the object is archived: "keep for six years from when we took custody". */
    ARCHIVED;
  }

  /** Storage classes a pack may be written to. */
  public static final java.util.Set<StorageClass> PACK_STORAGE_CLASSES = java.util.EnumSet.of(
      StorageClass.DEEP_ARCHIVE, StorageClass.GLACIER, StorageClass.GLACIER_IR, StorageClass.STANDARD_IA);

  /** Whether an erasure request may erase this class's objects: only when the policy says so. */
  public boolean mayBeErased() {
    return Boolean.TRUE.equals(erasable);
  }

  /** The default pack target size: 1 GiB. */
  public static final long DEFAULT_PACK_SIZE = 1L << 30;

  /**
   * The retain-until instant of an object version: {@code lastModified} or {@code archivedAt} plus the
   * period, in UTC. {@code null} when the anchor's instant is unknown.
   */
  public Instant retainUntil(Instant lastModified, Instant archivedAt) {
    Instant base = anchor == Anchor.LAST_MODIFIED ? lastModified : archivedAt;
    return base == null ? null : retain.addTo(base);
  }
}
