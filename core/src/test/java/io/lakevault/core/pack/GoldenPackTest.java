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

/**
 * Packs written once and kept under {@code src/test/resources/packs}: every later reader must read them.
 * A change that breaks this test breaks packs already in Deep Archive; it needs a new format version
 * (and a reader for the old one), not new golden files.
 *
 * <p>Regenerate only when adding a format version:
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

  @Test
  void readsTheVersionOnePlainPack() throws Exception {
    byte[] pack = resource("golden-v1.lvp");
    PackReader r = PackReader.open(RangeSource.of(pack), "golden-v1.lvp");
    r.checkHeader();
    assertEquals(PLAIN_ID, r.info().packId());
    assertTrue(r.info().hasDictionary());
    checkEntries(r, members());
    PackEntry ref = r.entries().get(members().size());
    assertEquals(PackEntry.Kind.REFERENCE, ref.kind());
    assertEquals(REF_TARGET, ref.refPackId());
    assertEquals(7, ref.refOrdinal());
    checkLayoutByHand(pack, PLAIN_ID, members().size() + 1);
  }

  @Test
  void readsTheVersionOneEncryptedPack() throws Exception {
    byte[] pack = resource("golden-v1-encrypted.lvp");
    PackKeyFile keys = PackKeyFile.decode(resource("golden-v1-encrypted.lvp.keys"), "golden-v1-encrypted.lvp.keys");
    Path dir = Files.createTempDirectory("golden-keys");
    Files.write(dir.resolve("golden.key"), resource("golden.key"));
    KeyEncryptionKey kek = new LocalKeyRing(dir).resolve("local:golden");
    PackReader r = PackReader.open(RangeSource.of(pack), "golden-v1-encrypted.lvp").withKeys(keys, kek);
    r.checkHeader();
    assertEquals(ENCRYPTED_ID, r.info().packId());
    assertEquals("local:golden", r.info().kekRef());
    checkEntries(r, members());
    checkLayoutByHand(pack, ENCRYPTED_ID, members().size());
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
  private static void checkLayoutByHand(byte[] pack, UUID id, int entries) throws Exception {
    ByteBuffer h = ByteBuffer.wrap(pack, 0, 40);
    byte[] magic = new byte[8];
    h.get(magic);
    assertArrayEquals(new byte[] {(byte) 0x89, 'L', 'V', 'P', 'K', '\r', '\n', 0x1A}, magic);
    assertEquals(1, h.getShort());
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
    assertEquals(1, f.getShort());
    assertEquals(0, f.getShort());
    assertEquals(100, f.getInt());
    f.getInt();
    byte[] end = new byte[8];
    f.get(end);
    assertArrayEquals(new byte[] {'L', 'V', 'P', 'K', 'E', 'N', 'D', (byte) 0x89}, end);
  }

  @Test
  @EnabledIfSystemProperty(named = "lakevault.golden.write", matches = "true")
  void writeGoldenPacks() throws Exception {
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
    Files.write(DIR.resolve("golden-v1.lvp"), out.toByteArray());

    Path keys = Files.createTempDirectory("golden-keys");
    LocalKeyRing ring = new LocalKeyRing(keys);
    ring.createIfMissing("local:golden");
    Files.copy(keys.resolve("golden.key"), DIR.resolve("golden.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    PackWriter.Options o = PackTestSupport.options(ENCRYPTED_ID).withDictionary(dict)
        .withKeys(PackKeys.create(ENCRYPTED_ID, ring.resolve("local:golden")));
    PackTestSupport.Written w = PackTestSupport.write(members, o);
    Files.write(DIR.resolve("golden-v1-encrypted.lvp"), w.pack());
    Files.write(DIR.resolve("golden-v1-encrypted.lvp.keys"), w.summary().keyFile().encode());
  }
}
