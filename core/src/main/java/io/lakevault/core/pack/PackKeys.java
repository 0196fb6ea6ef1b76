package io.lakevault.core.pack;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The open pack key of one pack: seals fresh data keys while a pack is written, and opens them from
 * the key file while it is read. The pack key itself is stored in the pack, sealed by the key-encryption
 * key; data keys are stored only in the key file.
 */
public final class PackKeys {
  private final UUID packId;
  private final String kekRef;
  private final byte[] packKey;
  private final byte[] wrappedPackKey;
  private final Map<Long, byte[]> sealed;

  private PackKeys(UUID packId, String kekRef, byte[] packKey, byte[] wrappedPackKey, Map<Long, byte[]> sealed) {
    this.packId = packId;
    this.kekRef = kekRef;
    this.packKey = packKey;
    this.wrappedPackKey = wrappedPackKey;
    this.sealed = sealed;
  }

  /** A new pack key for a pack about to be written; one call to the key-encryption key. */
  public static PackKeys create(UUID packId, KeyEncryptionKey kek) {
    byte[] pk = Aead.randomKey();
    return new PackKeys(packId, kek.ref(), pk, kek.wrap(pk, packId), new HashMap<>());
  }

  /** Opens an existing pack's keys; one call to the key-encryption key. */
  public static PackKeys open(PackInfo info, PackKeyFile keyFile, KeyEncryptionKey kek) {
    if (!info.packId().equals(keyFile.packId())) {
      throw new PackFormatException("the key file given for pack " + info.packId() + " belongs to pack " + keyFile.packId());
    }
    return new PackKeys(info.packId(), info.kekRef(), kek.unwrap(info.wrappedPackKey(), info.packId()),
        info.wrappedPackKey(), new HashMap<>(keyFile.sealedKeys()));
  }

  UUID packId() {
    return packId;
  }

  String kekRef() {
    return kekRef;
  }

  byte[] wrappedPackKey() {
    return wrappedPackKey.clone();
  }

  /** A fresh data key for {@code slot}, recorded sealed for the key file. */
  byte[] newDataKey(long slot) {
    byte[] dek = Aead.randomKey();
    sealed.put(slot, Aead.seal(packKey, dek, Aead.context(PackFormat.AAD_DATA_KEY, packId, slot)));
    return dek;
  }

  /** Whether the key file still holds {@code slot}'s key (it is gone once shredded). */
  boolean has(long slot) {
    return sealed.containsKey(slot);
  }

  /** The data key of {@code slot}; fails when the key file no longer holds it (shredded) or it is corrupt. */
  byte[] dataKey(long slot, String what) {
    byte[] s = sealed.get(slot);
    if (s == null) {
      throw new PackFormatException(what + ": its data key (slot " + slot + ") is not in the key file of pack " + packId
          + ": the entry was erased (crypto-shredded), or the key file is not this pack's");
    }
    byte[] dek = Aead.open(packKey, s, Aead.context(PackFormat.AAD_DATA_KEY, packId, slot));
    if (dek == null) {
      throw new PackFormatException(what + ": its sealed data key (slot " + slot + ") fails authentication: the key file is corrupt");
    }
    return dek;
  }

  /** The key file holding every data key sealed so far. */
  public PackKeyFile keyFile() {
    return new PackKeyFile(packId, kekRef, sealed);
  }
}
