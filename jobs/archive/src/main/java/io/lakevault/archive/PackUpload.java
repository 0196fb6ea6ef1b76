package io.lakevault.archive;

import io.lakevault.core.store.MultipartOutputStream;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.PutOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The stream a pack is written into: bytes are held until one part is full, so a pack smaller than a
 * part is one PUT; a larger one becomes a multipart upload, one part in memory at a time. Nothing is
 * visible in the bucket before {@link #complete()}; {@link #abort()} leaves nothing behind.
 */
final class PackUpload extends OutputStream {
  private final ObjectStore store;
  private final String bucket;
  private final String key;
  private final PutOptions options;
  private final long partSize;
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
      multipart = new MultipartOutputStream(store, bucket, key, options, partSize);
      multipart.write(buffer, 0, filled);
      buffer = null;
      multipart.write(b, off, len);
      return;
    }
    if (filled + len > buffer.length) {
      byte[] bigger = new byte[(int) Math.min(partSize, Math.max((long) buffer.length * 2, filled + len))];
      System.arraycopy(buffer, 0, bigger, 0, filled);
      buffer = bigger;
    }
    System.arraycopy(b, off, buffer, filled, len);
    filled += len;
  }

  /** Makes the pack visible; returns its metadata (version id). */
  ObjectMetadata complete() throws IOException {
    done = true;
    if (multipart != null) {
      multipart.close();
      return multipart.result();
    }
    return store.put(bucket, key, new ByteArrayInputStream(buffer, 0, filled), filled, options);
  }

  void abort() {
    if (done) return;
    done = true;
    if (multipart != null) multipart.abort();
    buffer = null;
  }

  @Override
  public void close() {
    // complete() or abort() decide; closing the writer's stream must do neither.
  }
}
