package io.lakevault.core.pack;

import io.lakevault.core.LakevaultException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Key-encryption keys kept as files, the embedded default's stand-in for KMS: {@code local:NAME} is
 * the file {@code NAME.key} in one directory, holding 32 random bytes in Base64 on one line (lines
 * starting with {@code #} are comments).
 *
 * <p>A sealed pack key starts with the key's fingerprint (the first 8 bytes of the SHA-256 of the key),
 * so opening a pack with the wrong key file says so instead of failing somewhere in the data.
 */
public final class LocalKeyRing implements KeyEncryptionKey.Resolver {
  public static final String PREFIX = "local:";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final int WRAP_VERSION = 1;
  private static final int FINGERPRINT_SIZE = 8;

  private final Path dir;

  public LocalKeyRing(Path dir) {
    this.dir = dir;
  }

  public static boolean isLocal(String ref) {
    return ref != null && ref.startsWith(PREFIX);
  }

  public Path file(String ref) {
    if (!isLocal(ref)) {
      throw LakevaultException.usage("'" + ref + "' is not a local key reference; local keys are named local:NAME");
    }
    String name = ref.substring(PREFIX.length());
    if (!NAME.matcher(name).matches()) {
      throw LakevaultException.usage("local key name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
    }
    return dir.resolve(name + ".key");
  }

  /** Creates the key file with a new random key, readable by its owner only; an existing key is kept. */
  public boolean createIfMissing(String ref) {
    Path f = file(ref);
    if (Files.exists(f)) return false;
    try {
      Files.createDirectories(dir);
      String text = "# lakevault key-encryption key " + ref + ". Losing this file loses every pack it encrypted: back it up.\n"
          + Base64.getEncoder().encodeToString(Aead.randomKey()) + "\n";
      try {
        Files.writeString(f, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      try {
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the directory's own permissions protect the key.
      }
      return true;
    } catch (IOException e) {
      throw LakevaultException.input("cannot create key file " + f + ": " + e.getMessage());
    }
  }

  @Override
  public KeyEncryptionKey resolve(String ref) {
    Path f = file(ref);
    byte[] key;
    try {
      String b64 = Files.readAllLines(f, StandardCharsets.US_ASCII).stream()
          .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst().orElse("");
      key = Base64.getDecoder().decode(b64);
    } catch (NoSuchFileException e) {
      throw LakevaultException.usage("key file " + f + " for " + ref + " does not exist: restore it from your key backup, "
          + "or (for a new archive only) create one with `lakevault keys create " + ref + "`");
    } catch (IOException | IllegalArgumentException e) {
      throw LakevaultException.input("key file " + f + " for " + ref + " cannot be read: " + e.getMessage());
    }
    if (key.length != PackFormat.KEY_SIZE) {
      throw LakevaultException.input("key file " + f + " for " + ref + " holds " + key.length
          + " bytes; a key is 32 bytes in Base64 on one line");
    }
    return new FileKey(ref, f, key);
  }

  private record FileKey(String ref, Path file, byte[] key) implements KeyEncryptionKey {
    byte[] fingerprint() {
      try {
        return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(key), FINGERPRINT_SIZE);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public byte[] wrap(byte[] packKey, UUID packId) {
      byte[] sealed = Aead.seal(key, packKey, Aead.context(PackFormat.AAD_PACK_KEY, packId, 0));
      return ByteBuffer.allocate(1 + FINGERPRINT_SIZE + sealed.length).put((byte) WRAP_VERSION).put(fingerprint())
          .put(sealed).array();
    }

    @Override
    public byte[] unwrap(byte[] wrapped, UUID packId) {
      if (wrapped.length < 1 + FINGERPRINT_SIZE || wrapped[0] != WRAP_VERSION) {
        throw new PackFormatException("pack " + packId + ": its sealed pack key is not one a local key made");
      }
      byte[] fp = Arrays.copyOfRange(wrapped, 1, 1 + FINGERPRINT_SIZE);
      if (!Arrays.equals(fp, fingerprint())) {
        throw LakevaultException.input("pack " + packId + " was encrypted with " + ref + " of fingerprint "
            + HexFormat.of().formatHex(fp) + ", but " + file + " holds a key of fingerprint "
            + HexFormat.of().formatHex(fingerprint()) + ": the key file is not the one the pack was written with");
      }
      byte[] k = Aead.open(key, Arrays.copyOfRange(wrapped, 1 + FINGERPRINT_SIZE, wrapped.length),
          Aead.context(PackFormat.AAD_PACK_KEY, packId, 0));
      if (k == null) {
        throw new PackFormatException("pack " + packId + ": its sealed pack key fails authentication under " + ref
            + " (right key, corrupt pack key)");
      }
      return k;
    }
  }
}
