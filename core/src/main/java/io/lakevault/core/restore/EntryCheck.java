package io.lakevault.core.restore;

import io.lakevault.core.pack.PackEntry;

/** The catalog and the pack must agree on what an entry is before its bytes are trusted. */
public final class EntryCheck {
  private EntryCheck() {}

  /**
   * Compares the catalog's row (entry ordinal, SHA-256, stored offset and length) with the pack's index.
   *
   * @param e the pack's entry at that ordinal, null when the pack has none
   * @return what disagrees, or null when they agree
   */
  public static String mismatch(String key, int ordinal, String sha256, long offset, long length, PackEntry e) {
    if (e == null) return "the catalog puts " + key + " at entry " + ordinal + ", which the pack does not have";
    if (e.kind() != PackEntry.Kind.DATA) return "entry " + ordinal + " is a reference, not the bytes the catalog points to";
    if (!e.contentKnown()) {
      return "entry " + ordinal + " was erased: its data key is no longer in the pack's key file (slot " + e.keySlot() + ")";
    }
    if (!e.sha256Hex().equals(sha256)) return "entry " + ordinal + " has SHA-256 " + e.sha256Hex() + ", the objects table " + sha256;
    if (e.storedOffset() != offset || e.storedLength() != length) {
      return "entry " + ordinal + " is at bytes " + e.storedOffset() + "+" + e.storedLength() + ", the objects table says "
          + offset + "+" + length;
    }
    return null;
  }
}
