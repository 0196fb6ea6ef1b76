package io.lakevault.core.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.store.ObjectStore.ByteRange;
import io.lakevault.core.store.ObjectStoreException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ObjectStore} must have, run against the local store and against S3 on
 * moto_server. A difference between the two is a bug in one of them.
 */
public abstract class ObjectStoreContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  /** The store under test. */
  protected abstract ObjectStore store();

  /** How many keys one listing page holds in the store under test; the listing tests cross pages. */
  protected abstract int listPageSize();

  /**
   * Whether the store checks a single PUT's body against the checksum the writer sent. S3 does (BadDigest);
   * the emulator echoes the value unchecked, so its contract run cannot show the refusal.
   */
  protected boolean checksPutBodies() {
    return true;
  }

  protected String bucket(boolean versioning, boolean lock) {
    String b = "contract-" + BUCKETS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
    store().createBucket(b, versioning, lock);
    return b;
  }

  protected static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  protected static byte[] read(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String md5(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
  }

  private static <T> List<T> all(Iterator<T> it) {
    List<T> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void putThenGetAndHeadReturnBytesAndMetadata() throws Exception {
    String b = bucket(false, false);
    byte[] data = bytes("{\"event\":\"login\",\"user\":42}\n");
    ObjectMetadata put = store().put(b, "logs/2024/01/01/a.json", data, PutOptions.builder()
        .contentType("application/json").userMetadata("Source-System", "billing").build());
    assertEquals(md5(data), put.eTag());

    ObjectMetadata head = store().head(ObjectRef.of(b, "logs/2024/01/01/a.json"));
    assertEquals(data.length, head.size());
    assertEquals(md5(data), head.eTag());
    assertEquals("application/json", head.contentType());
    assertEquals(Map.of("source-system", "billing"), head.userMetadata());
    assertEquals(StorageClass.STANDARD, head.storageClass());
    assertTrue(head.eTagIsMd5());
    assertTrue(head.readable());
    assertArrayEquals(data, read(store().get(ObjectRef.of(b, "logs/2024/01/01/a.json"))));
  }

  @Test
  void rangedGetReturnsTheSliceAndClipsTheEnd() {
    String b = bucket(false, false);
    byte[] data = random(10_000, 1);
    store().put(b, "blob", data, PutOptions.defaults());
    byte[] slice = read(store().get(ObjectRef.of(b, "blob"), new ByteRange(100, 199)));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 200), slice);
    byte[] tail = read(store().get(ObjectRef.of(b, "blob"), new ByteRange(9_990, 20_000)));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 9_990, 10_000), tail);
    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> read(store().get(ObjectRef.of(b, "blob"), new ByteRange(10_000, 10_010))));
    assertEquals(Reason.INVALID_RANGE, e.reason());
  }

  @Test
  void missingObjectsAndBucketsHaveDistinctReasons() {
    String b = bucket(false, false);
    ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> store().head(ObjectRef.of(b, "nope")));
    assertEquals(Reason.NOT_FOUND, e.reason());
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
    e = assertThrows(ObjectStoreException.class, () -> read(store().get(ObjectRef.of(b, "nope"))));
    assertEquals(Reason.NOT_FOUND, e.reason());
    e = assertThrows(ObjectStoreException.class, () -> store().head(ObjectRef.of("no-such-bucket-x1", "k")));
    assertEquals(Reason.NO_SUCH_BUCKET, e.reason());
    assertFalse(store().bucketExists("no-such-bucket-x1"));
    assertTrue(store().bucketExists(b));
  }

  @Test
  void versionsDeleteMarkersAndPermanentDeletes() {
    String b = bucket(true, false);
    ObjectMetadata v1 = store().put(b, "tx/day.csv", bytes("v1"), PutOptions.defaults());
    ObjectMetadata v2 = store().put(b, "tx/day.csv", bytes("version two"), PutOptions.defaults());
    assertNotEquals(v1.versionId(), v2.versionId());
    assertArrayEquals(bytes("version two"), read(store().get(ObjectRef.of(b, "tx/day.csv"))));
    assertArrayEquals(bytes("v1"), read(store().get(new ObjectRef(b, "tx/day.csv", v1.versionId()))));
    assertEquals(2, store().head(new ObjectRef(b, "tx/day.csv", v1.versionId())).size());

    store().delete(ObjectRef.of(b, "tx/day.csv"));
    assertEquals(Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
        () -> store().head(ObjectRef.of(b, "tx/day.csv"))).reason());
    assertTrue(all(store().list(b, "tx/")).isEmpty(), "a delete marker hides the key from listings");

    List<ObjectVersion> versions = all(store().listVersions(b, "tx/"));
    assertEquals(3, versions.size());
    assertTrue(versions.get(0).isDeleteMarker());
    assertTrue(versions.get(0).isLatest());
    assertEquals(v2.versionId(), versions.get(1).versionId());
    assertEquals(v1.versionId(), versions.get(2).versionId());
    assertFalse(versions.get(1).isLatest());

    // Removing the delete marker brings the previous version back as current.
    store().delete(versions.get(0).ref());
    assertArrayEquals(bytes("version two"), read(store().get(ObjectRef.of(b, "tx/day.csv"))));
    // Removing the current version for good makes the older one current.
    store().delete(new ObjectRef(b, "tx/day.csv", v2.versionId()));
    assertArrayEquals(bytes("v1"), read(store().get(ObjectRef.of(b, "tx/day.csv"))));
    assertEquals(1, all(store().listVersions(b, "tx/")).size());
  }

  @Test
  void unversionedOverwriteKeepsOneVersion() {
    String b = bucket(false, false);
    store().put(b, "k", bytes("one"), PutOptions.defaults());
    store().put(b, "k", bytes("two"), PutOptions.defaults());
    List<ObjectVersion> versions = all(store().listVersions(b, "k"));
    assertEquals(1, versions.size());
    assertEquals("null", versions.get(0).versionId());
    store().delete(ObjectRef.of(b, "k"));
    assertTrue(all(store().listVersions(b, "")).isEmpty());
  }

  @Test
  void trickyKeysRoundTripAndListInBinaryOrder() {
    String b = bucket(false, false);
    String deep = "deep/" + "segment-of-forty-characters-abcdefghijk/".repeat(24);
    String longKey = deep + "x".repeat(1024 - deep.getBytes(StandardCharsets.UTF_8).length);
    assertEquals(1024, longKey.getBytes(StandardCharsets.UTF_8).length);
    List<String> keys = List.of("with space/file name.json", "plus+sign/a+b.csv", "percent%20/100%.bin",
        "unicode/données/日本語/ñ.txt", "emoji/🙂.json", longKey, "folder/", "a-b", "a/b", "A/b");
    for (String k : keys) {
      store().put(b, k, bytes("body of " + k), PutOptions.defaults());
    }
    for (String k : keys) {
      assertArrayEquals(bytes("body of " + k), read(store().get(ObjectRef.of(b, k))), k);
    }
    List<String> listed = all(store().list(b, "")).stream().map(ObjectVersion::key).toList();
    List<String> expected = new ArrayList<>(keys);
    expected.sort(Keys.UTF8_ORDER);
    assertEquals(expected, listed);
    List<String> versioned = all(store().listVersions(b, "")).stream().map(ObjectVersion::key).toList();
    assertEquals(expected, versioned);
  }

  @Test
  void listingCrossesPagesAndHonoursThePrefix() {
    String b = bucket(true, false);
    int n = listPageSize() * 2 + 3;
    for (int i = 0; i < n; i++) {
      store().put(b, String.format("p/%04d", i), bytes("x" + i), PutOptions.defaults());
    }
    store().put(b, "q/other", bytes("y"), PutOptions.defaults());
    store().put(b, "p/0000", bytes("second version"), PutOptions.defaults());
    List<ObjectVersion> listed = all(store().list(b, "p/"));
    assertEquals(n, listed.size());
    assertEquals("p/0000", listed.get(0).key());
    assertEquals(14, listed.get(0).size());
    assertEquals(String.format("p/%04d", n - 1), listed.get(n - 1).key());
    assertEquals(n + 1, all(store().listVersions(b, "p/")).size());
    assertEquals(n + 2, all(store().listVersions(b, "")).size());
  }

  @Test
  void archivedObjectsNeedARestoreBeforeTheyCanBeRead() {
    String b = bucket(false, false);
    byte[] data = bytes("cold bytes");
    store().put(b, "cold/pack", data, PutOptions.builder().storageClass(StorageClass.DEEP_ARCHIVE).build());
    ObjectMetadata head = store().head(ObjectRef.of(b, "cold/pack"));
    assertEquals(StorageClass.DEEP_ARCHIVE, head.storageClass());
    assertNull(head.restoreOngoing());
    assertFalse(head.readable());
    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> read(store().get(ObjectRef.of(b, "cold/pack"))));
    assertEquals(Reason.INVALID_OBJECT_STATE, e.reason());
    assertEquals(Reason.INVALID_OBJECT_STATE, assertThrows(ObjectStoreException.class,
        () -> store().readAll(ObjectRef.of(b, "cold/pack"), data.length)).reason());

    assertEquals(RestoreRequestResult.STARTED,
        store().requestRestore(ObjectRef.of(b, "cold/pack"), 3, RestoreTier.BULK));
    restoreCompletes(ObjectRef.of(b, "cold/pack"));
    ObjectMetadata restored = store().head(ObjectRef.of(b, "cold/pack"));
    assertEquals(Boolean.FALSE, restored.restoreOngoing());
    assertTrue(restored.restoreExpiry().isAfter(Instant.now().plus(2, ChronoUnit.DAYS)));
    assertArrayEquals(data, read(store().get(ObjectRef.of(b, "cold/pack"))));
    assertArrayEquals(data, store().readAll(ObjectRef.of(b, "cold/pack"), data.length).bytes());
    assertEquals(RestoreRequestResult.ALREADY_RESTORED,
        store().requestRestore(ObjectRef.of(b, "cold/pack"), 5, RestoreTier.BULK));

    store().put(b, "warm", data, PutOptions.defaults());
    e = assertThrows(ObjectStoreException.class,
        () -> store().requestRestore(ObjectRef.of(b, "warm"), 1, RestoreTier.STANDARD));
    assertEquals(Reason.INVALID_OBJECT_STATE, e.reason());
  }

  /** Lets a restore that was just requested complete; a no-op where restores complete at once. */
  protected void restoreCompletes(ObjectRef ref) {}

  @Test
  void objectLockRefusesPermanentDeletesUntilRetainUntil() {
    String b = bucket(true, true);
    Instant until = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    ObjectMetadata v = store().put(b, "locked", bytes("keep me"), PutOptions.builder()
        .objectLock(ObjectLockMode.COMPLIANCE, until).checksum(ChecksumAlgorithm.SHA256).build());
    ObjectMetadata head = store().head(ObjectRef.of(b, "locked"));
    assertEquals(ObjectLockMode.COMPLIANCE, head.lockMode());
    assertEquals(until, head.lockRetainUntil());

    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> store().delete(v.ref(), true));
    assertEquals(Reason.ACCESS_DENIED, e.reason());
    // A delete without a version id only adds a delete marker, which Object Lock allows.
    store().delete(ObjectRef.of(b, "locked"));
    assertArrayEquals(bytes("keep me"), read(store().get(v.ref())));

    ObjectMetadata g = store().put(b, "governed", bytes("g"), PutOptions.builder()
        .objectLock(ObjectLockMode.GOVERNANCE, until).checksum(ChecksumAlgorithm.SHA256).build());
    assertEquals(Reason.ACCESS_DENIED,
        assertThrows(ObjectStoreException.class, () -> store().delete(g.ref(), false)).reason());
    store().putLegalHold(g.ref(), true);
    assertTrue(store().head(g.ref()).legalHold());
    assertEquals(Reason.ACCESS_DENIED,
        assertThrows(ObjectStoreException.class, () -> store().delete(g.ref(), true)).reason(),
        "bypassing governance does not lift a legal hold");
    store().putLegalHold(g.ref(), false);
    store().delete(g.ref(), true);
    assertEquals(Reason.NOT_FOUND, assertThrows(ObjectStoreException.class, () -> store().head(g.ref())).reason());
  }

  @Test
  void openGivesBytesAndMetadataOfTheVersion() throws Exception {
    String b = bucket(true, false);
    ObjectMetadata v1 = store().put(b, "doc.json", bytes("{\"v\":1}"), PutOptions.builder()
        .contentType("application/json").userMetadata("owner", "ops").build());
    store().put(b, "doc.json", bytes("{\"v\":2}"), PutOptions.defaults());
    try (ObjectStore.ObjectContent c = store().open(v1.ref())) {
      assertArrayEquals(bytes("{\"v\":1}"), c.stream().readAllBytes());
      assertEquals("application/json", c.metadata().contentType());
      assertEquals(Map.of("owner", "ops"), c.metadata().userMetadata());
      assertEquals(v1.eTag(), c.metadata().eTag());
      assertEquals(v1.versionId(), c.metadata().versionId());
      assertEquals(7, c.metadata().size());
    }
    try (ObjectStore.ObjectContent c = store().open(ObjectRef.of(b, "doc.json"))) {
      assertArrayEquals(bytes("{\"v\":2}"), c.stream().readAllBytes());
    }
    assertEquals(Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
        () -> store().open(ObjectRef.of(b, "missing.json"))).reason());
  }

  /** If-Match: the null version read only while it still has the ETag the caller saw (the archive's sources). */
  @Test
  void aReadOnIfMatchIsRefusedOnceTheObjectWasReplaced() throws Exception {
    String b = bucket(false, false);
    ObjectMetadata first = store().put(b, "plain.json", bytes("{\"v\":1}"), PutOptions.defaults());
    ObjectRef nullVersion = new ObjectRef(b, "plain.json", "null");
    try (ObjectStore.ObjectContent c = store().open(nullVersion, first.eTag())) {
      assertArrayEquals(bytes("{\"v\":1}"), c.stream().readAllBytes());
    }
    assertArrayEquals(bytes("{\"v\":1}"), store().readAll(ObjectRef.of(b, "plain.json"), 100, first.eTag()).bytes());
    ObjectMetadata second = store().put(b, "plain.json", bytes("{\"v\":2}"), PutOptions.defaults());
    for (ObjectRef ref : List.of(nullVersion, ObjectRef.of(b, "plain.json"))) {
      assertEquals(Reason.PRECONDITION_FAILED, assertThrows(ObjectStoreException.class,
          () -> store().readAll(ref, 100, first.eTag())).reason(), ref.toString());
      assertEquals(Reason.PRECONDITION_FAILED, assertThrows(ObjectStoreException.class,
          () -> store().open(ref, first.eTag())).reason(), ref.toString());
    }
    assertArrayEquals(bytes("{\"v\":2}"), store().readAll(nullVersion, 100, second.eTag()).bytes());
  }

  @Test
  void readAllGivesTheVersionWholeAndTellsWhenItIsLongerThanAsked() {
    String b = bucket(true, false);
    byte[] first = random(70_000, 3);
    ObjectMetadata v1 = store().put(b, "logs/a.json", first, PutOptions.builder().contentType("application/json")
        .userMetadata("owner", "ops").build());
    store().put(b, "logs/a.json", bytes("second"), PutOptions.defaults());
    ObjectStore.ObjectBytes exact = store().readAll(v1.ref(), first.length);
    assertArrayEquals(first, exact.bytes());
    assertFalse(exact.longer());
    assertEquals(v1.eTag(), exact.metadata().eTag());
    assertEquals("application/json", exact.metadata().contentType());
    assertEquals(Map.of("owner", "ops"), exact.metadata().userMetadata());
    // Asked for less than it holds: the limit's worth, and the news that there is more.
    ObjectStore.ObjectBytes cut = store().readAll(v1.ref(), 1000);
    assertArrayEquals(java.util.Arrays.copyOf(first, 1000), cut.bytes());
    assertTrue(cut.longer());
    // Asked for more than it holds: what there is.
    ObjectStore.ObjectBytes current = store().readAll(ObjectRef.of(b, "logs/a.json"), 100);
    assertArrayEquals(bytes("second"), current.bytes());
    assertFalse(current.longer());
    store().put(b, "empty", new byte[0], PutOptions.defaults());
    assertEquals(0, store().readAll(ObjectRef.of(b, "empty"), 10).bytes().length);
    assertEquals(Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
        () -> store().readAll(ObjectRef.of(b, "missing.json"), 10)).reason());
  }

  /** The async read answers as the blocking one does, error for error, with more reads in flight than connections. */
  @Test
  void readAllAsyncAnswersAsReadAllDoesWithHundredsInFlight() throws Exception {
    String b = bucket(true, false);
    byte[] first = random(70_000, 5);
    ObjectMetadata v1 = store().put(b, "logs/a.json", first, PutOptions.builder().contentType("application/json").build());
    store().put(b, "logs/a.json", bytes("second"), PutOptions.defaults());
    java.util.concurrent.ExecutorService blocking = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      ObjectStore.ObjectBytes exact = readAsync(v1.ref(), first.length, null, blocking);
      assertArrayEquals(first, exact.bytes());
      assertFalse(exact.longer());
      assertEquals(v1.eTag(), exact.metadata().eTag());
      assertEquals("application/json", exact.metadata().contentType());
      ObjectStore.ObjectBytes cut = readAsync(v1.ref(), 1000, null, blocking);
      assertArrayEquals(java.util.Arrays.copyOf(first, 1000), cut.bytes());
      assertTrue(cut.longer());
      assertArrayEquals(bytes("second"), readAsync(ObjectRef.of(b, "logs/a.json"), 100, null, blocking).bytes());
      assertEquals(Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
          () -> readAsync(ObjectRef.of(b, "missing.json"), 10, null, blocking)).reason());
      String plain = bucket(false, false);
      ObjectMetadata was = store().put(plain, "plain.json", bytes("{\"v\":1}"), PutOptions.defaults());
      store().put(plain, "plain.json", bytes("{\"v\":2}"), PutOptions.defaults());
      assertEquals(Reason.PRECONDITION_FAILED, assertThrows(ObjectStoreException.class,
          () -> readAsync(ObjectRef.of(plain, "plain.json"), 100, was.eTag(), blocking)).reason());

      List<ObjectMetadata> many = new java.util.ArrayList<>();
      for (int i = 0; i < 300; i++) many.add(store().put(b, "many/" + i, bytes("object " + i), PutOptions.defaults()));
      List<java.util.concurrent.CompletableFuture<ObjectStore.ObjectBytes>> inFlight = new java.util.ArrayList<>();
      for (ObjectMetadata m : many) inFlight.add(store().readAllAsync(m.ref(), 100, null, blocking));
      for (int i = 0; i < many.size(); i++) assertArrayEquals(bytes("object " + i), inFlight.get(i).get().bytes());
    } finally {
      blocking.shutdownNow();
    }
  }

  private ObjectStore.ObjectBytes readAsync(ObjectRef ref, int limit, String ifMatch, java.util.concurrent.Executor blocking) {
    try {
      return store().readAllAsync(ref, limit, ifMatch, blocking).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw e;
    }
  }

  @Test
  void retentionSetAfterTheWriteLocksTheVersion() {
    String b = bucket(true, true);
    ObjectMetadata v = store().put(b, "later-locked", bytes("pack"), PutOptions.defaults());
    Instant until = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    store().putRetention(v.ref(), ObjectLockMode.COMPLIANCE, until);
    store().putRetention(v.ref(), ObjectLockMode.COMPLIANCE, until); // the same again: idempotent
    ObjectMetadata head = store().head(v.ref());
    assertEquals(ObjectLockMode.COMPLIANCE, head.lockMode());
    assertEquals(until, head.lockRetainUntil());
    assertEquals(Reason.ACCESS_DENIED, assertThrows(ObjectStoreException.class, () -> store().delete(v.ref(), true)).reason());
    store().putRetention(v.ref(), ObjectLockMode.COMPLIANCE, until.plus(1, ChronoUnit.DAYS));
    assertEquals(until.plus(1, ChronoUnit.DAYS), store().head(v.ref()).lockRetainUntil());
  }

  @Test
  void multipartUploadCompletesWithAPartCountETag() throws Exception {
    String b = bucket(false, false);
    byte[] p1 = random((int) S3Limits.MIN_PART_SIZE, 2);
    byte[] p2 = random(1234, 3);
    MultipartUpload up = store().startMultipartUpload(b, "big/object.bin", PutOptions.builder()
        .contentType("application/octet-stream").userMetadata("lakevault-pack", "1").build());
    List<ObjectStore.PendingUpload> pending = store().listMultipartUploads(b, "big/");
    assertEquals(1, pending.size());
    assertEquals(up.uploadId(), pending.get(0).uploadId());
    List<MultipartUpload.CompletedPart> parts = List.of(
        up.uploadPart(1, new ByteArrayInputStream(p1), p1.length),
        up.uploadPart(2, new ByteArrayInputStream(p2), p2.length));
    ObjectMetadata done = up.complete(parts);
    assertTrue(done.eTag().endsWith("-2"), done.eTag());
    assertEquals(p1.length + p2.length, done.size());
    assertTrue(store().listMultipartUploads(b, "").isEmpty());

    ObjectMetadata head = store().head(ObjectRef.of(b, "big/object.bin"));
    assertEquals(p1.length + p2.length, head.size());
    assertFalse(head.eTagIsMd5());
    assertEquals(Map.of("lakevault-pack", "1"), head.userMetadata());
    byte[] all = read(store().get(ObjectRef.of(b, "big/object.bin")));
    assertEquals(md5(concat(p1, p2)), md5(all));
  }

  private static String crc32(byte[] b) {
    java.util.zip.CRC32 c = new java.util.zip.CRC32();
    c.update(b);
    return Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(4).putInt((int) c.getValue()).array());
  }

  private static String sha256(byte[] b) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void aPutCarryingTheWritersChecksumStoresItAndADifferentBodyIsRefused() throws Exception {
    String b = bucket(true, false);
    byte[] data = random(70_000, 11);
    ObjectMetadata put = store().put(b, "sum/ok.bin", data,
        PutOptions.builder().checksum(ChecksumAlgorithm.SHA256, sha256(data)).build());
    assertEquals(sha256(data), put.checksums().get(ChecksumAlgorithm.SHA256));
    assertEquals(sha256(data), store().head(put.ref()).checksums().get(ChecksumAlgorithm.SHA256));
    if (!checksPutBodies()) return;
    byte[] damaged = data.clone();
    damaged[4321] ^= 1;
    ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> store().put(b, "sum/damaged.bin", damaged,
        PutOptions.builder().checksum(ChecksumAlgorithm.SHA256, sha256(data)).build()));
    assertEquals(Reason.BAD_DIGEST, e.reason(), e.getMessage());
    assertEquals(Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
        () -> store().head(ObjectRef.of(b, "sum/damaged.bin"))).reason());
  }

  @Test
  void aFullObjectChecksumIsTheWholeObjectsAndAWrongOneIsRefusedAtCompletion() throws Exception {
    String b = bucket(true, false);
    byte[] p1 = random((int) S3Limits.MIN_PART_SIZE, 12);
    byte[] p2 = random(4567, 13);
    PutOptions o = PutOptions.builder().fullObjectChecksum(ChecksumAlgorithm.CRC32).build();
    MultipartUpload up = store().startMultipartUpload(b, "sum/whole.bin", o);
    ObjectMetadata done = up.complete(List.of(up.uploadPart(1, new ByteArrayInputStream(p1), p1.length),
        up.uploadPart(2, new ByteArrayInputStream(p2), p2.length)), crc32(concat(p1, p2)));
    // Not a checksum of the part checksums with a part count, as a composite one is: the object's own.
    assertEquals(crc32(concat(p1, p2)), store().head(done.ref()).checksums().get(ChecksumAlgorithm.CRC32));

    MultipartUpload wrong = store().startMultipartUpload(b, "sum/wrong.bin", o);
    List<MultipartUpload.CompletedPart> parts = List.of(wrong.uploadPart(1, new ByteArrayInputStream(p1), p1.length),
        wrong.uploadPart(2, new ByteArrayInputStream(p2), p2.length));
    ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> wrong.complete(parts, crc32(p2)));
    assertEquals(Reason.BAD_DIGEST, e.reason(), e.getMessage());
    wrong.abort();
  }

  @Test
  void completingChecksEachPartAgainstTheETagItsUploadReturned() throws Exception {
    String b = bucket(false, false);
    byte[] p1 = random((int) S3Limits.MIN_PART_SIZE, 4);
    byte[] p2 = random(999, 5);
    MultipartUpload up = store().startMultipartUpload(b, "checked.bin", PutOptions.defaults());
    MultipartUpload.CompletedPart c1 = up.uploadPart(1, new ByteArrayInputStream(p1), p1.length);
    MultipartUpload.CompletedPart c2 = up.uploadPart(2, new ByteArrayInputStream(p2), p2.length);
    assertEquals(md5(p1), c1.eTag());
    // Part 2 listed with part 1's ETag: refused, and nothing becomes visible.
    assertThrows(ObjectStoreException.class, () -> up.complete(List.of(c1, new MultipartUpload.CompletedPart(2, c1.eTag(),
        null))));
    assertEquals(Reason.NOT_FOUND, assertThrows(ObjectStoreException.class,
        () -> store().head(ObjectRef.of(b, "checked.bin"))).reason());
    ObjectMetadata done = up.complete(List.of(c1, c2));
    assertEquals(p1.length + p2.length, done.size());
    assertEquals(md5(concat(p1, p2)), md5(read(store().get(ObjectRef.of(b, "checked.bin")))));
  }

  @Test
  void multipartUploadsCarryStorageClassAndObjectLock() {
    String b = bucket(true, true);
    Instant until = Instant.now().plus(400, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    byte[] p1 = random((int) S3Limits.MIN_PART_SIZE, 6);
    MultipartUpload up = store().startMultipartUpload(b, "packs/p-0001.lvp", PutOptions.builder()
        .storageClass(StorageClass.DEEP_ARCHIVE).objectLock(ObjectLockMode.COMPLIANCE, until)
        .checksum(ChecksumAlgorithm.SHA256).userMetadata("lakevault-format", "1").build());
    ObjectMetadata done = up.complete(List.of(up.uploadPart(1, new ByteArrayInputStream(p1), p1.length),
        up.uploadPart(2, new ByteArrayInputStream(bytes("tail")), 4)));
    ObjectMetadata head = store().head(new ObjectRef(b, "packs/p-0001.lvp", done.versionId()));
    assertEquals(StorageClass.DEEP_ARCHIVE, head.storageClass());
    assertEquals(ObjectLockMode.COMPLIANCE, head.lockMode());
    assertEquals(until, head.lockRetainUntil());
    assertEquals(p1.length + 4, head.size());
    assertEquals(Reason.ACCESS_DENIED,
        assertThrows(ObjectStoreException.class, () -> store().delete(head.ref(), true)).reason());
  }

  @Test
  void abortedUploadsLeaveNothing() {
    String b = bucket(false, false);
    MultipartUpload up = store().startMultipartUpload(b, "dangling", PutOptions.defaults());
    up.uploadPart(1, new ByteArrayInputStream(bytes("partial")), 7);
    store().abortMultipartUpload(b, "dangling", up.uploadId());
    assertTrue(store().listMultipartUploads(b, "").isEmpty());
    assertEquals(Reason.NOT_FOUND,
        assertThrows(ObjectStoreException.class, () -> store().head(ObjectRef.of(b, "dangling"))).reason());
  }

  @Test
  void multipartOutputStreamStreamsPartsAndAbortsOnFailure() throws Exception {
    String b = bucket(false, false);
    byte[] data = random((int) (S3Limits.MIN_PART_SIZE * 2 + 77), 4);
    try (MultipartOutputStream out = new MultipartOutputStream(store(), b, "streamed", PutOptions.defaults(),
        S3Limits.MIN_PART_SIZE)) {
      for (int off = 0; off < data.length; off += 1_000_003) {
        out.write(data, off, Math.min(1_000_003, data.length - off));
      }
    }
    assertTrue(store().head(ObjectRef.of(b, "streamed")).eTag().endsWith("-3"));
    assertEquals(md5(data), md5(read(store().get(ObjectRef.of(b, "streamed")))));

    // Continuing from bytes the caller buffered in a part-sized array of its own.
    byte[] first = new byte[(int) S3Limits.MIN_PART_SIZE];
    System.arraycopy(data, 0, first, 0, 4_000_000);
    try (MultipartOutputStream out = new MultipartOutputStream(store(), b, "continued", PutOptions.defaults(), first,
        4_000_000)) {
      out.write(data, 4_000_000, data.length - 4_000_000);
      assertEquals(data.length, out.bytesWritten());
    }
    assertEquals(md5(data), md5(read(store().get(ObjectRef.of(b, "continued")))));

    MultipartOutputStream abandoned = new MultipartOutputStream(store(), b, "abandoned", PutOptions.defaults(),
        S3Limits.MIN_PART_SIZE);
    abandoned.write(data, 0, (int) S3Limits.MIN_PART_SIZE + 10);
    abandoned.abort();
    assertTrue(store().listMultipartUploads(b, "").isEmpty());
    assertEquals(Reason.NOT_FOUND,
        assertThrows(ObjectStoreException.class, () -> store().head(ObjectRef.of(b, "abandoned"))).reason());
  }

  @Test
  void streamsOneAfterAnotherReuseThePartBuffersButNeverTheirBytes() throws Exception {
    String b = bucket(false, false);
    int part = (int) S3Limits.MIN_PART_SIZE;
    // Each stream hands its two part buffers to the next (PartBuffers): the arrays still hold the last
    // object's bytes, and none of them may reach the next object, whatever its length.
    byte[] big = random(part * 2 + 99, 11);
    byte[] oneAndABit = random(part + 5, 12);
    byte[] tiny = random(3, 13);
    Map<String, byte[]> written = new LinkedHashMap<>();
    written.put("big", big);
    written.put("one-and-a-bit", oneAndABit);
    written.put("tiny", tiny);
    for (Map.Entry<String, byte[]> e : written.entrySet()) {
      try (MultipartOutputStream out = new MultipartOutputStream(store(), b, e.getKey(), PutOptions.defaults(), part)) {
        out.write(e.getValue());
      }
    }
    // An aborted stream gives its buffers back too, after its part in flight is done.
    MultipartOutputStream abandoned = new MultipartOutputStream(store(), b, "abandoned", PutOptions.defaults(), part);
    abandoned.write(big, 0, part + 1);
    abandoned.abort();
    byte[] after = random(part + 1, 14);
    written.put("after-abort", after);
    try (MultipartOutputStream out = new MultipartOutputStream(store(), b, "after-abort", PutOptions.defaults(), part)) {
      out.write(after);
    }
    for (Map.Entry<String, byte[]> e : written.entrySet()) {
      assertArrayEquals(e.getValue(), read(store().get(ObjectRef.of(b, e.getKey()))), e.getKey());
    }
  }

  @Test
  void aPartThatFailsWhileTheNextFillsFailsTheStreamAndLeavesNothing() {
    String b = bucket(false, false);
    byte[] data = random((int) (S3Limits.MIN_PART_SIZE * 2 + 10), 8);
    MultipartOutputStream out = new MultipartOutputStream(store(), b, "lost-upload", PutOptions.defaults(),
        S3Limits.MIN_PART_SIZE);
    // The upload disappears behind the stream's back (another process aborted it): the part sent in the
    // background fails, and the writer hears of it at the next part or at close.
    ObjectStore.PendingUpload u = store().listMultipartUploads(b, "lost-upload").get(0);
    store().abortMultipartUpload(b, u.key(), u.uploadId());
    assertThrows(Exception.class, () -> {
      out.write(data, 0, data.length);
      out.close();
    });
    assertTrue(store().listMultipartUploads(b, "").isEmpty());
    assertEquals(Reason.NOT_FOUND,
        assertThrows(ObjectStoreException.class, () -> store().head(ObjectRef.of(b, "lost-upload"))).reason());
    assertThrows(IOException.class, () -> out.write(1), "a failed stream takes no more bytes");
  }

  @Test
  void additionalChecksumsAndEncryptionAreRecorded() throws Exception {
    String b = bucket(false, false);
    byte[] data = random(4096, 5);
    store().put(b, "sum", data, PutOptions.builder().checksum(ChecksumAlgorithm.SHA256)
        .serverSideEncryption("AES256", null).build());
    ObjectMetadata head = store().head(ObjectRef.of(b, "sum"));
    assertEquals(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(data)),
        head.checksums().get(ChecksumAlgorithm.SHA256));
    assertEquals("AES256", head.serverSideEncryption());
  }

  @Test
  void conditionalPutRefusesAnExistingKey() {
    String b = bucket(false, false);
    PutOptions once = PutOptions.builder().ifNoneMatch(true).build();
    store().put(b, "packs/p-1", bytes("first"), once);
    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> store().put(b, "packs/p-1", bytes("second"), once));
    assertEquals(Reason.PRECONDITION_FAILED, e.reason());
    assertArrayEquals(bytes("first"), read(store().get(ObjectRef.of(b, "packs/p-1"))));
  }

  /** What the archive job checks of a target before it writes a byte there. */
  @Test
  void bucketProtectionSaysWhetherTheBucketKeepsVersionsAndLocks() {
    assertEquals(new ObjectStore.BucketProtection(false, false), store().bucketProtection(bucket(false, false)));
    assertEquals(new ObjectStore.BucketProtection(true, false), store().bucketProtection(bucket(true, false)));
    assertEquals(new ObjectStore.BucketProtection(true, true), store().bucketProtection(bucket(true, true)));
  }

  /** Compare-and-swap, what a run lease is built on: only the writer that read the current ETag replaces it. */
  @Test
  void conditionalPutReplacesOnlyTheETagItWasGiven() {
    String b = bucket(true, false);
    ObjectMetadata first = store().put(b, "lease.json", bytes("held by run a"), PutOptions.builder().ifNoneMatch(true).build());
    ObjectMetadata second = store().put(b, "lease.json", bytes("renewed by run a"),
        PutOptions.builder().ifMatch(first.eTag()).build());
    ObjectStoreException stale = assertThrows(ObjectStoreException.class, () -> store().put(b, "lease.json",
        bytes("taken by run b"), PutOptions.builder().ifMatch(first.eTag()).build()));
    assertEquals(Reason.PRECONDITION_FAILED, stale.reason());
    assertArrayEquals(bytes("renewed by run a"), read(store().get(ObjectRef.of(b, "lease.json"))));
    store().put(b, "lease.json", bytes("taken by run b"), PutOptions.builder().ifMatch(second.eTag()).build());
    assertArrayEquals(bytes("taken by run b"), read(store().get(ObjectRef.of(b, "lease.json"))));
    ObjectStoreException missing = assertThrows(ObjectStoreException.class, () -> store().put(b, "no-lease.json",
        bytes("x"), PutOptions.builder().ifMatch(second.eTag()).build()));
    assertEquals(Reason.NOT_FOUND, missing.reason());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
