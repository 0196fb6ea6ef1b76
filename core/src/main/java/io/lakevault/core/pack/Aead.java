package io.lakevault.core.pack;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** AES-256-GCM for small secrets (keys): random nonce, sealed output {@code nonce || ciphertext || tag}. */
final class Aead {
  private Aead() {}

  /**
   * One DRBG per thread: a key and a nonce per entry make randomness hot, and the default
   * NativePRNG serializes every thread on one lock around /dev/urandom.
   */
  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (java.security.NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  });

  /** AES-GCM ciphers are costly to look up; one per thread, re-initialised for every use. */
  private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  });

  /** Random bytes drawn from the DRBG 4 KiB at a time: a call per key or nonce costs more than the bytes. */
  private static final ThreadLocal<java.nio.ByteBuffer> POOL = ThreadLocal.withInitial(() -> java.nio.ByteBuffer.allocate(4096).position(4096));

  static void randomBytes(byte[] b) {
    java.nio.ByteBuffer pool = POOL.get();
    if (pool.remaining() < b.length) {
      byte[] fresh = new byte[pool.capacity()];
      RANDOM.get().nextBytes(fresh);
      pool.clear();
      pool.put(fresh).flip();
      java.util.Arrays.fill(fresh, (byte) 0);
    }
    pool.get(b);
    // Handed-out bytes are not kept: overwrite them in the pool.
    int end = pool.position();
    for (int i = end - b.length; i < end; i++) pool.put(i, (byte) 0);
  }

  static Cipher cipher() {
    return CIPHER.get();
  }

  static byte[] randomKey() {
    byte[] k = new byte[PackFormat.KEY_SIZE];
    randomBytes(k);
    return k;
  }

  static byte[] seal(byte[] key, byte[] plaintext, byte[] aad) {
    byte[] nonce = new byte[PackFormat.NONCE_SIZE];
    randomBytes(nonce);
    try {
      Cipher c = cipher();
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(PackFormat.TAG_SIZE * 8, nonce));
      c.updateAAD(aad);
      byte[] sealed = c.doFinal(plaintext);
      return ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  /** @return the plaintext, or {@code null} when the tag does not verify (wrong key, wrong context, or corrupt) */
  static byte[] open(byte[] key, byte[] sealed, byte[] aad) {
    if (sealed.length < PackFormat.NONCE_SIZE + PackFormat.TAG_SIZE) return null;
    try {
      Cipher c = cipher();
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(PackFormat.TAG_SIZE * 8, sealed, 0, PackFormat.NONCE_SIZE));
      c.updateAAD(aad);
      return c.doFinal(sealed, PackFormat.NONCE_SIZE, sealed.length - PackFormat.NONCE_SIZE);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  /** label || pack id || slot: what a sealed key or entry is bound to. */
  static byte[] context(byte[] label, UUID packId, long slot) {
    return ByteBuffer.allocate(label.length + 16 + 4).put(label)
        .putLong(packId.getMostSignificantBits()).putLong(packId.getLeastSignificantBits())
        .putInt((int) slot).array();
  }
}
