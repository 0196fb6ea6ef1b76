package io.lakevault.core.store;

import java.io.InputStream;
import java.util.List;

/**
 * One multipart upload in progress. Parts are numbered from 1 and are at least
 * {@link S3Limits#MIN_PART_SIZE} but the last. Not thread-safe: one writer per upload.
 */
public interface MultipartUpload {
  String bucket();

  String key();

  String uploadId();

  /** Uploads part {@code partNumber} of {@code length} bytes. */
  CompletedPart uploadPart(int partNumber, InputStream data, long length);

  /** Completes the upload from the parts, in part-number order. */
  default ObjectMetadata complete(List<CompletedPart> parts) {
    return complete(parts, null);
  }

  /**
   * Completes the upload; with a {@code fullObjectChecksum} (base64 of the whole object's checksum in the
   * algorithm the upload was started with {@link PutOptions.Builder#fullObjectChecksum}), the store
   * refuses the completion, and nothing becomes visible, when the assembled object has another one.
   */
  ObjectMetadata complete(List<CompletedPart> parts, String fullObjectChecksum);

  /** Aborts; parts already uploaded are freed. Safe to call more than once. */
  void abort();

  /** A part as the store acknowledged it. */
  record CompletedPart(int partNumber, String eTag, String checksum) implements java.io.Serializable {}
}
