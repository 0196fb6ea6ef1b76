package io.lakevault.core.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * At most {@code limit} bytes of another stream: a byte range of an object, or one entry's slice of a
 * pack read sequentially.
 */
public final class BoundedInputStream extends FilterInputStream {
  private long remaining;
  private final boolean closeUnderlying;

  public BoundedInputStream(InputStream in, long limit) {
    this(in, limit, true);
  }

  private BoundedInputStream(InputStream in, long limit, boolean closeUnderlying) {
    super(in);
    this.remaining = limit;
    this.closeUnderlying = closeUnderlying;
  }

  /** A slice whose {@link #close()} leaves the underlying stream open, for the slices after it. */
  public static BoundedInputStream slice(InputStream in, long limit) {
    return new BoundedInputStream(in, limit, false);
  }

  @Override
  public int read() throws IOException {
    if (remaining <= 0) return -1;
    int b = in.read();
    if (b >= 0) remaining--;
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining <= 0) return -1;
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n > 0) remaining -= n;
    return n;
  }

  /** Reads and discards what is left of the slice, so the underlying stream stands at its end. */
  public void drain() throws IOException {
    byte[] buf = new byte[8192];
    while (remaining > 0 && read(buf, 0, buf.length) > 0) {
      // discard
    }
  }

  @Override
  public void close() throws IOException {
    if (closeUnderlying) in.close();
  }
}
