package io.lakevault.core.restore;

import io.lakevault.core.LakevaultException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * A local folder as restore target: version {@code v} of {@code s3://b/k} is written to
 * {@code <folder>/b/k}, or {@code <folder>/b/k/<version id>} when every version is restored, with its
 * last-modified time as the file's modification time.
 *
 * <p>Object keys are not paths, and a key must never write outside the folder: keys that are absolute,
 * hold an empty, {@code .} or {@code ..} segment, a backslash or a NUL, end in {@code /} (folder
 * markers), or pass through a symbolic link or an existing file are refused with
 * {@link UnsafeKeyException}, and the object is reported, never written elsewhere. Each file is written
 * to a temporary name beside it and renamed into place once its bytes are verified.
 */
public final class FolderTarget implements RestoreTarget {
  private static final int MAX_SEGMENT_BYTES = 255;
  private static final int MAX_PATH_BYTES = 4000;

  private final Path root;
  private final boolean versions;

  public FolderTarget(Path folder, boolean versions) {
    try {
      Files.createDirectories(folder);
      this.root = folder.toRealPath();
    } catch (IOException e) {
      throw LakevaultException.usage("--to " + folder + ": cannot create or open the folder (" + e.getMessage() + ")");
    }
    this.versions = versions;
  }

  public Path root() {
    return root;
  }

  @Override
  public String locate(String bucket, String key, String versionId) {
    String rel = bucket + "/" + key + (versions ? "/" + (versionId == null ? "null" : versionId) : "");
    checkKey(key);
    if (versions) checkSegment(key, versionId == null ? "null" : versionId);
    if (rel.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw new UnsafeKeyException("key '" + key + "' makes a path longer than " + MAX_PATH_BYTES + " bytes");
    }
    Path p = root.resolve(rel).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new UnsafeKeyException("key '" + key + "' would be written outside " + root);
    }
    return p.toString();
  }

  private static void checkKey(String key) {
    if (key.isEmpty()) throw new UnsafeKeyException("an empty key cannot be a file name");
    if (key.startsWith("/")) throw new UnsafeKeyException("key '" + key + "' is an absolute path");
    if (key.endsWith("/")) throw new UnsafeKeyException("key '" + key + "' ends in '/' (a folder marker), so it cannot be a file");
    for (String s : key.split("/", -1)) checkSegment(key, s);
  }

  private static void checkSegment(String key, String s) {
    if (s.isEmpty()) throw new UnsafeKeyException("key '" + key + "' has an empty path segment ('//')");
    if (s.equals(".") || s.equals("..")) throw new UnsafeKeyException("key '" + key + "' has a '" + s + "' segment (path traversal)");
    if (s.indexOf('\\') >= 0) throw new UnsafeKeyException("key '" + key + "' holds a backslash, a path separator on Windows");
    if (s.indexOf('\0') >= 0) throw new UnsafeKeyException("key '" + key + "' holds a NUL character");
    if (s.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
      throw new UnsafeKeyException("key '" + key + "' has a path segment longer than " + MAX_SEGMENT_BYTES + " bytes");
    }
  }

  @Override
  public InputStream read(String location) throws IOException {
    return Files.newInputStream(Path.of(location), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public Existing head(String location) {
    Path p = Path.of(location);
    try {
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return null;
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        return new Existing(-1, Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant(), null, null);
      }
      return new Existing(Files.size(p), Files.getLastModifiedTime(p).toInstant(), null, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file holds the version when it has its size and SHA-256; the file is read to tell. */
  @Override
  public boolean holds(String location, Existing existing, Wanted wanted) {
    if (existing.size() != wanted.size() || wanted.sha256() == null) return false;
    MessageDigest d = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(Path.of(location), LinkOption.NOFOLLOW_LINKS), d)) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(d.digest()).equals(wanted.sha256());
    } catch (IOException ex) {
      return false;
    }
  }

  @Override
  public String write(String location, InputStream data, long size, String contentType, Map<String, String> userMetadata,
      Instant lastModified, boolean replace) throws IOException {
    Path p = Path.of(location);
    Path parent = p.getParent();
    // No symbolic link and no file on the way: either could send the bytes somewhere else.
    Path q = root;
    for (Path name : root.relativize(parent)) {
      q = q.resolve(name);
      if (Files.isSymbolicLink(q)) throw new UnsafeKeyException(q + " is a symbolic link; refusing to write through it");
      if (Files.exists(q, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(q, LinkOption.NOFOLLOW_LINKS)) {
        throw new UnsafeKeyException(q + " is a file (another key), so it cannot also be a folder");
      }
    }
    if (Files.isSymbolicLink(p)) throw new UnsafeKeyException(p + " is a symbolic link; refusing to write through it");
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new UnsafeKeyException(p + " is a folder (other keys have this key as their prefix), so it cannot be a file");
    }
    Files.createDirectories(parent);
    Path tmp = parent.resolve("." + p.getFileName() + ".lvtmp-" + UUID.randomUUID());
    try {
      try (OutputStream out = Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW)) {
        data.transferTo(out);
      }
      if (lastModified != null) Files.setLastModifiedTime(tmp, FileTime.from(lastModified));
      if (replace) {
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(p.toString());
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return null;
  }

  @Override
  public void close() {}

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
