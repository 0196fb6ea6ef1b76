package io.lakevault.archive;

import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.store.ObjectLockMode;
import io.lakevault.core.store.S3Uri;
import java.io.Serializable;

/**
 * A retention class as the archive job applies it: where its packs go and which key seals them, with
 * the defaults of the configuration filled in.
 *
 * @param targetUri the class's target, or {@code archive.uri}
 * @param kekRef the class's key, or {@code archive.default-key}; {@code null} when the class does not encrypt
 */
record ClassTarget(RetentionClass cls, String targetUri, String kekRef) implements Serializable {

  String name() {
    return cls.name();
  }

  /** The role to assume to write to the target (another account), or {@code null}. */
  String role() {
    return cls.targetRole();
  }

  S3Uri target() {
    return S3Uri.parse(targetUri);
  }

  /** The Object Lock mode packs of this class get, or {@code null} for none. */
  ObjectLockMode lockMode() {
    String m = cls.lockMode();
    return m == null || m.equalsIgnoreCase("NONE") ? null : ObjectLockMode.valueOf(m.toUpperCase(java.util.Locale.ROOT));
  }

  /** {@code <target>/<pack group>/<pack id>.lvp}: packs of one class, expiry month and bucket side by side. */
  String packKey(String packGroup, String packId) {
    String prefix = target().key();
    return (prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix : prefix + "/") + packGroup + "/" + packId + ".lvp";
  }
}
