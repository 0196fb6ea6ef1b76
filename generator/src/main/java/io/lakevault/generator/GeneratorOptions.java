package io.lakevault.generator;

import java.time.Instant;

/**
 * What to generate.
 *
 * @param objects small objects in the lake (versions, tricky keys and large objects come on top)
 * @param versions whether to write new versions, deletes and re-creates of some keys
 * @param largeObjects objects over 100 MB, streamed as multipart uploads
 * @param largeObjectBytes size of each large object
 * @param from time of the first object (local store only: S3 sets its own times)
 * @param to time of the last change; the inventory reports are taken one day later
 * @param seed makes the lake reproducible, byte for byte, apart from version ids
 */
public record GeneratorOptions(int objects, boolean versions, int largeObjects, long largeObjectBytes,
    Instant from, Instant to, long seed) {

  public static final int DEFAULT_OBJECTS = 20_000;
  public static final long DEFAULT_LARGE_BYTES = 101L * 1024 * 1024;

  public GeneratorOptions {
    if (objects < 50) throw new IllegalArgumentException("--objects must be at least 50");
    if (largeObjects < 0) throw new IllegalArgumentException("--large-objects must not be negative");
    if (!to.isAfter(from)) throw new IllegalArgumentException("the end time must be after the start time");
  }

  public static GeneratorOptions defaults() {
    return new GeneratorOptions(DEFAULT_OBJECTS, true, 2, DEFAULT_LARGE_BYTES,
        Instant.parse("2019-01-01T00:00:00Z"), Instant.parse("2024-06-30T00:00:00Z"), 42);
  }

  public GeneratorOptions withObjects(int n) {
    return new GeneratorOptions(n, versions, largeObjects, largeObjectBytes, from, to, seed);
  }

  public GeneratorOptions withLargeObjects(int n, long bytes) {
    return new GeneratorOptions(objects, versions, n, bytes, from, to, seed);
  }
}
