package io.lakevault.core.pack;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * One record of a pack's index: an object version and where its bytes are.
 *
 * <p>A {@linkplain Kind#DATA data} entry's bytes are {@code storedLength} bytes at {@code storedOffset}
 * of this pack. A {@linkplain Kind#REFERENCE reference} entry stores no bytes: the same content (same
 * SHA-256) is entry {@code refOrdinal} of pack {@code refPackId}, archived earlier. References keep a
 * pack's index complete, so the catalog can be rebuilt from packs alone, deduplicated objects included.
 *
 * <p>In a version-2 pack an encrypted entry's <em>name</em> (bucket, key, version, ETag, dates, content
 * type, user metadata, reference target) is sealed under the key of {@code nameSlot}, and its size and
 * SHA-256 under the key of {@code keySlot}. Until the pack's keys are given, or once a slot's key has
 * been shredded, those fields are {@code null} ({@code size} is {@code -1}): see {@link #named()}.
 *
 * @param ordinal position in the index, from 0
 * @param versionId {@code null} for the null version
 * @param keySlot the slot of the key of the entry's bytes in the pack's key file, or {@code -1} when not
 *     encrypted (and for references)
 * @param nameSlot the slot of the key that seals the entry's name, or {@code -1} when the name is in
 *     plaintext (version 1, or an unencrypted entry)
 * @param sealed the sealed name and content facts as the index holds them; {@code null} when plaintext
 */
public record PackEntry(int ordinal, Kind kind, String bucket, String key, String versionId, String eTag,
    Instant lastModified, long size, Instant retainUntil, long storedOffset, long storedLength, byte[] sha256,
    PackFormat.Codec codec, long keySlot, String contentType, Map<String, String> userMetadata,
    UUID refPackId, int refOrdinal, long nameSlot, Sealed sealed) {

  /**
   * The sealed parts of a version-2 encrypted entry's index record.
   *
   * @param name the name, sealed under the key of {@code nameSlot}
   * @param content size and SHA-256, sealed under the key of {@code keySlot}; {@code null} for references
   */
  public record Sealed(byte[] name, byte[] content) {}

  /** What an index record describes. */
  public enum Kind {
    DATA(0), REFERENCE(1);

    final int code;

    Kind(int code) {
      this.code = code;
    }
  }

  public PackEntry {
    userMetadata = userMetadata == null ? Map.of() : Map.copyOf(userMetadata);
  }

  public boolean encrypted() {
    return keySlot >= 0;
  }

  /** Whether the name was sealed (a version-2 encrypted entry). */
  public boolean nameSealed() {
    return nameSlot >= 0;
  }

  /**
   * Whether the entry's name is known: always for plaintext names; for sealed ones once the pack's keys
   * were given and the name's key is still in the key file. An unnamed entry of a pack opened with its
   * keys was erased.
   */
  public boolean named() {
    return bucket != null;
  }

  /** Whether size and SHA-256 are known (not for an entry whose content key is shredded, or before keys). */
  public boolean contentKnown() {
    return sha256 != null;
  }

  public String sha256Hex() {
    return sha256 == null ? null : HexFormat.of().formatHex(sha256);
  }

  /** {@code s3://bucket/key} with the version when there is one, for messages; an unnamed entry by its slot. */
  public String describe() {
    if (!named()) return "an object whose name is sealed (name key slot " + nameSlot + ")";
    return "s3://" + bucket + "/" + key + (versionId == null ? "" : " (version " + versionId + ")");
  }
}
