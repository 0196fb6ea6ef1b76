package io.lakevault.core.pack;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import io.lakevault.core.store.BoundedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads a pack: {@link #open} reads and checks the footer and the index (two range reads), and
 * {@link #openEntry} returns one entry's original bytes, decrypted, decompressed and checked against
 * the SHA-256 in the index. Anything that is not a valid pack of a version it reads fails with a
 * {@link PackFormatException} naming the pack and the problem.
 *
 * <p>In a version-2 pack, encrypted entries' names are sealed: {@link #entries()} and {@link #entry}
 * name them only once {@link #withKeys} (or {@link #loadKeys}) gave the keys, and an entry whose name
 * key was shredded stays unnamed for good. Entries are unsealed when asked for (four AES-GCM operations
 * each, 8-15 µs): a restore of a few objects of a pack of 100,000 does not pay for the others.
 */
public final class PackReader {
  private final RangeSource source;
  private final String name;
  private final long length;
  private final PackInfo info;
  /** As the index holds them: sealed names are not opened yet. */
  private final List<PackEntry> entries;
  /** Entries opened with the keys, by ordinal; filled as they are asked for. */
  private PackEntry[] opened;
  private final long indexStoredLength;
  private volatile PackKeys keys;
  private byte[] dictionary;

  private PackReader(RangeSource source, String name, long length, PackInfo info, List<PackEntry> entries,
      long indexStoredLength) {
    this.indexStoredLength = indexStoredLength;
    this.source = source;
    this.name = name;
    this.length = length;
    this.info = info;
    this.entries = entries;
  }

  /**
   * @param name how messages name the pack, e.g. its URI
   */
  public static PackReader open(RangeSource source, String name) throws IOException {
    long length = source.length();
    if (length < PackFormat.HEADER_SIZE + PackFormat.FOOTER_SIZE) {
      throw new PackFormatException(name + " is " + length + " bytes, smaller than an empty pack: truncated, or not a pack");
    }
    PackLayout.Footer footer = PackLayout.Footer.decode(
        source.read(length - PackFormat.FOOTER_SIZE, PackFormat.FOOTER_SIZE), length, name);
    byte[] stored = source.read(footer.indexOffset(), (int) Math.min(footer.indexStoredLength(), Integer.MAX_VALUE - 16));
    if (!Arrays.equals(sha256(stored), footer.indexSha256())) {
      throw new PackFormatException(name + ": the index fails its SHA-256: the pack is corrupt");
    }
    byte[] plain = decompress(stored, footer.indexLength(), name + " index");
    Binary.Reader r = new Binary.Reader(plain, 0, plain.length, name + " index");
    PackInfo info = PackLayout.readInfo(r, footer, name);
    List<PackEntry> entries = PackLayout.readEntries(r, footer, info, name);
    return new PackReader(source, name, length, info, entries, footer.indexStoredLength());
  }

  /** Checks the header too (one more range read): for whole-pack verification. */
  public void checkHeader() throws IOException {
    byte[] h = source.read(0, PackFormat.HEADER_SIZE);
    Binary.Reader r = new Binary.Reader(h, 0, h.length, name + " header");
    if (!PackLayout.hasMagic(h, PackFormat.MAGIC, 0)) {
      throw new PackFormatException(name + " does not start with the pack magic bytes: not a lakevault pack");
    }
    r.bytes(PackFormat.MAGIC.length);
    int version = r.u16();
    r.u16();
    r.u32();
    if (version != info.formatVersion() || !r.uuid().equals(info.packId())) {
      throw new PackFormatException(name + ": the header does not match the footer (version " + version
          + ", or another pack id): the pack is corrupt");
    }
  }

  public PackInfo info() {
    return info;
  }

  /** Every entry, in index order; with the keys given, opened (all of them, see {@link #entry}). */
  public List<PackEntry> entries() {
    if (keys == null) return entries;
    List<PackEntry> all = new java.util.ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) all.add(entry(i));
    return all;
  }

  /** Entry {@code ordinal}, opened with the keys if they were given; {@code null} when the pack has no such entry. */
  public synchronized PackEntry entry(int ordinal) {
    if (ordinal < 0 || ordinal >= entries.size()) return null;
    if (keys == null) return entries.get(ordinal);
    PackEntry e = opened[ordinal];
    if (e == null) {
      e = unseal(entries.get(ordinal));
      opened[ordinal] = e;
    }
    return e;
  }

  public long length() {
    return length;
  }

  /** Bytes read to know the pack: footer and index, and the dictionary once an entry needed it. */
  public synchronized long metadataBytesRead() {
    return PackFormat.FOOTER_SIZE + indexStoredLength + (dictionary == null ? 0 : info.dictionaryStoredLength());
  }

  public String name() {
    return name;
  }

  /** Supplies the keys of an encrypted pack, from its key file and the key-encryption key. */
  public PackReader withKeys(PackKeyFile keyFile, KeyEncryptionKey kek) {
    if (!info.encrypted()) return this;
    if (!kek.ref().equals(info.kekRef())) {
      throw new PackFormatException(name + " is encrypted with " + info.kekRef() + ", not " + kek.ref());
    }
    PackKeys k = PackKeys.open(info, keyFile, kek);
    synchronized (this) {
      this.keys = k;
      this.opened = new PackEntry[entries.size()];
    }
    return this;
  }

  /**
   * A version-2 entry with its name and content facts opened where their keys remain. A seal that fails
   * with its key present means a corrupt index or another pack's key file: the pack is refused.
   */
  private PackEntry unseal(PackEntry e) {
    if (!e.nameSealed()) return e;
    String what = name + " entry " + e.ordinal();
    long size = -1;
    byte[] sha = null;
    if (e.encrypted() && keys.has(e.keySlot())) {
      byte[] facts = open(e.keySlot(), PackFormat.AAD_ENTRY_CONTENT, e.sealed().content(), what + " content facts");
      Binary.Reader r = new Binary.Reader(facts, 0, facts.length, what + " content facts");
      size = r.i64();
      sha = r.bytes(32);
      if (size < 0 || r.remaining() != 0) throw r.corrupt("not a size and a SHA-256");
    }
    PackLayout.Description d = null;
    if (keys.has(e.nameSlot())) {
      byte[] plain = open(e.nameSlot(), PackFormat.AAD_ENTRY_NAME, e.sealed().name(), what + " name");
      Binary.Reader r = new Binary.Reader(plain, 0, plain.length, what + " name");
      d = PackLayout.readDescription(r, e.kind(), "entry " + e.ordinal());
      if (r.remaining() != 0) throw r.corrupt(r.remaining() + " bytes follow the name");
      if (sha != null && (d.size() != size || !Arrays.equals(d.sha256(), sha))) {
        throw new PackFormatException(what + ": its name and its content facts disagree on size or SHA-256: the pack is corrupt");
      }
    }
    return PackLayout.unsealed(e, d, size, sha);
  }

  private byte[] open(long slot, byte[] label, byte[] sealed, String what) {
    byte[] plain = Aead.open(keys.dataKey(slot, what), sealed, Aead.context(label, info.packId(), slot));
    if (plain == null) {
      throw new PackFormatException(what + " fails authentication: the pack is corrupt, or the key file is not this pack's");
    }
    return plain;
  }

  /**
   * For an encrypted pack in a store: reads its key file (the pack's key plus {@code .keys}) and unseals
   * the keys with the key-encryption key the pack names.
   *
   * @param keyVersionId the key file's version the catalog records; a PUT over the key file only adds a
   *     newer version, which this read never sees. {@code null} only for packs cataloged before versions
   *     were recorded: then the current version
   * @return bytes of the key file read, 0 for a pack that is not encrypted
   */
  public long loadKeys(io.lakevault.core.store.ObjectStore store, io.lakevault.core.store.ObjectRef pack,
      String keyVersionId, KeyEncryptionKey.Resolver keks) throws IOException {
    if (!info.encrypted()) return 0;
    byte[] kf;
    try (InputStream in = store.get(new io.lakevault.core.store.ObjectRef(pack.bucket(),
        pack.key() + PackFormat.KEY_FILE_SUFFIX, keyVersionId))) {
      kf = in.readAllBytes();
    }
    withKeys(PackKeyFile.decode(kf, name + PackFormat.KEY_FILE_SUFFIX), keks.resolve(info.kekRef()));
    return kf.length;
  }

  /** The entry's original bytes, read with one range request. */
  public InputStream openEntry(PackEntry e) throws IOException {
    return decode(e, source.open(e.storedOffset(), e.storedLength()));
  }

  public byte[] readEntry(PackEntry e) throws IOException {
    try (InputStream in = openEntry(e)) {
      return in.readAllBytes();
    }
  }

  /**
   * Decodes an entry from its stored bytes, however they were fetched (a restore coalesces the ranges of
   * neighbouring entries into one GET). Reading the stream to its end checks the size and SHA-256 and
   * fails with a {@link PackFormatException} naming the object when either is wrong.
   */
  public InputStream decode(PackEntry e, InputStream stored) throws IOException {
    if (e.kind() != PackEntry.Kind.DATA) {
      throw new IllegalArgumentException(e.describe() + " is a reference to pack " + e.refPackId() + " entry "
          + e.refOrdinal() + "; read it there");
    }
    String what = name + " entry " + e.ordinal() + " (" + e.describe() + ")";
    InputStream in = stored;
    if (e.encrypted()) {
      if (keys != null && !e.contentKnown()) {
        stored.close();
        keys.dataKey(e.keySlot(), what); // fails naming the shredded slot
      }
      if (keys == null) {
        stored.close();
        throw new PackFormatException(what + " is encrypted with " + info.kekRef()
            + "; no key was given: pass the pack's key file and its key-encryption key");
      }
      in = new EntryCipher.Decryptor(in, e.storedLength(), keys.dataKey(e.keySlot(), what), info.packId(), e.keySlot(),
          info.segmentSize(), what);
    } else {
      in = new BoundedInputStream(in, e.storedLength());
    }
    try {
      switch (e.codec()) {
        case RAW -> { }
        // Recycled input buffers: zstd's default allocates 128 KiB per stream, more than a small entry itself.
        case ZSTD -> in = new ZstdInputStreamNoFinalizer(in, RecyclingBufferPool.INSTANCE);
        case ZSTD_DICTIONARY -> in = new ZstdInputStreamNoFinalizer(in, RecyclingBufferPool.INSTANCE).setDict(dictionary());
        default -> throw new IllegalStateException();
      }
    } catch (ZstdIOException | ZstdException z) {
      in.close();
      throw new PackFormatException(what + ": the pack's dictionary cannot be loaded (" + z.getMessage()
          + "): the pack is corrupt");
    }
    return new VerifyingInputStream(in, e, what);
  }

  private synchronized byte[] dictionary() throws IOException {
    if (dictionary == null) {
      String what = name + " dictionary";
      byte[] stored = source.read(info.dictionaryOffset(), (int) info.dictionaryStoredLength());
      byte[] d = stored;
      if (info.encrypted()) {
        if (keys == null) throw new PackFormatException(what + " is encrypted; no key was given");
        try (InputStream in = new EntryCipher.Decryptor(new ByteArrayInputStream(stored), stored.length,
            keys.dataKey(PackFormat.DICTIONARY_KEY_SLOT, what), info.packId(), PackFormat.DICTIONARY_KEY_SLOT,
            info.segmentSize(), what)) {
          d = in.readAllBytes();
        }
      }
      if (d.length != info.dictionaryLength() || Zstd.getDictIdFromDict(d) != info.dictionaryId()) {
        throw new PackFormatException(what + " is not the dictionary the index names (length or id differ): the pack is corrupt");
      }
      dictionary = d;
    }
    return dictionary;
  }

  private static byte[] decompress(byte[] stored, long expected, String what) {
    long declared = Zstd.decompressedSize(stored);
    if (declared != expected) {
      throw new PackFormatException(what + " declares " + declared + " bytes, the footer " + expected + ": the pack is corrupt");
    }
    byte[] out = new byte[(int) expected];
    try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
      int n = ctx.decompressByteArray(out, 0, out.length, stored, 0, stored.length);
      if (n != expected) throw new PackFormatException(what + " decompresses to " + n + " bytes, not " + expected);
    } catch (ZstdException e) {
      throw new PackFormatException(what + " cannot be decompressed (" + e.getMessage() + "): the pack is corrupt");
    }
    return out;
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Counts and hashes the decoded bytes; at the end, compares both with the index. */
  private static final class VerifyingInputStream extends FilterInputStream {
    private final PackEntry entry;
    private final String what;
    private final MessageDigest digest;
    private long count;
    private boolean checked;

    VerifyingInputStream(InputStream in, PackEntry entry, String what) {
      super(in);
      this.entry = entry;
      this.what = what;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      int n;
      try {
        n = in.read(b, off, len);
      } catch (ZstdIOException | ZstdException e) {
        throw new PackFormatException(what + " cannot be decompressed (" + e.getMessage() + "): the entry is corrupt");
      }
      if (n < 0) {
        check();
        return -1;
      }
      count += n;
      if (count > entry.size()) {
        throw new PackFormatException(what + " decodes to more than its " + entry.size() + " bytes: the entry is corrupt");
      }
      digest.update(b, off, n);
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[(int) Math.min(n, 8192)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }

    private void check() {
      if (checked) return;
      checked = true;
      if (count != entry.size()) {
        throw new PackFormatException(what + " decodes to " + count + " bytes, not " + entry.size() + ": the entry is corrupt");
      }
      byte[] sha = digest.digest();
      if (!Arrays.equals(sha, entry.sha256())) {
        throw new PackFormatException(what + " has SHA-256 " + HexFormat.of().formatHex(sha) + ", not "
            + entry.sha256Hex() + " as indexed: the entry is corrupt");
      }
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
