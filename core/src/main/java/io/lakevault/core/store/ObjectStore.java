package io.lakevault.core.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Iterator;
import java.util.List;

/**
 * The object-store contract every job is written against. Two implementations: S3 (AWS SDK v2, in
 * {@code lakevault-aws}) and {@link LocalObjectStore}, the embedded default on local disk. One contract
 * test suite runs against both.
 *
 * <p>Errors are {@link ObjectStoreException}s whose {@link ObjectStoreException.Reason} does not depend
 * on the implementation. Implementations are thread-safe.
 */
public interface ObjectStore extends AutoCloseable {

  /** Creates a bucket; with {@code objectLock}, versioning is enabled too, as S3 requires. Existing: no-op. */
  void createBucket(String bucket, boolean versioning, boolean objectLock);

  boolean bucketExists(String bucket);

  /** Whether a bucket keeps versions and has Object Lock enabled: what an archive target needs. */
  BucketProtection bucketProtection(String bucket);

  /** A bucket's versioning and Object Lock, as its settings say. */
  record BucketProtection(boolean versioning, boolean objectLock) {}

  /** HEAD: metadata of the current version, or of the version named. Delete markers answer NOT_FOUND. */
  ObjectMetadata head(ObjectRef ref);

  /**
   * GET, optionally a byte range. Archived versions without a completed restore fail with
   * INVALID_OBJECT_STATE. The caller closes the stream.
   *
   * @param range {@code null} for the whole object
   */
  InputStream get(ObjectRef ref, ByteRange range);

  default InputStream get(ObjectRef ref) {
    return get(ref, null);
  }

  /**
   * GET of a whole version together with its metadata (size, ETag, content type, user metadata), from
   * one response where the store allows. The caller closes the content.
   */
  default ObjectContent open(ObjectRef ref) {
    return open(ref, null);
  }

  /**
   * {@link #open(ObjectRef)} on a condition, as S3's {@code If-Match}: refused with PRECONDITION_FAILED,
   * before any byte is sent, unless the version read has the ETag {@code ifMatch} (unquoted; {@code null}:
   * no condition). An object overwritten since its ETag was seen fails at once instead of being read whole.
   */
  default ObjectContent open(ObjectRef ref, String ifMatch) {
    ObjectMetadata m = head(ref);
    checkETag(ref, m, ifMatch);
    String v = ref.versionId() != null ? ref.versionId() : ("null".equals(m.versionId()) ? null : m.versionId());
    return new ObjectContent(m, get(new ObjectRef(ref.bucket(), ref.key(), v)));
  }

  /** The refusal of a read whose version no longer has the ETag the caller expects. */
  static void checkETag(ObjectRef ref, ObjectMetadata m, String ifMatch) {
    if (ifMatch != null && !ifMatch.equals(m.eTag())) {
      throw new ObjectStoreException(ObjectStoreException.Reason.PRECONDITION_FAILED, ref + " has ETag " + m.eTag()
          + ", not " + ifMatch + " (If-Match)");
    }
  }

  /** Single PUT of {@code length} bytes read from {@code data}; at most {@link S3Limits#MAX_SINGLE_PUT}. */
  ObjectMetadata put(String bucket, String key, InputStream data, long length, PutOptions options);

  default ObjectMetadata put(String bucket, String key, byte[] data, PutOptions options) {
    return put(bucket, key, new ByteArrayInputStream(data), data.length, options);
  }

  /** Starts a multipart upload; see {@link MultipartOutputStream} for the streaming form. */
  MultipartUpload startMultipartUpload(String bucket, String key, PutOptions options);

  /** Multipart uploads started and neither completed nor aborted, under {@code prefix}. */
  List<PendingUpload> listMultipartUploads(String bucket, String prefix);

  void abortMultipartUpload(String bucket, String key, String uploadId);

  /**
   * Requests a restore of an archived version for {@code days} days. Idempotent: a restore in
   * progress is not started twice, and a restored copy only has its expiry extended.
   */
  RestoreRequestResult requestRestore(ObjectRef ref, int days, RestoreTier tier);

  /** Current versions under {@code prefix}, in UTF-8 binary key order, fetched page by page. */
  Iterator<ObjectVersion> list(String bucket, String prefix);

  /** Every version and delete marker under {@code prefix}: keys in binary order, newest first per key. */
  Iterator<ObjectVersion> listVersions(String bucket, String prefix);

  /**
   * Deletes. Without a version id, in a versioned bucket, adds a delete marker; with one, removes that
   * version for good, which Object Lock (COMPLIANCE, GOVERNANCE without bypass) and legal holds refuse
   * with ACCESS_DENIED. Deleting what does not exist succeeds, as in S3.
   */
  void delete(ObjectRef ref, boolean bypassGovernance);

  default void delete(ObjectRef ref) {
    delete(ref, false);
  }

  void putLegalHold(ObjectRef ref, boolean on);

  /**
   * Places an existing version under Object Lock until {@code retainUntil}. As in S3, a COMPLIANCE
   * lock can be extended but never shortened or weakened (ACCESS_DENIED); setting the same retention
   * again succeeds, so the call is idempotent. The bucket must have been created with Object Lock.
   */
  void putRetention(ObjectRef ref, ObjectLockMode mode, java.time.Instant retainUntil);

  /** A short name for messages and the runs table, e.g. {@code s3(http://127.0.0.1:5000)} or {@code local(/data)}. */
  String describe();

  @Override
  void close();

  /** An inclusive byte range, as in HTTP {@code Range: bytes=first-last}. */
  record ByteRange(long first, long last) implements java.io.Serializable {
    public ByteRange {
      if (first < 0 || last < first) {
        throw new IllegalArgumentException("invalid byte range " + first + "-" + last);
      }
    }

    public static ByteRange ofLength(long offset, long length) {
      return new ByteRange(offset, offset + length - 1);
    }

    public long length() {
      return last - first + 1;
    }
  }

  /**
   * Reads a version whole, for objects small enough to hold in memory: its metadata and at most
   * {@code limit} bytes, and whether it holds more than that. One request, like {@link #open}; the local
   * store serves it with fewer system calls than a stream would take (the archive job reads every small
   * object of a lake through here).
   */
  default ObjectBytes readAll(ObjectRef ref, int limit) {
    return readAll(ref, limit, null);
  }

  /** {@link #readAll(ObjectRef, int)} on the condition of {@link #open(ObjectRef, String)}. */
  default ObjectBytes readAll(ObjectRef ref, int limit, String ifMatch) {
    try (ObjectContent c = open(ref, ifMatch)) {
      InputStream in = c.stream();
      byte[] b = new byte[limit];
      int filled = 0;
      while (filled < limit) {
        int n = in.read(b, filled, limit - filled);
        if (n < 0) break;
        filled += n;
      }
      boolean longer = filled == limit && in.read() >= 0;
      return new ObjectBytes(c.metadata(), filled == limit ? b : java.util.Arrays.copyOf(b, filled), longer);
    } catch (java.io.IOException e) {
      throw new ObjectStoreException(ObjectStoreException.Reason.OTHER, "read " + ref + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@link #readAll(ObjectRef, int, String)} without waiting for it: the future completes with the bytes, or
   * with the {@link ObjectStoreException} the blocking read would throw. A store with an asynchronous
   * client (S3) holds no thread while the store answers, so callers may keep hundreds in flight; the
   * default runs the blocking read on {@code blocking}.
   */
  default java.util.concurrent.CompletableFuture<ObjectBytes> readAllAsync(ObjectRef ref, int limit, String ifMatch,
      java.util.concurrent.Executor blocking) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(ref, limit, ifMatch), blocking);
  }

  /**
   * How many times the store has answered "slow down" (S3's 503) since it was opened, the answers its
   * client retried included: a caller with many requests in flight watches it to send fewer.
   */
  default long throttledResponses() {
    return 0;
  }

  /**
   * A small version read whole.
   *
   * @param bytes its bytes, at most the limit asked for
   * @param longer whether the version holds more bytes than the limit
   */
  record ObjectBytes(ObjectMetadata metadata, byte[] bytes, boolean longer) {}

  /** A version's bytes and the metadata that came with them. */
  record ObjectContent(ObjectMetadata metadata, InputStream stream) implements AutoCloseable {
    @Override
    public void close() {
      try {
        stream.close();
      } catch (java.io.IOException e) {
        // Nothing was written; a failed close of a read stream loses nothing.
      }
    }
  }

  /** A multipart upload that was started and not finished. */
  record PendingUpload(String bucket, String key, String uploadId, java.time.Instant initiated) {}
}
