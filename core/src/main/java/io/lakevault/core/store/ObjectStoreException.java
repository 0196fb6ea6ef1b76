package io.lakevault.core.store;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;

/** A failure of an object store call, with a reason callers branch on and a message that names the object. */
public class ObjectStoreException extends LakevaultException {
  private static final long serialVersionUID = 1L;

  /** Why the call failed; the S3 error code each reason covers is named. */
  public enum Reason {
    /** NoSuchKey / NoSuchVersion / 404. */
    NOT_FOUND,
    /** NoSuchBucket. */
    NO_SUCH_BUCKET,
    /** AccessDenied: permissions, or Object Lock / legal hold protecting a version. */
    ACCESS_DENIED,
    /** InvalidObjectState: an archived object read without a completed restore, or a restore of a non-archived one. */
    INVALID_OBJECT_STATE,
    /** PreconditionFailed (412) or a conflicting conditional write (409). */
    PRECONDITION_FAILED,
    /** InvalidRange (416). */
    INVALID_RANGE,
    /** A request the store refused as malformed (400), or a key the store cannot represent. */
    INVALID_REQUEST,
    /**
     * BadDigest: the bytes the store received, or the object it assembled from parts, do not have the
     * checksum the writer sent; nothing was written (damaged in flight: write it again).
     */
    BAD_DIGEST,
    /** SlowDown / 503 / throttling after all retries. */
    THROTTLED,
    /** Network or 5xx errors after all retries. */
    TRANSIENT,
    /** Anything else. */
    OTHER
  }

  private final Reason reason;

  public ObjectStoreException(Reason reason, String message) {
    super(kindOf(reason), message);
    this.reason = reason;
  }

  public ObjectStoreException(Reason reason, String message, Throwable cause) {
    super(kindOf(reason), message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  private static ErrorKind kindOf(Reason r) {
    return r == Reason.INVALID_REQUEST ? ErrorKind.USAGE : ErrorKind.STORE;
  }
}
