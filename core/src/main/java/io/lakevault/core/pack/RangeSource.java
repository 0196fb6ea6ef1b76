package io.lakevault.core.pack;

import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Random access to a pack's bytes: byte-range GETs on a store, or an array in tests. */
public interface RangeSource {

  /** The pack's length in bytes. */
  long length() throws IOException;

  /** A stream of {@code length} bytes from {@code offset}; the caller closes it. */
  InputStream open(long offset, long length) throws IOException;

  default byte[] read(long offset, int length) throws IOException {
    try (InputStream in = open(offset, length)) {
      byte[] b = in.readNBytes(length);
      if (b.length != length) throw new EOFException("expected " + length + " bytes at " + offset + ", got " + b.length);
      return b;
    }
  }

  static RangeSource of(byte[] bytes) {
    return new RangeSource() {
      @Override
      public long length() {
        return bytes.length;
      }

      @Override
      public InputStream open(long offset, long length) {
        return new ByteArrayInputStream(bytes, (int) offset, (int) Math.min(length, bytes.length - offset));
      }
    };
  }

  /** A pack in an object store; the length comes from one HEAD, each read is one ranged GET. */
  static RangeSource of(ObjectStore store, ObjectRef ref) {
    return new RangeSource() {
      private long length = -1;

      @Override
      public synchronized long length() {
        if (length < 0) length = store.head(ref).size();
        return length;
      }

      @Override
      public InputStream open(long offset, long len) {
        if (len == 0) return InputStream.nullInputStream();
        return store.get(ref, ObjectStore.ByteRange.ofLength(offset, len));
      }
    };
  }
}
