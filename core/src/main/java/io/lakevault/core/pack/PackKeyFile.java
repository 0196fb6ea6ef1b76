package io.lakevault.core.pack;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The key file of an encrypted pack: each entry's data key, sealed with the pack key. It is a separate,
 * small, unlocked object next to the pack ({@code <pack key>.keys}), because the pack itself is under
 * Object Lock: removing one slot from the key file and deleting the file's older versions destroys that
 * entry's key, which makes its bytes unreadable for good (crypto-shredding) without rewriting the pack.
 *
 * <p>Layout: magic, u16 version, pack id, kek reference (u16 + UTF-8), u32 count, then per slot
 * {@code u32 slot, 60-byte sealed key}, in ascending slot order, then a CRC32C of all that precedes.
 */
public record PackKeyFile(UUID packId, String kekRef, Map<Long, byte[]> sealedKeys) {

  public PackKeyFile {
    sealedKeys = Collections.unmodifiableMap(new TreeMap<>(sealedKeys));
  }

  public byte[] encode() {
    Binary.Writer w = new Binary.Writer(64 + sealedKeys.size() * (4 + PackFormat.WRAPPED_KEY_SIZE));
    w.bytes(PackFormat.KEYS_MAGIC).u16(PackFormat.KEY_FILE_VERSION).uuid(packId).str(kekRef).u32(sealedKeys.size());
    for (var e : sealedKeys.entrySet()) {
      w.u32(e.getKey()).bytes(e.getValue());
    }
    byte[] body = w.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(body);
    return new Binary.Writer(body.length + 4).bytes(body).i32((int) crc.getValue()).toByteArray();
  }

  /** @param what names the file in messages */
  public static PackKeyFile decode(byte[] bytes, String what) {
    if (bytes.length < PackFormat.KEYS_MAGIC.length + 4
        || !Arrays.equals(bytes, 0, PackFormat.KEYS_MAGIC.length, PackFormat.KEYS_MAGIC, 0, PackFormat.KEYS_MAGIC.length)) {
      throw new PackFormatException(what + " is not a lakevault key file (wrong magic bytes)");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    Binary.Reader tail = new Binary.Reader(bytes, bytes.length - 4, 4, what);
    if ((int) crc.getValue() != tail.i32()) {
      throw new PackFormatException(what + " fails its CRC32C: the key file is corrupt; restore it from a backup copy");
    }
    Binary.Reader r = new Binary.Reader(bytes, PackFormat.KEYS_MAGIC.length, bytes.length - 4 - PackFormat.KEYS_MAGIC.length, what);
    int version = r.u16();
    if (version != PackFormat.KEY_FILE_VERSION) {
      throw new PackFormatException(what + " is key file format version " + version + "; this lakevault reads version "
          + PackFormat.KEY_FILE_VERSION + " only: use a newer lakevault");
    }
    UUID packId = r.uuid();
    String kek = r.str();
    long count = r.u32();
    if (count * (4 + PackFormat.WRAPPED_KEY_SIZE) != r.remaining()) {
      throw r.corrupt("declares " + count + " keys but holds " + r.remaining() + " bytes of them");
    }
    Map<Long, byte[]> keys = new TreeMap<>();
    for (long i = 0; i < count; i++) {
      keys.put(r.u32(), r.bytes(PackFormat.WRAPPED_KEY_SIZE));
    }
    return new PackKeyFile(packId, kek, keys);
  }

  /** This key file without the slots given: what is written back to shred those entries. */
  public PackKeyFile without(long... slots) {
    Map<Long, byte[]> kept = new TreeMap<>(sealedKeys);
    for (long s : slots) kept.remove(s);
    return new PackKeyFile(packId, kekRef, kept);
  }
}
