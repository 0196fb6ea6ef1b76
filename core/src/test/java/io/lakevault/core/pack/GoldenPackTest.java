package io.lakevault.core.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.pack.PackTestSupport.Member;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Packs written once and kept under {@code src/test/resources/packs}: every later reader must read them.
 * A change that breaks this test breaks packs already in Deep Archive; it needs a new format version
 * (and a reader for the old one), not new golden files.
 *
 * <p>Write the golden packs of a new format version, once, when adding it (the older ones stay):
 * {@code mvn -pl core test -Dtest=GoldenPackTest -Dlakevault.golden.write=true}.
 */
class GoldenPackTest {
  static final Path DIR = Path.of("src/test/resources/packs");
  static final UUID PLAIN_ID = UUID.fromString("6c1f3d0a-6a3e-4d55-9a0e-2f0c6b1d7e01");
  static final UUID ENCRYPTED_ID = UUID.fromString("6c1f3d0a-6a3e-4d55-9a0e-2f0c6b1d7e02");
  static final UUID REF_TARGET = UUID.fromString("00000000-0000-4000-8000-000000000042");

  static List<Member> members() {
    return PackTestSupport.members(2026, 40, 2500);
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = GoldenPackTest.class.getResourceAsStream("/packs/" + name)) {
      if (in == null) throw new IOException("missing test resource packs/" + name);
      return in.readAllBytes();
    }
  }

  @ParameterizedTest(name = "version {0}")
  @ValueSource(ints = {1, 2})
  void readsThePlainPackOfEveryVersion(int version) throws Exception {
    String name = "golden-v" + version + ".lvp";
    byte[] pack = resource(name);
    PackReader r = PackReader.open(RangeSource.of(pack), name);
    r.checkHeader();
    assertEquals(version, r.info().formatVersion());
    assertEquals(PLAIN_ID, r.info().packId());
    assertTrue(r.info().hasDictionary());
    checkEntries(r, members());
    checkReference(r.entries().get(members().size()));
    checkLayoutByHand(pack, PLAIN_ID, version, members().size() + 1);
  }

  @ParameterizedTest(name = "version {0}")
  @ValueSource(ints = {1, 2})
  void readsTheEncryptedPackOfEveryVersion(int version) throws Exception {
    String name = "golden-v" + version + "-encrypted.lvp";
    byte[] pack = resource(name);
    PackKeyFile keys = PackKeyFile.decode(resource(name + ".keys"), name + ".keys");
    Path dir = Files.createTempDirectory("golden-keys");
    Files.write(dir.resolve("golden.key"), resource("golden.key"));
    KeyEncryptionKey kek = new LocalKeyRing(dir).resolve("local:golden");
    PackReader r = PackReader.open(RangeSource.of(pack), name);
    // Version 2 names encrypted entries only to whoever holds their keys.
    assertEquals(version == 1, r.entries().get(0).named());
    r.withKeys(keys, kek);
    r.checkHeader();
    assertEquals(version, r.info().formatVersion());
    assertEquals(ENCRYPTED_ID, r.info().packId());
    assertEquals("local:golden", r.info().kekRef());
    checkEntries(r, members());
    // Version 1 wrote encrypted packs without references; version 2 seals a reference's name too.
    int references = version == 1 ? 0 : 1;
    if (references > 0) checkReference(r.entries().get(members().size()));
    checkLayoutByHand(pack, ENCRYPTED_ID, version, members().size() + references);
  }

  private static void checkReference(PackEntry ref) {
    assertEquals(PackEntry.Kind.REFERENCE, ref.kind());
    assertEquals(members().get(0).source().key(), ref.key());
    assertEquals(REF_TARGET, ref.refPackId());
    assertEquals(7, ref.refOrdinal());
  }

  private static void checkEntries(PackReader r, List<Member> members) throws Exception {
    for (int i = 0; i < members.size(); i++) {
      PackEntry e = r.entries().get(i);
      Member m = members.get(i);
      assertEquals(m.source().key(), e.key());
      assertEquals(m.source().versionId(), e.versionId());
      assertEquals(m.source().userMetadata(), e.userMetadata());
      assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(m.bytes()), e.sha256());
      assertArrayEquals(m.bytes(), r.readEntry(e), e.describe());
    }
  }

  /** Header and footer decoded from the byte offsets docs/pack-format.md gives, not through the reader. */
  private static void checkLayoutByHand(byte[] pack, UUID id, int version, int entries) throws Exception {
    ByteBuffer h = ByteBuffer.wrap(pack, 0, 40);
    byte[] magic = new byte[8];
    h.get(magic);
    assertArrayEquals(new byte[] {(byte) 0x89, 'L', 'V', 'P', 'K', '\r', '\n', 0x1A}, magic);
    assertEquals(version, h.getShort());
    assertEquals(0, h.getShort());
    assertEquals(40, h.getInt());
    assertEquals(id, new UUID(h.getLong(), h.getLong()));
    ByteBuffer f = ByteBuffer.wrap(pack, pack.length - 100, 100);
    long indexOffset = f.getLong();
    long indexStored = f.getLong();
    f.getLong();
    assertEquals(entries, f.getLong());
    byte[] sha = new byte[32];
    f.get(sha);
    assertEquals(pack.length - 100, indexOffset + indexStored);
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(java.util.Arrays.copyOfRange(pack,
        (int) indexOffset, (int) (indexOffset + indexStored))), sha);
    assertEquals(id, new UUID(f.getLong(), f.getLong()));
    assertEquals(version, f.getShort());
    assertEquals(0, f.getShort());
    assertEquals(100, f.getInt());
    f.getInt();
    byte[] end = new byte[8];
    f.get(end);
    assertArrayEquals(new byte[] {'L', 'V', 'P', 'K', 'E', 'N', 'D', (byte) 0x89}, end);
  }

  /** Writes the golden packs of the current version ({@link PackFormat#VERSION}); older ones stay as they are. */
  @Test
  @EnabledIfSystemProperty(named = "lakevault.golden.write", matches = "true")
  void writeGoldenPacks() throws Exception {
    String v = "golden-v" + PackFormat.VERSION;
    List<Member> members = members();
    byte[] dict = PackDictionary.train(PackTestSupport.samples(members), PackDictionary.DEFAULT_SIZE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PackWriter w = new PackWriter(out, PackTestSupport.options(PLAIN_ID).withDictionary(dict))) {
      for (Member m : members) w.add(m.source(), new ByteArrayInputStream(m.bytes()));
      Member first = members.get(0);
      w.addReference(first.source(), MessageDigest.getInstance("SHA-256").digest(first.bytes()), REF_TARGET, 7);
      w.finish();
    }
    Files.createDirectories(DIR);
    Files.write(DIR.resolve(v + ".lvp"), out.toByteArray());

    // The key-encryption key of the earlier golden packs, so one key reads them all.
    Path keys = Files.createTempDirectory("golden-keys");
    Files.write(keys.resolve("golden.key"), resource("golden.key"));
    LocalKeyRing ring = new LocalKeyRing(keys);
    PackWriter.Options o = PackTestSupport.options(ENCRYPTED_ID).withDictionary(dict)
        .withKeys(PackKeys.create(ENCRYPTED_ID, ring.resolve("local:golden")));
    ByteArrayOutputStream enc = new ByteArrayOutputStream();
    PackWriter.Summary summary;
    try (PackWriter w = new PackWriter(enc, o)) {
      for (Member m : members) w.add(m.source(), new ByteArrayInputStream(m.bytes()));
      Member first = members.get(0);
      w.addReference(first.source(), MessageDigest.getInstance("SHA-256").digest(first.bytes()), REF_TARGET, 7);
      summary = w.finish();
    }
    Files.write(DIR.resolve(v + "-encrypted.lvp"), enc.toByteArray());
    Files.write(DIR.resolve(v + "-encrypted.lvp.keys"), summary.keyFile().encode());
  }
}
