package io.lakevault.core.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Streams bytes into an object through a multipart upload with bounded memory: one part fills while the
 * previous one is sent, so objects far larger than the heap are written holding two parts at most, and
 * the writer does not stop for each part's upload (on S3 a 64 MiB part takes a good fraction of a second
 * to send; on the local store, its MD5 and write).
 *
 * <p>{@link #close()} completes the upload; {@link #abort()} (or any failure while writing, including a
 * part's upload) aborts it, so no upload is left dangling. Objects smaller than one part are still
 * written as one part: callers that want a single PUT for small objects use {@link ObjectStore#put}
 * instead. Not thread-safe: one writer.
 *
 * <p>When the options ask for a full-object checksum ({@link PutOptions.Builder#fullObjectChecksum}), the
 * stream computes it over every byte written and completes with it: the store compares it with the object
 * it assembled and refuses the completion when they differ, so a part damaged on the way (or parts
 * assembled wrongly) never becomes the object. {@link #checksum()} gives the value.
 */
public final class MultipartOutputStream extends OutputStream {
  private final MultipartUpload upload;
  private byte[] buffer;
  private int filled;
  /** The buffer of the part being sent, free again once {@link #inFlight} is done. */
  private byte[] sending;
  private Future<MultipartUpload.CompletedPart> inFlight;
  private ExecutorService sender;
  private final List<MultipartUpload.CompletedPart> parts = new ArrayList<>();
  private int submitted;
  private long written;
  private boolean closed;
  private ObjectMetadata result;
  /** The whole object's CRC, when the upload has a full-object checksum. */
  private final java.util.zip.Checksum whole;

  /**
   * @param partSize bytes per part, see {@link S3Limits#partSizeFor}
   */
  public MultipartOutputStream(ObjectStore store, String bucket, String key, PutOptions options,
      long partSize) {
    this(store, bucket, key, options, PartBuffers.SHARED.take(checkedPartSize(partSize)), 0);
  }

  /**
   * Continues what a caller buffered itself: its first {@code filled} bytes of {@code partBuffer} are the
   * object's first bytes, and the array (its length the part size) becomes this stream's part buffer,
   * which saves allocating and filling another one. The stream owns it from here: once the object is
   * complete or aborted, it goes to {@link PartBuffers#SHARED} for the next stream.
   */
  public MultipartOutputStream(ObjectStore store, String bucket, String key, PutOptions options,
      byte[] partBuffer, int filled) {
    checkedPartSize(partBuffer.length);
    if (filled < 0 || filled > partBuffer.length) throw new IllegalArgumentException("filled " + filled);
    this.buffer = partBuffer;
    this.upload = store.startMultipartUpload(bucket, key, options);
    this.filled = filled;
    this.written = filled;
    this.whole = !options.fullObjectChecksum() ? null
        : options.checksumAlgorithm() == ChecksumAlgorithm.CRC32C ? new java.util.zip.CRC32C() : new java.util.zip.CRC32();
    if (whole != null) whole.update(partBuffer, 0, filled);
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
    if (whole != null) whole.update(b, off, len);
    while (len > 0) {
      int n = Math.min(len, buffer.length - filled);
      System.arraycopy(b, off, buffer, filled, n);
      filled += n;
      off += n;
      len -= n;
      written += n;
      if (filled == buffer.length) {
        sendPart();
      }
    }
  }

  /** Sends the full buffer as the next part, once the part before it is up, and goes on in the other buffer. */
  private void sendPart() throws IOException {
    if (submitted >= S3Limits.MAX_PARTS) {
      abort();
      throw new IOException("s3://" + upload.bucket() + "/" + upload.key() + " would need more than "
          + S3Limits.MAX_PARTS + " parts; use a larger part size");
    }
    awaitInFlight();
    byte[] full = buffer;
    int length = filled;
    int number = ++submitted;
    if (sender == null) {
      sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lakevault-part-upload");
        t.setDaemon(true);
        return t;
      });
    }
    inFlight = sender.submit(() -> upload.uploadPart(number, new ByteArrayInputStream(full, 0, length), length));
    buffer = sending != null ? sending : PartBuffers.SHARED.take(full.length);
    sending = full;
    filled = 0;
  }

  /** Waits for the part being sent; its failure aborts the upload. */
  private void awaitInFlight() throws IOException {
    if (inFlight == null) return;
    try {
      parts.add(inFlight.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abort();
      throw new IOException("interrupted while sending a part of s3://" + upload.bucket() + "/" + upload.key(), e);
    } catch (ExecutionException e) {
      inFlight = null;
      Throwable cause = e.getCause();
      try {
        abort();
      } catch (RuntimeException alsoFailed) {
        cause.addSuppressed(alsoFailed); // the part's failure is the news, not the abort's
      }
      if (cause instanceof RuntimeException re) throw re;
      if (cause instanceof Error err) throw err;
      throw new IOException(cause);
    }
    inFlight = null;
  }

  /** Bytes written so far. */
  public long bytesWritten() {
    return written;
  }

  /**
   * Base64 of the full-object checksum of the bytes written so far (as S3 writes it), or {@code null} when
   * the upload has none.
   */
  public String checksum() {
    if (whole == null) return null;
    return java.util.Base64.getEncoder().encodeToString(
        java.nio.ByteBuffer.allocate(4).putInt((int) whole.getValue()).array());
  }

  /** The completed object, after {@link #close()}. */
  public ObjectMetadata result() {
    return result;
  }

  /**
   * Abandons the object: the upload is aborted and nothing becomes visible. A part still being sent is
   * waited for first, so that it cannot land after the abort (S3 may keep a part uploaded after one).
   */
  public void abort() {
    if (closed) return;
    closed = true;
    boolean settled = true;
    try {
      if (inFlight != null) {
        try {
          inFlight.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          settled = false; // the part may still be reading its buffer
        } catch (ExecutionException e) {
          // failed: nothing of it to wait for
        }
        inFlight = null;
      }
      upload.abort();
    } finally {
      stopSender(settled);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) return;
    try {
      if (filled > 0 || submitted == 0) {
        sendPart();
      }
      awaitInFlight();
      result = upload.complete(parts, checksum());
      closed = true;
      stopSender(true);
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  /** @param reusable whether no part can still be reading the buffers, which then go to the next stream */
  private void stopSender(boolean reusable) {
    if (sender != null) sender.shutdown();
    if (reusable) {
      PartBuffers.SHARED.give(buffer);
      PartBuffers.SHARED.give(sending);
    }
    buffer = null;
    sending = null;
  }

  private void ensureOpen() throws IOException {
    if (closed) throw new IOException("stream is closed");
  }
}
