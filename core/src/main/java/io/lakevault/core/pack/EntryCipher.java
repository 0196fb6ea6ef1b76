package io.lakevault.core.pack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Segmented AES-256-GCM over an entry's stored bytes, so entries of any size are encrypted and
 * decrypted as streams with one segment in memory (GCM alone would buffer the whole entry to check its
 * tag before releasing plaintext).
 *
 * <p>Layout: a 7-byte random nonce prefix, then segments of {@code segmentSize} plaintext bytes (the
 * last one shorter, never empty unless the entry is) each sealed with its 16-byte tag. Segment {@code i}
 * uses nonce {@code prefix || i (u32) || last (u8: 1 on the final segment)}, and associated data binds
 * it to the pack id and key slot: segments cannot be reordered, dropped at the end, or moved between
 * entries or packs without failing the tag (the STREAM construction of Hoang et al.).
 */
final class EntryCipher {
  private EntryCipher() {}

  /** Stored length of an entry of {@code plainLength} bytes once encrypted. */
  static long sealedLength(long plainLength, int segmentSize) {
    long segments = Math.max(1, (plainLength + segmentSize - 1) / segmentSize);
    return PackFormat.NONCE_PREFIX_SIZE + plainLength + segments * PackFormat.TAG_SIZE;
  }

  private static Cipher cipher() {
    return Aead.cipher();
  }

  private static byte[] nonce(byte[] prefix, long segment, boolean last) {
    byte[] n = Arrays.copyOf(prefix, PackFormat.NONCE_SIZE);
    n[7] = (byte) (segment >>> 24);
    n[8] = (byte) (segment >>> 16);
    n[9] = (byte) (segment >>> 8);
    n[10] = (byte) segment;
    n[11] = (byte) (last ? 1 : 0);
    return n;
  }

  /**
   * Encrypts an entry held in memory, {@code plain[off, off + len)}, into {@code sealed} (at least
   * {@link #sealedLength} long): the same bytes as an {@link Encryptor}, without copying through a
   * segment buffer, into an array the caller reuses from entry to entry (most entries are a few KB,
   * and allocating for each would cost more than the encryption).
   *
   * @return the sealed length
   */
  static int seal(byte[] plain, int off, int len, byte[] sealed, byte[] dataKey, UUID packId, long slot,
      int segmentSize) throws IOException {
    byte[] prefix = new byte[PackFormat.NONCE_PREFIX_SIZE];
    Aead.randomBytes(prefix);
    SecretKeySpec key = new SecretKeySpec(dataKey, "AES");
    byte[] aad = Aead.context(PackFormat.AAD_ENTRY, packId, slot);
    int segments = Math.max(1, (len + segmentSize - 1) / segmentSize);
    if (sealed.length < sealedLength(len, segmentSize)) {
      throw new IllegalArgumentException("sealed buffer of " + sealed.length + " bytes for " + len + " plain bytes");
    }
    System.arraycopy(prefix, 0, sealed, 0, prefix.length);
    int at = prefix.length;
    Cipher cipher = cipher();
    try {
      for (int i = 0; i < segments; i++) {
        int from = i * segmentSize;
        int n = Math.min(segmentSize, len - from);
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(PackFormat.TAG_SIZE * 8, nonce(prefix, i, i == segments - 1)));
        cipher.updateAAD(aad);
        at += cipher.doFinal(plain, off + from, n, sealed, at);
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("AES-GCM encryption failed", e);
    }
    return at;
  }

  /** Encrypts what is written to it into {@code out}; {@link #close()} seals the last segment and does not close {@code out}. */
  static final class Encryptor extends OutputStream {
    private final OutputStream out;
    private final SecretKeySpec key;
    private final byte[] aad;
    private final byte[] prefix = new byte[PackFormat.NONCE_PREFIX_SIZE];
    private final byte[] segment;
    private final Cipher cipher = cipher();
    private int filled;
    private long index;
    private boolean closed;

    Encryptor(OutputStream out, byte[] dataKey, UUID packId, long slot, int segmentSize) throws IOException {
      this.out = out;
      this.key = new SecretKeySpec(dataKey, "AES");
      this.aad = Aead.context(PackFormat.AAD_ENTRY, packId, slot);
      this.segment = new byte[segmentSize];
      Aead.randomBytes(prefix);
      out.write(prefix);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        // A full segment is sealed only when more data follows: the final one must carry the last flag.
        if (filled == segment.length) {
          seal(false);
        }
        int n = Math.min(len, segment.length - filled);
        System.arraycopy(b, off, segment, filled, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    private void seal(boolean last) throws IOException {
      try {
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(PackFormat.TAG_SIZE * 8, nonce(prefix, index, last)));
        cipher.updateAAD(aad);
        out.write(cipher.doFinal(segment, 0, filled));
      } catch (GeneralSecurityException e) {
        throw new IOException("AES-GCM encryption failed", e);
      }
      index++;
      filled = 0;
    }

    @Override
    public void close() throws IOException {
      if (closed) return;
      closed = true;
      seal(true);
    }
  }

  /**
   * Decrypts exactly {@code storedLength} bytes of {@code in}. A segment whose tag fails or that ends
   * early fails with a {@link PackFormatException} naming {@code what}.
   */
  static final class Decryptor extends InputStream {
    private final InputStream in;
    private final SecretKeySpec key;
    private final byte[] aad;
    private final byte[] prefix;
    private final int segmentSize;
    private final String what;
    private final Cipher cipher = cipher();
    private long remaining;
    private long index;
    private byte[] plain = new byte[0];
    private int pos;
    private boolean done;

    Decryptor(InputStream in, long storedLength, byte[] dataKey, UUID packId, long slot, int segmentSize, String what)
        throws IOException {
      this.in = in;
      this.key = new SecretKeySpec(dataKey, "AES");
      this.aad = Aead.context(PackFormat.AAD_ENTRY, packId, slot);
      this.segmentSize = segmentSize;
      this.what = what;
      if (storedLength < PackFormat.NONCE_PREFIX_SIZE + PackFormat.TAG_SIZE) {
        throw new PackFormatException(what + ": encrypted entry of " + storedLength + " bytes is shorter than its nonce and tag");
      }
      this.prefix = in.readNBytes(PackFormat.NONCE_PREFIX_SIZE);
      if (prefix.length < PackFormat.NONCE_PREFIX_SIZE) throw new PackFormatException(what + ": entry ends early");
      this.remaining = storedLength - PackFormat.NONCE_PREFIX_SIZE;
    }

    private boolean next() throws IOException {
      if (done) return false;
      int sealedMax = segmentSize + PackFormat.TAG_SIZE;
      boolean last = remaining <= sealedMax;
      int n = (int) Math.min(remaining, sealedMax);
      if (n < PackFormat.TAG_SIZE) throw new PackFormatException(what + ": truncated encrypted segment " + index);
      byte[] sealed = in.readNBytes(n);
      if (sealed.length < n) throw new PackFormatException(what + ": entry ends early in segment " + index);
      remaining -= n;
      try {
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(PackFormat.TAG_SIZE * 8, nonce(prefix, index, last)));
        cipher.updateAAD(aad);
        plain = cipher.doFinal(sealed);
      } catch (AEADBadTagException e) {
        throw new PackFormatException(what + ": segment " + index + " fails authentication: the entry is corrupt, or the key is not its key");
      } catch (GeneralSecurityException e) {
        throw new IOException(what + ": AES-GCM decryption failed", e);
      }
      pos = 0;
      index++;
      done = last;
      return true;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      while (pos == plain.length) {
        if (!next()) return -1;
      }
      int n = Math.min(len, plain.length - pos);
      System.arraycopy(plain, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
