package io.lakevault.core.lifecycle;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;

/**
 * Decides, version by version, whether an erasure request may erase an archived object version, and
 * which keys that destroys: pure, so the rules are tested apart from Spark and S3 (docs/lifecycle.md,
 * "Erasure"). Precedence: a legal hold first (it stops everything), then the class (records kept by law
 * are not erasable, GDPR Art. 17(3)(b)), then what the archive can do (a version already disposed of
 * has nothing left to erase; a pack that keeps names in plaintext cannot be erased by shredding keys).
 */
public final class ErasurePlanner implements Serializable {
  /** What becomes of one selected version. */
  public enum Verdict {
    /** Its name key (and its content key, unless another object still uses the bytes) is destroyed. */
    ERASE,
    /** A delete marker: no bytes, no keys; its catalog row, which names the key, is removed. */
    ERASE_MARKER,
    /** An open legal hold covers it. */
    HELD,
    /** Its class is not erasable (or the policy no longer has the class). */
    NOT_ERASABLE,
    /** Retention expiry already deleted its pack. */
    DISPOSED,
    /**
     * The pack that holds its name keeps it in plaintext (format 1, or not encrypted), or the pack of its
     * bytes has a dictionary that may keep fragments of it.
     */
    NOT_SEALED
  }

  /**
   * What the catalog and the policy say of one selected version.
   *
   * @param classErasable the class's {@code erasable} in the current policy; {@code null} when the policy
   *     has no such class
   * @param namePackFormat format version of the pack holding its index record: the pack of its bytes, or
   *     for a deduplicated version the pack of its reference record
   * @param contentPackDictionary whether the pack of its bytes has a compression dictionary; {@code null}
   *     when the catalog does not know (packs cataloged before it recorded it)
   * @param holdCases open cases covering it, sorted; empty when none
   */
  public record VersionFacts(String retentionClass, Instant retainUntil, Boolean classErasable, boolean deleteMarker,
      Instant disposedAt, int namePackFormat, boolean namePackEncrypted, Boolean contentPackDictionary,
      List<String> holdCases) implements Serializable {
    public VersionFacts {
      holdCases = holdCases == null ? List.of() : List.copyOf(holdCases);
    }
  }

  /** One version's verdict and the reason in words (for the report; it names no object). */
  public record Decision(Verdict verdict, String reason) implements Serializable {
    public boolean erases() {
      return verdict == Verdict.ERASE || verdict == Verdict.ERASE_MARKER;
    }
  }

  public Decision decide(VersionFacts f) {
    if (!f.holdCases().isEmpty()) {
      return new Decision(Verdict.HELD, "held by case " + String.join(", ", f.holdCases())
          + ": a legal hold stops erasure until the case is released");
    }
    if (f.classErasable() == null) {
      return new Decision(Verdict.NOT_ERASABLE, "class " + f.retentionClass() + " is not in the current policy,"
          + " so nothing says it may be erased");
    }
    if (!f.classErasable()) {
      return new Decision(Verdict.NOT_ERASABLE, "class " + f.retentionClass() + " is not erasable (records kept"
          + " under a legal obligation, GDPR Art. 17(3)(b)); retained until "
          + (f.retainUntil() == null ? "no end date" : f.retainUntil()));
    }
    if (f.deleteMarker()) {
      return new Decision(Verdict.ERASE_MARKER, "a delete marker: its catalog row is removed");
    }
    if (f.disposedAt() != null) {
      return new Decision(Verdict.DISPOSED, "already disposed of on " + f.disposedAt()
          + " (retention expiry deleted its pack and keys)");
    }
    if (f.namePackFormat() < 2 || !f.namePackEncrypted()) {
      return new Decision(Verdict.NOT_SEALED, (f.namePackEncrypted() ? "its pack is format version " + f.namePackFormat()
          : "its pack is not encrypted") + ", whose index keeps the object's name in plaintext: destroying keys"
          + " would not erase the name (docs/pack-format.md); re-archive it first");
    }
    if (!Boolean.FALSE.equals(f.contentPackDictionary())) {
      return new Decision(Verdict.NOT_SEALED, "its pack " + (f.contentPackDictionary() == null
          ? "may carry a compression dictionary (cataloged before the catalog recorded it)"
          : "carries a compression dictionary (its class was not erasable when it was archived)")
          + ", which may keep fragments of it after its keys are destroyed; re-archive it first");
    }
    return new Decision(Verdict.ERASE, "erasable class " + f.retentionClass());
  }
}
