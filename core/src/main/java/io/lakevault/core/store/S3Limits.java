package io.lakevault.core.store;

/** S3's multipart and object limits (S3 user guide, "Amazon S3 multipart upload limits"). */
public final class S3Limits {
  private S3Limits() {}

  /** Smallest part but the last: 5 MiB. */
  public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
  /** Largest part: 5 GiB. */
  public static final long MAX_PART_SIZE = 5L * 1024 * 1024 * 1024;
  /** Parts per upload, numbered 1 to 10,000. */
  public static final int MAX_PARTS = 10_000;
  /** Largest object: 5 TiB. */
  public static final long MAX_OBJECT_SIZE = 5L * 1024 * 1024 * 1024 * 1024;
  /** Largest single PUT: 5 GiB. */
  public static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;
  /** Longest key, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 1024;
  /** User-defined metadata, keys plus values in UTF-8 bytes. */
  public static final int MAX_USER_METADATA_BYTES = 2048;

  /**
   * The part size for an upload of about {@code expectedBytes}: at least {@code preferred} and
   * {@link #MIN_PART_SIZE}, and large enough that the upload fits in {@link #MAX_PARTS} parts.
   */
  public static long partSizeFor(long expectedBytes, long preferred) {
    long size = Math.max(preferred, MIN_PART_SIZE);
    long needed = (expectedBytes + MAX_PARTS - 1) / MAX_PARTS;
    size = Math.max(size, needed);
    if (size > MAX_PART_SIZE) {
      throw new IllegalArgumentException(expectedBytes + " bytes do not fit in " + MAX_PARTS
          + " parts of at most 5 GiB");
    }
    return size;
  }
}
