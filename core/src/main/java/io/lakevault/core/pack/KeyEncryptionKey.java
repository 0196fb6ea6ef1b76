package io.lakevault.core.pack;

import java.util.UUID;

/**
 * The key that seals each pack's pack key: an AWS KMS key (module {@code lakevault-aws}) or a local key
 * file ({@link LocalKeyRing}). It is called once per pack written or read, never per entry.
 */
public interface KeyEncryptionKey {

  /** How packs name this key, e.g. {@code local:default} or {@code alias/lakevault}. */
  String ref();

  /** Seals a 32-byte pack key, bound to the pack id so that a sealed key cannot be moved to another pack. */
  byte[] wrap(byte[] packKey, UUID packId);

  /** Opens what {@link #wrap} sealed; fails with a message naming the key when it is the wrong key. */
  byte[] unwrap(byte[] wrappedPackKey, UUID packId);

  /** Finds the key-encryption key a pack or a retention class names. */
  interface Resolver {
    KeyEncryptionKey resolve(String ref);
  }
}
