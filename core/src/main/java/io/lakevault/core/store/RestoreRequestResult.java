package io.lakevault.core.store;

/** What a restore request did. Requests are idempotent: asking again never starts a second restore. */
public enum RestoreRequestResult {
  /** The restore was started now (S3: 202 Accepted). */
  STARTED,
  /** A restore of this version is already running (S3: 409 RestoreAlreadyInProgress). */
  ALREADY_IN_PROGRESS,
  /** A restored copy exists; its expiry was extended (S3: 200 OK). */
  ALREADY_RESTORED
}
