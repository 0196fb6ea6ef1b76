package io.lakevault.core.pack;

import java.time.Instant;
import java.util.UUID;

/**
 * What a pack says about itself in its index, before the entries.
 *
 * @param kekRef the key-encryption key that wraps the pack key, or {@code null} when nothing is encrypted
 * @param wrappedPackKey the pack key as the key-encryption key sealed it; {@code null} when not encrypted
 * @param dictionaryOffset where the zstd dictionary is stored, or {@code -1} when the pack has none
 */
public record PackInfo(UUID packId, int formatVersion, Instant createdAt, String writer, String retentionClass,
    String storageClass, String lockMode, Instant lockRetainUntil, String kekRef, byte[] wrappedPackKey,
    int segmentSize, long dictionaryOffset, long dictionaryStoredLength, int dictionaryLength, long dictionaryId) {

  public boolean encrypted() {
    return kekRef != null;
  }

  public boolean hasDictionary() {
    return dictionaryOffset >= 0;
  }
}
