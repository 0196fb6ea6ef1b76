package io.lakevault.core.restore;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Map;

/**
 * Where restored objects are written: a bucket and prefix ({@link StoreTarget}), each object's original
 * location, or a local folder ({@link FolderTarget}). A target writes only verified bytes: the stream
 * it is given fails at its end when the SHA-256 is wrong, and nothing is published then.
 */
public interface RestoreTarget extends AutoCloseable {

  /** Where one version goes, as the report names it; {@link UnsafeKeyException} when it cannot go anywhere safely. */
  String locate(String bucket, String key, String versionId);

  /** What is at a location now, or {@code null}. */
  Existing head(String location);

  /**
   * Writes an object; publishes it only once {@code data} has been read to its end without error.
   *
   * @return the written object's ETag (or, for a file, its SHA-256), recorded so a re-run knows its own work
   */
  String write(String location, InputStream data, long size, String contentType, Map<String, String> userMetadata,
      Instant lastModified, boolean replace) throws IOException;

  /** Reads back what is at a location (a drill verifies the restored bytes this way); fails when nothing is there. */
  InputStream read(String location) throws IOException;

  /** Whether what is at a location is the version being restored (a re-run finds its own earlier work). */
  boolean holds(String location, Existing existing, Wanted wanted);

  @Override
  void close();

  /**
   * An object found at the target.
   *
   * @param tag the ETag, or a file's SHA-256 when computed
   * @param sha256 hex SHA-256 of the content when the target knows it without reading (a full-object checksum), else {@code null}
   */
  record Existing(long size, Instant lastModified, String tag, String sha256) {}

  /**
   * The version being restored, and what an earlier run of the same restore recorded writing.
   *
   * @param sourceETag the source's ETag when it is the MD5 of the bytes, else {@code null}
   * @param writtenTag the tag an earlier run of this restore wrote there, or {@code null}
   */
  record Wanted(long size, String sha256, String sourceETag, String writtenTag) {}

  /** A key that cannot be written under the target without escaping it or colliding with another. */
  final class UnsafeKeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnsafeKeyException(String message) {
      super(message);
    }
  }
}
