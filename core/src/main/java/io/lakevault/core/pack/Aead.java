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

  static final SecureRandom RANDOM = new SecureRandom();

  static byte[] randomKey() {
    byte[] k = new byte[PackFormat.KEY_SIZE];
    RANDOM.nextBytes(k);
    return k;
  }

  static byte[] seal(byte[] key, byte[] plaintext, byte[] aad) {
    byte[] nonce = new byte[PackFormat.NONCE_SIZE];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
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
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
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
