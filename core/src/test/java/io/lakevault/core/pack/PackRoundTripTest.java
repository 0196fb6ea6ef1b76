package io.lakevault.core.pack;

import static io.lakevault.core.pack.PackTestSupport.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.pack.PackTestSupport.Member;
import io.lakevault.core.pack.PackTestSupport.Written;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PackRoundTripTest {
  @TempDir Path keysDir;

  private KeyEncryptionKey kek(String ref) {
    LocalKeyRing ring = new LocalKeyRing(keysDir);
    ring.createIfMissing(ref);
    return ring.resolve(ref);
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  @ParameterizedTest(name = "encrypted={0} dictionary={1}")
  @CsvSource({"false,false", "false,true", "true,false", "true,true"})
  void everyEntryReadsBackAsWritten(boolean encrypted, boolean dictionary) throws Exception {
    List<Member> members = PackTestSupport.members(encrypted ? 11 : 7, 120, 40_000);
    UUID id = UUID.randomUUID();
    KeyEncryptionKey kek = kek("local:test");
    // A low in-memory limit sends the larger members down the streamed path.
    PackWriter.Options o = PackTestSupport.options(id).withInMemoryLimit(30_000);
    if (encrypted) o = o.withKeys(PackKeys.create(id, kek));
    if (dictionary) {
      o = o.withDictionary(PackDictionary.train(PackTestSupport.samples(members), PackDictionary.DEFAULT_SIZE));
      assertNotNull(o.dictionary());
    }
    Written w = PackTestSupport.write(members, o);

    assertEquals(HexFormat.of().formatHex(sha256(w.pack())), w.summary().sha256());
    assertEquals(w.pack().length, w.summary().storedBytes());
    assertEquals(members.size(), w.summary().entries());
    assertEquals(encrypted, w.summary().keyFile() != null);

    PackReader reader = PackReader.open(RangeSource.of(w.pack()), "test.pack");
    reader.checkHeader();
    if (encrypted) {
      reader.withKeys(PackKeyFile.decode(w.summary().keyFile().encode(), "test.pack.keys"), kek);
    }
    assertEquals(id, reader.info().packId());
    assertEquals("finra-7y", reader.info().retentionClass());
    assertEquals("DEEP_ARCHIVE", reader.info().storageClass());
    assertEquals("COMPLIANCE", reader.info().lockMode());
    assertEquals(dictionary, reader.info().hasDictionary());
    assertEquals(members.size(), reader.entries().size());
    long streamed = 0;
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      PackEntry e = reader.entries().get(i);
      EntrySource s = m.source();
      assertEquals(i, e.ordinal());
      assertEquals(List.of(s.bucket(), s.key(), String.valueOf(s.versionId()), s.eTag(), s.contentType()),
          List.of(e.bucket(), e.key(), String.valueOf(e.versionId()), e.eTag(), e.contentType()));
      assertEquals(s.lastModified(), e.lastModified());
      assertEquals(s.retainUntil(), e.retainUntil());
      assertEquals(s.userMetadata(), e.userMetadata());
      assertEquals(m.bytes().length, e.size());
      assertEquals(encrypted, e.encrypted());
      assertArrayEquals(sha256(m.bytes()), e.sha256());
      PackEntry asWritten = w.entries().get(i);
      assertEquals(List.of(asWritten.storedOffset(), asWritten.storedLength(), asWritten.keySlot()),
          List.of(e.storedOffset(), e.storedLength(), e.keySlot()));
      assertEquals(asWritten.codec(), e.codec());
      assertArrayEquals(m.bytes(), reader.readEntry(e), e.describe());
      if (e.size() > 30_000) streamed++;
    }
    assertTrue(streamed > 0, "some entries took the streamed path");
    // Incompressible members are stored raw rather than grown.
    assertTrue(reader.entries().stream().anyMatch(e -> e.codec() == PackFormat.Codec.RAW));
  }

  @Test
  void compressesStructuredRecordsAndADictionaryHelpsSmallOnes() throws Exception {
    List<Member> members = PackTestSupport.members(3, 400, 3000).stream()
        .filter(m -> !m.source().key().endsWith(".bin")).toList();
    long original = members.stream().mapToLong(m -> m.bytes().length).sum();
    Written plain = PackTestSupport.write(members, PackTestSupport.options(UUID.randomUUID()));
    byte[] dict = PackDictionary.train(PackTestSupport.samples(members), PackDictionary.DEFAULT_SIZE);
    Written withDict = PackTestSupport.write(members, PackTestSupport.options(UUID.randomUUID()).withDictionary(dict));
    assertTrue(plain.pack().length < original / 2, plain.pack().length + " of " + original);
    assertTrue(withDict.pack().length < plain.pack().length, withDict.pack().length + " vs " + plain.pack().length);
  }

  /**
   * A pack whose dictionary was trained on its first members (JSON) and that then holds other content
   * (CSV trade rows): the CSV entries are compressed without the dictionary, which would make them
   * larger, while the JSON ones keep it; every entry reads back.
   */
  @Test
  void theDictionaryIsUsedByTheKindsItHelpsAndNotByTheOthers() throws Exception {
    List<Member> json = PackTestSupport.members(5, 160, 20_000).stream()
        .filter(m -> m.source().key().endsWith(".json") && m.bytes().length > 2000).toList();
    java.util.Random r = new java.util.Random(9);
    List<Member> members = new java.util.ArrayList<>(json);
    for (int i = 0; i < 80; i++) {
      byte[] rows = csvRows(r, 8000 + r.nextInt(24_000));
      members.add(new Member(new EntrySource("acme-trades", "trades/2026/part-" + i + ".csv", null, "\"e" + i + "\"",
          java.time.Instant.parse("2026-01-01T00:00:00Z"), rows.length, null, "text/csv", Map.of(), null), rows));
    }
    byte[] dict = PackDictionary.train(PackTestSupport.samples(json), PackDictionary.DEFAULT_SIZE);
    Written w = PackTestSupport.write(members, PackTestSupport.options(UUID.randomUUID()).withDictionary(dict));

    PackReader reader = PackReader.open(RangeSource.of(w.pack()), "mixed.pack");
    long csvStored = 0;
    long csvWithDictionary = 0;
    try (var withDict = new com.github.luben.zstd.ZstdCompressCtx().setLevel(3).setContentSize(true)) {
      withDict.loadDict(dict);
      for (int i = 0; i < members.size(); i++) {
        Member m = members.get(i);
        PackEntry e = reader.entries().get(i);
        assertArrayEquals(m.bytes(), reader.readEntry(e), e.describe());
        if (m.source().key().endsWith(".json")) {
          assertEquals(PackFormat.Codec.ZSTD_DICTIONARY, e.codec(), e.describe());
        } else {
          csvStored += e.storedLength();
          csvWithDictionary += withDict.compress(m.bytes()).length;
        }
      }
    }
    long csvPlain = reader.entries().stream().filter(e -> e.key().endsWith(".csv"))
        .filter(e -> e.codec() == PackFormat.Codec.ZSTD).count();
    assertTrue(csvPlain >= 80 - PackWriter.DictionaryUse.FIRST_PROBES, csvPlain + " of 80 CSV entries without the dictionary");
    assertTrue(csvStored < csvWithDictionary, csvStored + " stored vs " + csvWithDictionary + " with the dictionary");
  }

  @Test
  void aMembersKindIsItsKeysExtension() {
    assertEquals("json", PackWriter.kindOf("logs/2026/01/app.JSON"));
    assertEquals("gz", PackWriter.kindOf("logs/app.json.gz"));
    assertEquals("", PackWriter.kindOf("v1.2/README"));
    assertEquals("", PackWriter.kindOf("config/.env"));
    assertEquals("", PackWriter.kindOf("file."));
    assertEquals("", PackWriter.kindOf("blob.abcdefghijklmnopq"));
  }

  /** Trade rows: numbers and tickers, nothing a dictionary of JSON logs has seen. */
  private static byte[] csvRows(java.util.Random r, int size) {
    StringBuilder sb = new StringBuilder(size + 100);
    String[] tickers = {"ACME", "GLOBX", "INITECH", "UMBR", "HOOLI", "VANDEL"};
    while (sb.length() < size) {
      sb.append(1_700_000_000L + r.nextInt(1_000_000)).append(';').append(tickers[r.nextInt(tickers.length)]).append(';')
          .append(r.nextInt(100_000) / 100.0).append(';').append(r.nextInt(5000)).append(';')
          .append(r.nextBoolean() ? 'B' : 'S').append('\n');
    }
    return sb.substring(0, size).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void tooLittleToTrainOnGivesNoDictionary() {
    assertNull(PackDictionary.train(List.of(new byte[100], new byte[100]), PackDictionary.DEFAULT_SIZE));
  }

  @Test
  void referencesStoreNoBytesAndPointAtTheirTarget() throws Exception {
    UUID target = UUID.randomUUID();
    Member m = PackTestSupport.members(5, 1, 100).get(0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] sha = sha256(m.bytes());
    try (PackWriter w = new PackWriter(out, PackTestSupport.options(UUID.randomUUID()))) {
      w.add(m.source(), new ByteArrayInputStream(m.bytes()));
      w.addReference(m.source(), sha, target, 42);
      PackWriter.Summary s = w.finish();
      assertEquals(1, s.entries());
      assertEquals(1, s.references());
    }
    PackReader r = PackReader.open(RangeSource.of(out.toByteArray()), "refs.pack");
    PackEntry ref = r.entries().get(1);
    assertEquals(PackEntry.Kind.REFERENCE, ref.kind());
    assertEquals(target, ref.refPackId());
    assertEquals(42, ref.refOrdinal());
    assertArrayEquals(sha, ref.sha256());
    assertEquals(0, ref.storedLength());
    assertFails(IllegalArgumentException.class, () -> r.openEntry(ref), "reference to pack " + target);
  }

  @Test
  void anEmptyPackIsValid() throws Exception {
    Written w = PackTestSupport.write(List.of(), PackTestSupport.options(UUID.randomUUID()));
    assertEquals(0, PackReader.open(RangeSource.of(w.pack()), "empty.pack").entries().size());
  }

  @Test
  void aSourceThatChangedIsRefusedBeforeAnyByteIsWritten() throws Exception {
    List<Member> members = PackTestSupport.members(9, 3, 1000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PackWriter w = new PackWriter(out, PackTestSupport.options(UUID.randomUUID()))) {
      Member shorter = members.get(1);
      long before = w.bytesWritten();
      assertFails(SourceMismatchException.class,
          () -> w.add(shorter.source(), new ByteArrayInputStream(shorter.bytes(), 0, shorter.bytes().length - 1)),
          shorter.source().describe(), "changed after the inventory");
      Member m = members.get(2);
      byte[] md5 = MessageDigest.getInstance("MD5").digest(m.bytes());
      md5[0] ^= 1;
      EntrySource wrongEtag = new EntrySource(m.source().bucket(), m.source().key(), m.source().versionId(),
          m.source().eTag(), m.source().lastModified(), m.source().size(), null, null, null, md5);
      assertFails(SourceMismatchException.class, () -> w.add(wrongEtag, new ByteArrayInputStream(m.bytes())),
          "does not match its ETag");
      assertEquals(before, w.bytesWritten());
      w.add(members.get(0).source(), new ByteArrayInputStream(members.get(0).bytes()));
      w.finish();
    }
    PackReader r = PackReader.open(RangeSource.of(out.toByteArray()), "p");
    assertEquals(1, r.entries().size());
    assertArrayEquals(members.get(0).bytes(), r.readEntry(r.entries().get(0)));
  }

  @Test
  void aStreamedSourceThatChangedLeavesThePackUnusable() throws Exception {
    Member m = PackTestSupport.members(13, 1, 1000).get(0);
    byte[] longer = new byte[(int) m.source().size() + 10];
    try (PackWriter w = new PackWriter(new ByteArrayOutputStream(),
        PackTestSupport.options(UUID.randomUUID()).withInMemoryLimit(0))) {
      assertFails(SourceMismatchException.class, () -> w.add(m.source(), new ByteArrayInputStream(longer)), "longer than");
      assertFails(IllegalStateException.class, w::finish, "half-written");
    }
  }

  @ParameterizedTest(name = "encrypted={0}")
  @CsvSource({"false", "true"})
  void aCorruptEntryFailsOnlyThatEntry(boolean encrypted) throws Exception {
    List<Member> members = PackTestSupport.members(21, 10, 5000);
    UUID id = UUID.randomUUID();
    KeyEncryptionKey kek = kek("local:c");
    PackWriter.Options o = PackTestSupport.options(id);
    if (encrypted) o = o.withKeys(PackKeys.create(id, kek));
    Written w = PackTestSupport.write(members, o);
    PackEntry victim = w.entries().get(6);
    byte[] bad = w.pack().clone();
    bad[(int) (victim.storedOffset() + victim.storedLength() / 2)] ^= 0x40;
    PackReader r = PackReader.open(RangeSource.of(bad), "corrupt.pack");
    if (encrypted) r.withKeys(w.summary().keyFile(), kek);
    for (PackEntry e : r.entries()) {
      if (e.ordinal() == victim.ordinal()) {
        assertFails(PackFormatException.class, () -> r.readEntry(e), "corrupt.pack entry 6", e.key());
      } else {
        assertArrayEquals(members.get(e.ordinal()).bytes(), r.readEntry(e));
      }
    }
  }

  @Test
  void encryptedEntriesNeedTheRightKeyAndTheirKeyFile() throws Exception {
    KeyEncryptionKey kek = kek("local:right");
    UUID id = UUID.randomUUID();
    List<Member> members = PackTestSupport.members(17, 4, 2000);
    Written w = PackTestSupport.write(members, PackTestSupport.options(id).withKeys(PackKeys.create(id, kek)));
    assertTrue(indexOf(w.pack(), Arrays.copyOf(members.get(1).bytes(), 32)) < 0, "plaintext in the pack");

    PackReader noKeys = PackReader.open(RangeSource.of(w.pack()), "enc.pack");
    assertFails(PackFormatException.class, () -> noKeys.readEntry(noKeys.entries().get(1)),
        "is encrypted with local:right", "no key was given");

    // Another key file under the same name: the fingerprint tells them apart.
    LocalKeyRing other = new LocalKeyRing(keysDir.resolve("other"));
    other.createIfMissing("local:right");
    assertFails(LakevaultException.class,
        () -> PackReader.open(RangeSource.of(w.pack()), "enc.pack").withKeys(w.summary().keyFile(), other.resolve("local:right")),
        "fingerprint", "not the one the pack was written with");

    // A key file without an entry's slot: that entry is shredded, the others read.
    PackReader shredded = PackReader.open(RangeSource.of(w.pack()), "enc.pack")
        .withKeys(w.summary().keyFile().without(1), kek);
    assertFails(PackFormatException.class, () -> shredded.readEntry(shredded.entries().get(1)), "crypto-shredded");
    assertArrayEquals(members.get(2).bytes(), shredded.readEntry(shredded.entries().get(2)));

    // Another pack's key file is refused by its pack id.
    UUID id2 = UUID.randomUUID();
    Written w2 = PackTestSupport.write(members, PackTestSupport.options(id2).withKeys(PackKeys.create(id2, kek)));
    assertFails(PackFormatException.class,
        () -> PackReader.open(RangeSource.of(w.pack()), "enc.pack").withKeys(w2.summary().keyFile(), kek),
        "belongs to pack " + id2);

    assertFails(LakevaultException.class, () -> new LocalKeyRing(keysDir).resolve("local:missing"),
        "does not exist", "missing.key");
    assertFails(LakevaultException.class, () -> new LocalKeyRing(keysDir).resolve("local:../etc/passwd"), "must be");
  }

  /**
   * Version 2: an encrypted pack's bytes hold no key name, bucket, version, ETag, metadata value or
   * SHA-256 of any member, in the data or in the index (decompressed), and without the keys the index
   * names nothing; with them, everything, references included.
   */
  @Test
  void anEncryptedPackNamesNothingWithoutItsKeys() throws Exception {
    KeyEncryptionKey kek = kek("local:names");
    UUID id = UUID.randomUUID();
    List<Member> members = PackTestSupport.members(23, 30, 3000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PackWriter.Summary s;
    try (PackWriter w = new PackWriter(out, PackTestSupport.options(id).withKeys(PackKeys.create(id, kek)))) {
      for (Member m : members) w.add(m.source(), new ByteArrayInputStream(m.bytes()));
      w.addReference(members.get(3).source(), sha256(members.get(3).bytes()), UUID.randomUUID(), 9);
      s = w.finish();
    }
    byte[] pack = out.toByteArray();
    byte[] index = plainIndex(pack);
    for (Member m : members) {
      EntrySource src = m.source();
      for (String secret : new String[] {src.key(), src.bucket(), src.versionId(), src.eTag()}) {
        if (secret == null) continue;
        byte[] b = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(indexOf(pack, b) < 0 && indexOf(index, b) < 0, "'" + secret + "' in the pack");
      }
      for (String v : src.userMetadata().values()) {
        assertTrue(indexOf(index, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)) < 0, v);
      }
      assertTrue(indexOf(index, sha256(m.bytes())) < 0, "a member's SHA-256 in the index");
    }
    PackReader r = PackReader.open(RangeSource.of(pack), "v2.pack");
    assertEquals(2, r.info().formatVersion());
    for (PackEntry e : r.entries()) {
      assertTrue(e.nameSealed() && !e.named() && !e.contentKnown(), e.describe());
    }
    r.withKeys(s.keyFile(), kek);
    PackEntry ref = r.entries().get(members.size());
    assertEquals(List.of(PackEntry.Kind.REFERENCE, members.get(3).source().key(), 9),
        List.of(ref.kind(), ref.key(), ref.refOrdinal()));
    assertEquals(-1, ref.keySlot());
    for (Member m : members) {
      assertArrayEquals(m.bytes(), r.readEntry(r.entries().get(members.indexOf(m))));
    }
  }

  /**
   * Shredding an entry's name key erases its name and leaves its bytes readable, checked by their sealed
   * size and SHA-256, for another object that shares them by reference; shredding both keys erases both.
   * Neighbours are untouched either way.
   */
  @Test
  void shreddingTheNameKeyErasesTheNameAndShreddingBothErasesTheBytes() throws Exception {
    KeyEncryptionKey kek = kek("local:shred");
    UUID id = UUID.randomUUID();
    List<Member> members = PackTestSupport.members(29, 12, 4000);
    Written w = PackTestSupport.write(members, PackTestSupport.options(id).withKeys(PackKeys.create(id, kek)));
    PackEntry two = w.entries().get(2);
    PackEntry five = w.entries().get(5);
    assertEquals(List.of(2L, PackFormat.NAME_SLOT_BASE + 2), List.of(two.keySlot(), two.nameSlot()));
    PackKeyFile shredded = w.summary().keyFile().without(two.nameSlot(), five.nameSlot(), five.keySlot());
    PackReader r = PackReader.open(RangeSource.of(w.pack()), "shred.pack").withKeys(shredded, kek);

    PackEntry nameless = r.entries().get(2);
    assertTrue(!nameless.named() && nameless.contentKnown());
    assertEquals(members.get(2).bytes().length, nameless.size());
    assertArrayEquals(members.get(2).bytes(), r.readEntry(nameless), "bytes kept for their other owners");

    PackEntry erased = r.entries().get(5);
    assertTrue(!erased.named() && !erased.contentKnown());
    assertFails(PackFormatException.class, () -> r.readEntry(erased), "slot 5", "crypto-shredded");
    for (int i : new int[] {0, 1, 3, 4, 6, 11}) {
      PackEntry e = r.entries().get(i);
      assertEquals(members.get(i).source().key(), e.key());
      assertArrayEquals(members.get(i).bytes(), r.readEntry(e));
    }
  }

  /** The index as the pack stores it, decompressed: what anyone who can read the pack can read. */
  private static byte[] plainIndex(byte[] pack) {
    java.nio.ByteBuffer f = java.nio.ByteBuffer.wrap(pack, pack.length - PackFormat.FOOTER_SIZE, 24);
    long offset = f.getLong();
    long stored = f.getLong();
    long length = f.getLong();
    return com.github.luben.zstd.Zstd.decompress(Arrays.copyOfRange(pack, (int) offset, (int) (offset + stored)),
        (int) length);
  }

  @Test
  void keyFilesRoundTripAndRefuseCorruption() {
    UUID id = UUID.randomUUID();
    PackKeyFile kf = new PackKeyFile(id, "alias/x", Map.of(0L, new byte[60], 5L, new byte[60]));
    byte[] b = kf.encode();
    PackKeyFile back = PackKeyFile.decode(b, "k");
    assertEquals(id, back.packId());
    assertEquals("alias/x", back.kekRef());
    assertEquals(java.util.Set.of(0L, 5L), back.sealedKeys().keySet());
    b[30] ^= 1;
    assertFails(PackFormatException.class, () -> PackKeyFile.decode(b, "s3://a/p.keys"), "s3://a/p.keys fails its CRC32C");
    assertFails(PackFormatException.class, () -> PackKeyFile.decode(new byte[] {1, 2, 3}, "x"), "not a lakevault key file");
  }

  @Test
  void aLargeEntryIsStreamedWithBoundedMemory() throws IOException {
    // 48 MiB through a 1 MiB in-memory limit: neither writer nor reader holds the object.
    long size = 48L << 20;
    EntrySource src = new EntrySource("b", "big.bin", null, null, null, size, null, null, null, null);
    UUID id = UUID.randomUUID();
    KeyEncryptionKey kek = kek("local:big");
    Path file = keysDir.resolve("big.pack");
    PackWriter.Summary s;
    try (var out = Files.newOutputStream(file);
        PackWriter w = new PackWriter(out, PackTestSupport.options(id).withKeys(PackKeys.create(id, kek))
            .withInMemoryLimit(1 << 20))) {
      w.add(src, new PatternStream(size));
      s = w.finish();
    }
    PackReader r = PackReader.open(RangeSource.of(Files.readAllBytes(file)), "big.pack").withKeys(s.keyFile(), kek);
    PackEntry e = r.entries().get(0);
    assertEquals(PackFormat.Codec.ZSTD, e.codec());
    try (InputStream in = r.openEntry(e); InputStream expected = new PatternStream(size)) {
      byte[] a = new byte[1 << 16];
      byte[] x = new byte[1 << 16];
      long total = 0;
      int n;
      while ((n = in.readNBytes(a, 0, a.length)) > 0) {
        assertEquals(n, expected.readNBytes(x, 0, n));
        assertTrue(Arrays.equals(a, 0, n, x, 0, n), "bytes differ near offset " + total);
        total += n;
      }
      assertEquals(size, total);
    }
  }

  /** Deterministic, mildly compressible bytes of any length, generated as read. */
  static final class PatternStream extends InputStream {
    private final long size;
    private long pos;

    PatternStream(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      if (pos >= size) return -1;
      long p = pos++;
      return (int) ((p * 31 + (p >>> 10) * 7 + (p >>> 17)) & 0x3F) + 32;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= size) return -1;
      int n = (int) Math.min(len, size - pos);
      for (int i = 0; i < n; i++) b[off + i] = (byte) read();
      return n;
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
}
