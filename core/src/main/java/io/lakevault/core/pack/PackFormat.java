package io.lakevault.core.pack;

import java.nio.charset.StandardCharsets;

/**
 * Constants of the pack format. The normative description is {@code docs/pack-format.md}; this class and
 * that document change together, and golden packs under the core's test resources pin both. Version 2
 * (written since erasure came) seals each encrypted entry's name and metadata; version 1 stays readable.
 */
public final class PackFormat {
  private PackFormat() {}

  /** The format version this code writes. */
  public static final int VERSION = 2;
  /** The oldest version readers still read: packs are kept for years. */
  static final int OLDEST_READABLE = 1;

  /** Key files did not change with pack format 2: their own version. */
  static final int KEY_FILE_VERSION = 1;

  /** First eight bytes of a pack, PNG-style: a high bit, a name, and line-ending bytes that text transfers break. */
  static final byte[] MAGIC = {(byte) 0x89, 'L', 'V', 'P', 'K', '\r', '\n', 0x1A};

  /** Last eight bytes of a pack. */
  static final byte[] END_MAGIC = {'L', 'V', 'P', 'K', 'E', 'N', 'D', (byte) 0x89};

  /** First eight bytes of a key file. */
  static final byte[] KEYS_MAGIC = {(byte) 0x89, 'L', 'V', 'K', 'E', 'Y', '\n', 0x1A};

  static final int HEADER_SIZE = 40;
  static final int FOOTER_SIZE = 100;

  /** Bytes of plaintext sealed per AES-GCM segment of an encrypted entry. */
  static final int SEGMENT_SIZE = 64 * 1024;
  static final int NONCE_PREFIX_SIZE = 7;
  static final int NONCE_SIZE = 12;
  static final int TAG_SIZE = 16;
  static final int KEY_SIZE = 32;
  /** nonce + sealed 32-byte key + tag. */
  static final int WRAPPED_KEY_SIZE = NONCE_SIZE + KEY_SIZE + TAG_SIZE;

  /** Key slot of an entry that is not encrypted. */
  static final long NO_KEY_SLOT = 0xFFFF_FFFFL;
  /** Key slot of the pack's compression dictionary. */
  static final long DICTIONARY_KEY_SLOT = 0xFFFF_FFFEL;
  /**
   * In version 2, entry {@code n}'s name is sealed under slot {@code NAME_SLOT_BASE + n} and its bytes
   * under slot {@code n}: two keys, so that an object's name can be shredded while a deduplicated copy of
   * its bytes, which another object still needs, stays readable. Fixed by the ordinal (readers check it),
   * so an eraser knows the slots from the catalog without reading a pack that may be in Deep Archive.
   */
  public static final long NAME_SLOT_BASE = 0x8000_0000L;

  /** The key slot of entry {@code ordinal}'s name in a version-2 pack. */
  public static long nameSlot(int ordinal) {
    return NAME_SLOT_BASE + ordinal;
  }

  /** The key slot of entry {@code ordinal}'s bytes (both versions). */
  public static long contentSlot(int ordinal) {
    return ordinal;
  }

  /** Timestamps are epoch milliseconds; this value means "none". */
  static final long NO_TIME = Long.MIN_VALUE;

  /** Upper bounds a reader enforces before allocating, so a corrupt length cannot exhaust memory. */
  static final long MAX_INDEX_BYTES = 1L << 30;
  static final int MAX_DICTIONARY_BYTES = 1 << 20;
  static final long MAX_ENTRIES = 50_000_000L;

  /** Associated-data labels: a key sealed for one purpose cannot be passed off as another. */
  static final byte[] AAD_ENTRY = "lakevault entry".getBytes(StandardCharsets.US_ASCII);
  static final byte[] AAD_DATA_KEY = "lakevault data key".getBytes(StandardCharsets.US_ASCII);
  static final byte[] AAD_PACK_KEY = "lakevault pack key".getBytes(StandardCharsets.US_ASCII);
  static final byte[] AAD_ENTRY_NAME = "lakevault entry name".getBytes(StandardCharsets.US_ASCII);
  static final byte[] AAD_ENTRY_CONTENT = "lakevault entry content".getBytes(StandardCharsets.US_ASCII);

  /** The key file of the pack at {@code packKey}: same bucket, the pack's key plus this suffix. */
  public static final String KEY_FILE_SUFFIX = ".keys";

  /** How an entry's bytes were compressed. */
  public enum Codec {
    /** Stored as they are: compression would not have made them smaller. */
    RAW(0),
    /** One zstd frame. */
    ZSTD(1),
    /** One zstd frame compressed with the pack's dictionary. */
    ZSTD_DICTIONARY(2);

    final int code;

    Codec(int code) {
      this.code = code;
    }

    static Codec of(int code) {
      for (Codec c : values()) {
        if (c.code == code) return c;
      }
      return null;
    }
  }
}
