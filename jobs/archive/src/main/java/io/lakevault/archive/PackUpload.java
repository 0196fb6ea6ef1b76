package io.lakevault.archive;

import io.lakevault.core.store.ChecksumAlgorithm;
import io.lakevault.core.store.MultipartOutputStream;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.PartBuffers;
import io.lakevault.core.store.PutOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The stream a pack is written into: bytes are held until one part is full, so a pack smaller than a
 * part is one PUT; a larger one becomes a multipart upload holding two parts in memory. Nothing is
 * visible in the bucket before {@link #complete}; {@link #abort()} leaves nothing behind.
 *
 * <p>End to end, the store checks the pack against the writer's own checksum before it becomes visible: a
 * single PUT carries the writer's SHA-256 of the pack, which S3 compares with the body; a multipart upload
 * completes with a full-object CRC32 computed here as the bytes pass (S3 combines no SHA-256 across parts,
 * only CRCs; CRC32 rather than CRC32C because the emulator computes CRC32C as CRC32 without its optional
 * library). The checksum S3 then holds is what {@code packs.checksum} records.
 */
final class PackUpload extends OutputStream {
  private final ObjectStore store;
  private final String bucket;
  private final String key;
  private final PutOptions options;
  private final long partSize;
  private static final int GROW_DOUBLING_UP_TO = 1 << 20;
  private byte[] buffer = new byte[64 * 1024];
  private int filled;
  private MultipartOutputStream multipart;
  private boolean done;

  PackUpload(ObjectStore store, String bucket, String key, PutOptions options, long partSize) {
    this.store = store;
    this.bucket = bucket;
    this.key = key;
    this.options = options;
    this.partSize = partSize;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (multipart != null) {
      multipart.write(b, off, len);
      return;
    }
    if ((long) filled + len > partSize) {
      // The buffer, grown to the part size by now, becomes the first part's.
      grow((int) partSize);
      multipart = new MultipartOutputStream(store, bucket, key,
          options.withChecksum(ChecksumAlgorithm.CRC32, null, true), buffer, filled);
      buffer = null;
      multipart.write(b, off, len);
      return;
    }
    if (filled + len > buffer.length) {
      // Doubling while small; past 1 MiB, straight to the part size: a pack that large will most likely
      // fill a part, and each doubling of a multi-megabyte array is a large allocation and a copy.
      long want = Math.max((long) buffer.length * 2, filled + len);
      grow((int) (want <= GROW_DOUBLING_UP_TO ? want : partSize));
    }
    System.arraycopy(b, off, buffer, filled, len);
    filled += len;
  }

  private void grow(int size) {
    if (buffer.length >= size) return;
    // A part-size array is most likely a previous pack's, kept for reuse (PartBuffers).
    byte[] bigger = size == partSize ? PartBuffers.SHARED.take(size) : new byte[size];
    System.arraycopy(buffer, 0, bigger, 0, filled);
    buffer = bigger;
  }

  /** A part-size buffer that no multipart stream took goes back for the next pack. */
  private void release() {
    if (buffer != null && buffer.length == partSize) PartBuffers.SHARED.give(buffer);
    buffer = null;
  }

  /**
   * Makes the pack visible; returns its metadata (version id, and the checksum the store holds).
   *
   * @param sha256Hex the pack writer's SHA-256 of every byte it wrote
   */
  ObjectMetadata complete(String sha256Hex) throws IOException {
    done = true;
    if (multipart != null) {
      multipart.close();
      return multipart.result();
    }
    try {
      String sha256 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex));
      return store.put(bucket, key, new ByteArrayInputStream(buffer, 0, filled), filled,
          options.withChecksum(ChecksumAlgorithm.SHA256, sha256, false));
    } finally {
      release();
    }
  }

  void abort() {
    if (done) return;
    done = true;
    if (multipart != null) multipart.abort();
    release();
  }

  @Override
  public void close() {
    // complete() or abort() decide; closing the writer's stream must do neither.
  }
}
