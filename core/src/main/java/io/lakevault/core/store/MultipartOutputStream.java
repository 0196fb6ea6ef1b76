package io.lakevault.core.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams bytes into an object through a multipart upload, holding one part in memory at a time, so
 * objects far larger than the heap are written with bounded memory.
 *
 * <p>{@link #close()} completes the upload; {@link #abort()} (or any failure while writing) aborts it,
 * so no upload is left dangling. Objects smaller than one part are still written as one part: callers
 * that want a single PUT for small objects use {@link ObjectStore#put} instead.
 */
public final class MultipartOutputStream extends OutputStream {
  private final MultipartUpload upload;
  private final byte[] buffer;
  private int filled;
  private final List<MultipartUpload.CompletedPart> parts = new ArrayList<>();
  private long written;
  private boolean closed;
  private ObjectMetadata result;

  /**
   * @param partSize bytes per part, see {@link S3Limits#partSizeFor}
   */
  public MultipartOutputStream(ObjectStore store, String bucket, String key, PutOptions options,
      long partSize) {
    this(store, bucket, key, options, new byte[checkedPartSize(partSize)], 0);
  }

  /**
   * Continues what a caller buffered itself: its first {@code filled} bytes of {@code partBuffer} are the
   * object's first bytes, and the array (its length the part size) becomes this stream's part buffer,
   * which saves allocating and filling another one.
   */
  public MultipartOutputStream(ObjectStore store, String bucket, String key, PutOptions options,
      byte[] partBuffer, int filled) {
    checkedPartSize(partBuffer.length);
    if (filled < 0 || filled > partBuffer.length) throw new IllegalArgumentException("filled " + filled);
    this.buffer = partBuffer;
    this.upload = store.startMultipartUpload(bucket, key, options);
    this.filled = filled;
    this.written = filled;
  }

  private static int checkedPartSize(long partSize) {
    if (partSize < S3Limits.MIN_PART_SIZE || partSize > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("part size " + partSize + " must be between 5 MiB and 2 GiB here");
    }
    return (int) partSize;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    while (len > 0) {
      int n = Math.min(len, buffer.length - filled);
      System.arraycopy(b, off, buffer, filled, n);
      filled += n;
      off += n;
      len -= n;
      written += n;
      if (filled == buffer.length) {
        flushPart();
      }
    }
  }

  private void flushPart() throws IOException {
    if (parts.size() >= S3Limits.MAX_PARTS) {
      abort();
      throw new IOException("s3://" + upload.bucket() + "/" + upload.key() + " would need more than "
          + S3Limits.MAX_PARTS + " parts; use a larger part size");
    }
    try {
      parts.add(upload.uploadPart(parts.size() + 1, new ByteArrayInputStream(buffer, 0, filled), filled));
    } catch (RuntimeException e) {
      abort();
      throw e;
    }
    filled = 0;
  }

  /** Bytes written so far. */
  public long bytesWritten() {
    return written;
  }

  /** The completed object, after {@link #close()}. */
  public ObjectMetadata result() {
    return result;
  }

  /** Abandons the object: the upload is aborted and nothing becomes visible. */
  public void abort() {
    if (!closed) {
      closed = true;
      upload.abort();
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) return;
    try {
      if (filled > 0 || parts.isEmpty()) {
        flushPart();
      }
      result = upload.complete(parts);
      closed = true;
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) throw new IOException("stream is closed");
  }
}
