package io.lakevault.core.policy;

import java.time.Instant;

/**
 * What the rules can see of one object version: the inventory's columns, as the catalog stores them
 * (enumerations upper-case). Any field but bucket and key may be {@code null} when the inventory
 * report does not carry it.
 */
public record ObjectFacts(String bucket, String key, String versionId, Boolean isLatest, Boolean isDeleteMarker,
    Long size, Instant lastModified, String storageClass, String encryptionStatus, String objectLockMode,
    String legalHoldStatus) {

  /**
   * Whether the version is the current one. Current-version reports carry no IsLatest: every row is
   * the current version, so {@code null} reads as {@code true}.
   */
  public boolean latest() {
    return isLatest == null || isLatest;
  }

  /** Whether the version is a delete marker; {@code null} (a current-version report) reads as {@code false}. */
  public boolean deleteMarker() {
    return isDeleteMarker != null && isDeleteMarker;
  }

  /** The lock mode, {@code NONE} when the object has none (the inventory leaves the field empty). */
  public String lockMode() {
    return objectLockMode == null ? Match.NONE : objectLockMode;
  }

  /** Whether a legal hold is on; an empty field reads as off. */
  public boolean legalHold() {
    return "ON".equals(legalHoldStatus);
  }
}
