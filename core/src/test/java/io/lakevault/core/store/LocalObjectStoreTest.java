package io.lakevault.core.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.store.ObjectStoreException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the local store does: restores that take time, and the limits of a file system. */
class LocalObjectStoreTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2024-02-28T22:00:00Z"));

  private LocalObjectStore store(Duration thaw) {
    LocalObjectStore s = new LocalObjectStore(dir, thaw, clock);
    s.createBucket("archive", false, false);
    return s;
  }

  private static byte[] read(java.io.InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  @Test
  void restoreStaysInProgressForTheThawDelayThenExpiresAtMidnightUtc() throws IOException {
    LocalObjectStore s = store(Duration.ofHours(12));
    ObjectRef ref = ObjectRef.of("archive", "packs/p1");
    s.put("archive", "packs/p1", "pack".getBytes(StandardCharsets.UTF_8),
        PutOptions.builder().storageClass(StorageClass.DEEP_ARCHIVE).build());

    assertEquals(RestoreRequestResult.STARTED, s.requestRestore(ref, 1, RestoreTier.BULK));
    assertEquals(Boolean.TRUE, s.head(ref).restoreOngoing());
    ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> read(s.get(ref)));
    assertEquals(Reason.INVALID_OBJECT_STATE, e.reason());
    assertTrue(e.getMessage().contains("still in progress"), e.getMessage());
    assertEquals(RestoreRequestResult.ALREADY_IN_PROGRESS, s.requestRestore(ref, 1, RestoreTier.BULK));

    clock.advance(Duration.ofHours(12));
    ObjectMetadata done = s.head(ref);
    assertEquals(Boolean.FALSE, done.restoreOngoing());
    // Completed 2024-02-29T10:00Z (a leap day) + 1 day, rounded up to the next 00:00 UTC.
    assertEquals(Instant.parse("2024-03-02T00:00:00Z"), done.restoreExpiry());
    assertArrayEquals("pack".getBytes(StandardCharsets.UTF_8), read(s.get(ref)));

    clock.advance(Duration.ofDays(2));
    assertNull(s.head(ref).restoreOngoing(), "an expired restore is as if none was requested");
    assertEquals(Reason.INVALID_OBJECT_STATE, assertThrows(ObjectStoreException.class, () -> read(s.get(ref))).reason());
    assertEquals(RestoreRequestResult.STARTED, s.requestRestore(ref, 1, RestoreTier.STANDARD));
  }

  @Test
  void deepArchiveHasNoExpeditedTier() {
    LocalObjectStore s = store(Duration.ZERO);
    s.put("archive", "p", new byte[] {1}, PutOptions.builder().storageClass(StorageClass.DEEP_ARCHIVE).build());
    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> s.requestRestore(ObjectRef.of("archive", "p"), 1, RestoreTier.EXPEDITED));
    assertEquals(Reason.INVALID_REQUEST, e.reason());
    assertTrue(e.getMessage().contains("Expedited"), e.getMessage());
  }

  @Test
  void aPartStoredWithoutItsRecordIsHashedWhenTheUploadCompletes() throws Exception {
    LocalObjectStore s = store(Duration.ZERO);
    byte[] p1 = new byte[(int) S3Limits.MIN_PART_SIZE];
    new java.util.Random(7).nextBytes(p1);
    byte[] p2 = "tail".getBytes(StandardCharsets.UTF_8);
    MultipartUpload up = s.startMultipartUpload("archive", "mp", PutOptions.builder().checksum(ChecksumAlgorithm.CRC32C).build());
    var c1 = up.uploadPart(1, new java.io.ByteArrayInputStream(p1), p1.length);
    var c2 = up.uploadPart(2, new java.io.ByteArrayInputStream(p2), p2.length);
    // As a store written before parts had records left them.
    Path uploadDir = dir.resolve(LocalObjectStore.STORE_DIR).resolve("uploads").resolve(up.uploadId());
    Files.delete(uploadDir.resolve("part-00001.json"));
    ObjectMetadata done = up.complete(List.of(c1, c2));
    assertEquals(p1.length + p2.length, done.size());

    MultipartUpload again = s.startMultipartUpload("archive", "mp2", PutOptions.builder().checksum(ChecksumAlgorithm.CRC32C).build());
    ObjectMetadata same = again.complete(List.of(again.uploadPart(1, new java.io.ByteArrayInputStream(p1), p1.length),
        again.uploadPart(2, new java.io.ByteArrayInputStream(p2), p2.length)));
    assertEquals(same.eTag(), done.eTag());
    assertEquals(same.checksums(), done.checksums());
    assertTrue(done.checksums().get(ChecksumAlgorithm.CRC32C).endsWith("-2"), done.checksums().toString());
  }

  @Test
  void keysAFileSystemCannotHoldAreRefusedByName() {
    LocalObjectStore s = store(Duration.ZERO);
    for (String bad : List.of("a//b", "a/../b", "./x", "x/" + "s".repeat(256))) {
      ObjectStoreException e = assertThrows(ObjectStoreException.class,
          () -> s.put("archive", bad, new byte[] {1}, PutOptions.defaults()), bad);
      assertEquals(Reason.INVALID_REQUEST, e.reason());
      assertTrue(e.getMessage().contains("cannot hold key"), e.getMessage());
    }
    s.put("archive", "a", new byte[] {1}, PutOptions.defaults());
    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> s.put("archive", "a/b", new byte[] {1}, PutOptions.defaults()));
    assertTrue(e.getMessage().contains("s3://archive/a/b"), e.getMessage());
  }

  @Test
  void filesWrittenByHadoopAreUnversionedObjectsAndChecksumSidecarsAreHidden() throws IOException {
    LocalObjectStore s = store(Duration.ZERO);
    Path table = dir.resolve("archive/catalog/part-0000.parquet");
    Files.createDirectories(table.getParent());
    Files.writeString(table, "parquet bytes");
    Files.writeString(table.resolveSibling(".part-0000.parquet.crc"), "crc");
    List<ObjectVersion> listed = new ArrayList<>();
    s.list("archive", "catalog/").forEachRemaining(listed::add);
    assertEquals(1, listed.size());
    ObjectMetadata m = s.head(ObjectRef.of("archive", "catalog/part-0000.parquet"));
    assertEquals("null", m.versionId());
    assertEquals(13, m.size());
    assertEquals("9c4d5e0d0d6cd1f3ad8b1e5e6a0d3b7c".length(), m.eTag().length());
    assertEquals(dir.resolve("archive/catalog/part-0000.parquet").toAbsolutePath(),
        s.livePath("archive", "catalog/part-0000.parquet"));
  }

  @Test
  void completingAMultipartUploadChecksPartSizes() {
    LocalObjectStore s = store(Duration.ZERO);
    MultipartUpload up = s.startMultipartUpload("archive", "small-parts", PutOptions.defaults());
    var p1 = up.uploadPart(1, new java.io.ByteArrayInputStream(new byte[10]), 10);
    var p2 = up.uploadPart(2, new java.io.ByteArrayInputStream(new byte[10]), 10);
    ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> up.complete(List.of(p1, p2)));
    assertTrue(e.getMessage().contains("at least 5 MiB"), e.getMessage());
    up.abort();
  }
}
