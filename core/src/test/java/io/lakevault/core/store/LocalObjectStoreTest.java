package io.lakevault.core.store;

import io.lakevault.core.time.MutableClock;
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
    // As a store written before parts had records left them: part files alone.
    Path uploadDir = dir.resolve(LocalObjectStore.STORE_DIR).resolve("uploads").resolve(up.uploadId());
    Files.write(uploadDir.resolve("part-00001"), p1);
    Files.write(uploadDir.resolve("part-00002"), p2);
    var c1 = new MultipartUpload.CompletedPart(1, md5Hex(p1), null);
    var c2 = new MultipartUpload.CompletedPart(2, md5Hex(p2), null);
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
  void partsSentInOrderBecomeTheObjectWithoutACopyAndOthersAreCopied() throws Exception {
    LocalObjectStore s = store(Duration.ZERO);
    java.util.Random random = new java.util.Random(11);
    byte[] p1 = new byte[(int) S3Limits.MIN_PART_SIZE];
    byte[] p2 = new byte[(int) S3Limits.MIN_PART_SIZE];
    byte[] p3 = "the last part".getBytes(StandardCharsets.UTF_8);
    random.nextBytes(p1);
    random.nextBytes(p2);
    // In order: the parts are written one after the other into one file, which is renamed into place.
    MultipartUpload up = s.startMultipartUpload("archive", "in-order", PutOptions.defaults());
    var c1 = up.uploadPart(1, new java.io.ByteArrayInputStream(p1), p1.length);
    var c2 = up.uploadPart(2, new java.io.ByteArrayInputStream(p2), p2.length);
    var c3 = up.uploadPart(3, new java.io.ByteArrayInputStream(p3), p3.length);
    Path assembled = dir.resolve(LocalObjectStore.STORE_DIR).resolve("uploads").resolve(up.uploadId()).resolve("assembled");
    Object inode = Files.getAttribute(assembled, "unix:ino");
    ObjectMetadata done = up.complete(List.of(c1, c2, c3));
    assertEquals(inode, Files.getAttribute(s.livePath("archive", "in-order"), "unix:ino"));
    assertArrayEquals(concat(p1, p2, p3), s.get(ObjectRef.of("archive", "in-order")).readAllBytes());
    assertEquals(p1.length + p2.length + p3.length, done.size());

    // Part 2 sent again after part 3: it is stored on its own and the object is copied together.
    byte[] p2b = new byte[(int) S3Limits.MIN_PART_SIZE];
    random.nextBytes(p2b);
    MultipartUpload again = s.startMultipartUpload("archive", "resent", PutOptions.defaults());
    var d1 = again.uploadPart(1, new java.io.ByteArrayInputStream(p1), p1.length);
    again.uploadPart(2, new java.io.ByteArrayInputStream(p2), p2.length);
    var d3 = again.uploadPart(3, new java.io.ByteArrayInputStream(p3), p3.length);
    var d2 = again.uploadPart(2, new java.io.ByteArrayInputStream(p2b), p2b.length);
    again.complete(List.of(d1, d2, d3));
    assertArrayEquals(concat(p1, p2b, p3), s.get(ObjectRef.of("archive", "resent")).readAllBytes());

    // Fewer parts listed than were assembled: the object is the listed ones only.
    MultipartUpload fewer = s.startMultipartUpload("archive", "fewer", PutOptions.defaults());
    var e1 = fewer.uploadPart(1, new java.io.ByteArrayInputStream(p1), p1.length);
    var e2 = fewer.uploadPart(2, new java.io.ByteArrayInputStream(p3), p3.length);
    fewer.uploadPart(3, new java.io.ByteArrayInputStream(p2), p2.length);
    fewer.complete(List.of(e1, e2));
    assertArrayEquals(concat(p1, p3), s.get(ObjectRef.of("archive", "fewer")).readAllBytes());

    // A conditional completion refused leaves the parts as they were, and the upload completes later.
    s.put("archive", "taken", new byte[] {1}, PutOptions.defaults());
    MultipartUpload refused = s.startMultipartUpload("archive", "taken", PutOptions.builder().ifNoneMatch(true).build());
    var f1 = refused.uploadPart(1, new java.io.ByteArrayInputStream(p1), p1.length);
    var f2 = refused.uploadPart(2, new java.io.ByteArrayInputStream(p3), p3.length);
    assertEquals(Reason.PRECONDITION_FAILED,
        assertThrows(ObjectStoreException.class, () -> refused.complete(List.of(f1, f2))).reason());
    s.delete(ObjectRef.of("archive", "taken"));
    refused.complete(List.of(f1, f2));
    assertArrayEquals(concat(p1, p3), s.get(ObjectRef.of("archive", "taken")).readAllBytes());
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  private static String md5Hex(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(b));
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
