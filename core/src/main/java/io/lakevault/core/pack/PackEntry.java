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
 * @param ordinal position in the index, from 0
 * @param versionId {@code null} for the null version
 * @param keySlot the slot of the entry's data key in the pack's key file, or {@code -1} when not encrypted
 */
public record PackEntry(int ordinal, Kind kind, String bucket, String key, String versionId, String eTag,
    Instant lastModified, long size, Instant retainUntil, long storedOffset, long storedLength, byte[] sha256,
    PackFormat.Codec codec, long keySlot, String contentType, Map<String, String> userMetadata,
    UUID refPackId, int refOrdinal) {

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

  public String sha256Hex() {
    return HexFormat.of().formatHex(sha256);
  }

  /** {@code s3://bucket/key} with the version when there is one, for messages. */
  public String describe() {
    return "s3://" + bucket + "/" + key + (versionId == null ? "" : " (version " + versionId + ")");
  }
}
