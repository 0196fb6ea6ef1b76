package io.lakevault.core.pack;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Writes one pack as a stream: header, optional dictionary, entries as they are added, then index and
 * footer on {@link #finish()}. Memory is bounded: an entry up to {@code inMemoryLimit} is held once
 * (to check its size and MD5 before any byte is written, and to pick raw or compressed), its compressed
 * forms (with and without the dictionary) and encrypted form in buffers reused from entry to entry; a larger one is
 * streamed through zstd and AES-GCM one buffer at a time. The encoded index grows with the entry count
 * (about 150 bytes an entry plus keys and metadata).
 *
 * <p>With a dictionary, each kind of member (its key's extension) is compressed with it only while it
 * helps: the dictionary is trained on the pack's first members, and a pack whose members change format
 * later would compress the others worse with it than without (bench/README.md, archive). The first
 * members of each kind, and one in {@value DictionaryUse#PROBE_EVERY} after them, are compressed both
 * ways and the smaller kept; the others follow what those probes found. Codec 1 and 2 entries may so
 * mix in one pack, as the format allows.
 *
 * <p>Not thread-safe; one writer per pack.
 */
public final class PackWriter implements AutoCloseable {

  /**
   * How to write the pack.
   *
   * @param keys {@code null} to write no entry encrypted
   * @param dictionary a zstd dictionary for small entries (see {@link PackDictionary}), or {@code null}
   * @param inMemoryLimit entries up to this size are read whole; larger ones are streamed
   */
  public record Options(UUID packId, Instant createdAt, String writer, String retentionClass, String storageClass,
      String lockMode, Instant lockRetainUntil, PackKeys keys, byte[] dictionary, int level, long inMemoryLimit) {

    public static Options of(UUID packId, String retentionClass, String storageClass) {
      return new Options(packId, Instant.now(), "lakevault", retentionClass, storageClass, null, null, null, null, 3,
          8L << 20);
    }

    public Options withKeys(PackKeys k) {
      return new Options(packId, createdAt, writer, retentionClass, storageClass, lockMode, lockRetainUntil, k,
          dictionary, level, inMemoryLimit);
    }

    public Options withDictionary(byte[] d) {
      return new Options(packId, createdAt, writer, retentionClass, storageClass, lockMode, lockRetainUntil, keys, d,
          level, inMemoryLimit);
    }

    public Options withLock(String mode, Instant until) {
      return new Options(packId, createdAt, writer, retentionClass, storageClass, mode, until, keys, dictionary,
          level, inMemoryLimit);
    }

    public Options withCreatedAt(Instant t) {
      return new Options(packId, t, writer, retentionClass, storageClass, lockMode, lockRetainUntil, keys, dictionary,
          level, inMemoryLimit);
    }

    public Options withInMemoryLimit(long limit) {
      return new Options(packId, createdAt, writer, retentionClass, storageClass, lockMode, lockRetainUntil, keys,
          dictionary, level, limit);
    }
  }

  /**
   * What was written.
   *
   * @param storedBytes the pack's length
   * @param keyFile the key file to store next to the pack, or {@code null} when nothing is encrypted
   * @param dictionary whether the pack carries a compression dictionary
   */
  public record Summary(UUID packId, int entries, int references, long originalBytes, long storedBytes,
      String sha256, PackKeyFile keyFile, boolean dictionary) {}

  private Options options;
  private final CountingOutputStream out;
  private final Binary.Writer index = new Binary.Writer(1 << 16);
  private final ZstdCompressCtx zstd;
  /** Without the dictionary, in a pack with one: for the kinds it does not help; made on first need. */
  private ZstdCompressCtx plainZstd;
  private final Map<String, DictionaryUse> dictionaryUse = new HashMap<>();
  private final MessageDigest sha256 = digest("SHA-256");
  private final MessageDigest md5 = digest("MD5");
  private final long dictionaryOffset;
  private final long dictionaryStoredLength;
  private final long dictionaryId;
  private int entries;
  private int references;
  private long originalBytes;
  private boolean failed;
  private boolean finished;
  private boolean released;
  private final byte[] copyBuffer = new byte[64 * 1024];
  /** Reused from entry to entry: an entry held in memory compressed, then sealed (at most about {@code inMemoryLimit}). */
  private byte[] compressed = new byte[0];
  private byte[] compressedPlain = new byte[0];
  private byte[] sealed = new byte[0];

  public PackWriter(OutputStream sink, Options options) throws IOException {
    this.options = options;
    this.out = new CountingOutputStream(sink);
    this.zstd = new ZstdCompressCtx().setLevel(options.level()).setChecksum(false).setContentSize(true);
    out.write(PackLayout.header(options.packId(), options.createdAt()));
    if (options.dictionary() != null) {
      byte[] dict = options.dictionary();
      if (dict.length > PackFormat.MAX_DICTIONARY_BYTES) {
        throw new IllegalArgumentException("a pack dictionary is at most " + PackFormat.MAX_DICTIONARY_BYTES + " bytes");
      }
      dictionaryId = Zstd.getDictIdFromDict(dict);
      zstd.loadDict(dict);
      dictionaryOffset = out.count;
      writeStored(dict, dict.length, PackFormat.DICTIONARY_KEY_SLOT, dataKey(PackFormat.DICTIONARY_KEY_SLOT));
      dictionaryStoredLength = out.count - dictionaryOffset;
    } else {
      dictionaryOffset = -1;
      dictionaryStoredLength = 0;
      dictionaryId = 0;
    }
  }

  /** Bytes written so far: what the pack's size would be without its index and footer. */
  public long bytesWritten() {
    return out.count;
  }

  public int entryCount() {
    return entries + references;
  }

  /**
   * Reads {@code data} to its end and appends it as the next entry.
   *
   * @throws SourceMismatchException when the bytes are not {@code src.size()} long or fail the expected MD5.
   *     An entry held in memory was not written and the pack can go on; a streamed one leaves the pack
   *     unusable, and {@link #finish()} refuses.
   */
  public PackEntry add(EntrySource src, InputStream data) throws IOException {
    ensureWritable();
    if (src.size() <= options.inMemoryLimit()) {
      return addInMemory(src, data);
    }
    return addStreamed(src, data);
  }

  private PackEntry addInMemory(EntrySource src, InputStream data) throws IOException {
    return add(src, data.readNBytes((int) src.size() + 1), null);
  }

  /**
   * Appends an object already in memory, read by the caller (who may have hashed it to look for a
   * duplicate first).
   *
   * @param sha256Digest the SHA-256 of {@code bytes} if the caller computed it, else {@code null}
   * @throws SourceMismatchException when {@code bytes} are not {@code src.size()} long or fail the
   *     expected MD5; nothing was written and the pack can go on
   */
  public PackEntry add(EntrySource src, byte[] bytes, byte[] sha256Digest) throws IOException {
    ensureWritable();
    if (bytes.length != src.size()) {
      throw new SourceMismatchException(src.describe() + " is " + (bytes.length > src.size() ? "longer than" : bytes.length + " bytes, not")
          + " the " + src.size() + " bytes the inventory lists: it changed after the inventory");
    }
    checkMd5(src, bytes);
    byte[] sha = sha256Digest != null ? sha256Digest : sha256.digest(bytes);
    long bound = Zstd.compressBound(bytes.length);
    DictionaryUse use = options.dictionary() == null ? null : dictionaryUse(src.key());
    boolean probe = use != null && use.probeNext();
    boolean withDictionary = use != null && (probe || use.withDictionary());
    PackFormat.Codec codec = PackFormat.Codec.ZSTD;
    byte[] stored = null;
    int storedLength = Integer.MAX_VALUE;
    if (withDictionary) {
      compressed = atLeast(compressed, bound);
      storedLength = zstd.compressByteArray(compressed, 0, compressed.length, bytes, 0, bytes.length);
      stored = compressed;
      codec = PackFormat.Codec.ZSTD_DICTIONARY;
    }
    if (!withDictionary || probe) {
      // Without a dictionary in the pack, zstd is the plain context; ties go to the dictionary.
      ZstdCompressCtx plain = use == null ? zstd : plainZstd();
      compressedPlain = atLeast(compressedPlain, bound);
      int plainLength = plain.compressByteArray(compressedPlain, 0, compressedPlain.length, bytes, 0, bytes.length);
      if (probe) use.record(storedLength, plainLength);
      if (plainLength < storedLength) {
        stored = compressedPlain;
        storedLength = plainLength;
        codec = PackFormat.Codec.ZSTD;
      }
    }
    if (storedLength >= bytes.length) {
      codec = PackFormat.Codec.RAW;
      stored = bytes;
      storedLength = bytes.length;
    }
    int ordinal = entryCount();
    long offset = out.count;
    failed = true; // a sink that fails mid-entry leaves the pack unusable
    byte[] dataKey = dataKey(ordinal);
    long slot = writeStored(stored, storedLength, ordinal, dataKey);
    failed = false;
    return record(src, ordinal, offset, out.count - offset, sha, codec, slot, dataKey);
  }

  private PackEntry addStreamed(EntrySource src, InputStream data) throws IOException {
    int ordinal = entryCount();
    long offset = out.count;
    sha256.reset();
    md5.reset();
    long read = 0;
    long slot = options.keys() == null ? -1 : ordinal;
    byte[] dataKey = dataKey(slot);
    failed = true; // until the entry is complete: a half-written entry cannot be taken back
    OutputStream target = new NonClosing(out);
    if (slot >= 0) {
      target = new EntryCipher.Encryptor(target, dataKey, options.packId(), slot, PackFormat.SEGMENT_SIZE);
    }
    try (ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(target, options.level())) {
      int n;
      while ((n = data.read(copyBuffer)) > 0) {
        read += n;
        if (read > src.size()) break;
        sha256.update(copyBuffer, 0, n);
        if (src.expectedMd5() != null) md5.update(copyBuffer, 0, n);
        z.write(copyBuffer, 0, n);
      }
    }
    if (read != src.size()) {
      throw new SourceMismatchException(src.describe() + " is " + (read > src.size() ? "longer than" : read + " bytes, not")
          + " the " + src.size() + " bytes the inventory lists: it changed after the inventory");
    }
    if (src.expectedMd5() != null && !Arrays.equals(md5.digest(), src.expectedMd5())) {
      throw md5Mismatch(src);
    }
    failed = false;
    return record(src, ordinal, offset, out.count - offset, sha256.digest(), PackFormat.Codec.ZSTD, slot, dataKey);
  }

  /**
   * Appends a reference: the object has the same bytes as entry {@code targetOrdinal} of pack
   * {@code targetPack}, so none are written. The caller has established the equal SHA-256.
   */
  public PackEntry addReference(EntrySource src, byte[] sha256Digest, UUID targetPack, int targetOrdinal) {
    ensureWritable();
    PackEntry e = sealName(new PackEntry(entryCount(), PackEntry.Kind.REFERENCE, src.bucket(), src.key(),
        src.versionId(), src.eTag(), src.lastModified(), src.size(), src.retainUntil(), 0, 0, sha256Digest.clone(),
        PackFormat.Codec.RAW, -1, src.contentType(), src.userMetadata(), targetPack, targetOrdinal, -1, null), null);
    PackLayout.writeEntry(index, e);
    references++;
    return e;
  }

  /**
   * Records the Object Lock the pack will be given, when it is only known once its members are (the
   * latest retain-until among them). Called before {@link #finish()}.
   */
  public void lock(String mode, Instant retainUntil) {
    options = options.withLock(mode, retainUntil);
  }

  /** Writes index and footer; the pack is complete once the sink has these bytes. */
  public Summary finish() throws IOException {
    ensureWritable();
    finished = true;
    PackKeys keys = options.keys();
    PackInfo info = new PackInfo(options.packId(), PackFormat.VERSION, options.createdAt(), options.writer(),
        options.retentionClass(), options.storageClass(), options.lockMode(), options.lockRetainUntil(),
        keys == null ? null : keys.kekRef(), keys == null ? null : keys.wrappedPackKey(), PackFormat.SEGMENT_SIZE,
        dictionaryOffset, dictionaryStoredLength, options.dictionary() == null ? 0 : options.dictionary().length,
        dictionaryId);
    Binary.Writer head = new Binary.Writer(256);
    PackLayout.writeInfo(head, info);
    byte[] infoBytes = head.toByteArray();
    byte[] entryBytes = index.toByteArray();
    byte[] plainIndex = new byte[infoBytes.length + entryBytes.length];
    System.arraycopy(infoBytes, 0, plainIndex, 0, infoBytes.length);
    System.arraycopy(entryBytes, 0, plainIndex, infoBytes.length, entryBytes.length);
    byte[] storedIndex;
    try (ZstdCompressCtx plain = new ZstdCompressCtx().setLevel(options.level())) {
      storedIndex = plain.compress(plainIndex);
    }
    long indexOffset = out.count;
    out.write(storedIndex);
    byte[] indexSha = digest("SHA-256").digest(storedIndex);
    out.write(new PackLayout.Footer(indexOffset, storedIndex.length, plainIndex.length, entryCount(), indexSha,
        options.packId(), PackFormat.VERSION, 0).encode());
    out.flush();
    close();
    return new Summary(options.packId(), entries, references, originalBytes, out.count,
        HexFormat.of().formatHex(out.digest.digest()), keys == null ? null : keys.keyFile(), options.dictionary() != null);
  }

  /** Releases native memory; does not close the sink. */
  @Override
  public void close() {
    if (!released) {
      released = true;
      zstd.close();
      if (plainZstd != null) plainZstd.close();
    }
  }

  /** A fresh key for {@code slot}, recorded for the key file; {@code null} when the pack is not encrypted. */
  private byte[] dataKey(long slot) {
    return options.keys() == null || slot < 0 ? null : options.keys().newDataKey(slot);
  }

  private long writeStored(byte[] stored, int length, long slot, byte[] dataKey) throws IOException {
    if (dataKey == null) {
      out.write(stored, 0, length);
      return -1;
    }
    sealed = atLeast(sealed, EntryCipher.sealedLength(length, PackFormat.SEGMENT_SIZE));
    int n = EntryCipher.seal(stored, 0, length, sealed, dataKey, options.packId(), slot, PackFormat.SEGMENT_SIZE);
    out.write(sealed, 0, n);
    return slot;
  }

  /**
   * In an encrypted pack, seals the entry's name under a key of its own (slot {@code NAME_SLOT_BASE +
   * ordinal}) and a data entry's size and SHA-256 under the key of its bytes ({@code dataKey}), so that
   * the index names nothing once the name's key is shredded (docs/pack-format.md, version 2).
   */
  private PackEntry sealName(PackEntry e, byte[] dataKey) {
    if (options.keys() == null) return e;
    UUID id = options.packId();
    long nameSlot = PackFormat.NAME_SLOT_BASE + e.ordinal();
    byte[] name = Aead.seal(options.keys().newDataKey(nameSlot), PackLayout.description(e),
        Aead.context(PackFormat.AAD_ENTRY_NAME, id, nameSlot));
    byte[] content = dataKey == null ? null : Aead.seal(dataKey, PackLayout.contentFacts(e.size(), e.sha256()),
        Aead.context(PackFormat.AAD_ENTRY_CONTENT, id, e.keySlot()));
    return new PackEntry(e.ordinal(), e.kind(), e.bucket(), e.key(), e.versionId(), e.eTag(), e.lastModified(),
        e.size(), e.retainUntil(), e.storedOffset(), e.storedLength(), e.sha256(), e.codec(), e.keySlot(),
        e.contentType(), e.userMetadata(), e.refPackId(), e.refOrdinal(), nameSlot,
        new PackEntry.Sealed(name, content));
  }

  private ZstdCompressCtx plainZstd() {
    if (plainZstd == null) {
      plainZstd = new ZstdCompressCtx().setLevel(options.level()).setChecksum(false).setContentSize(true);
    }
    return plainZstd;
  }

  /** How the members of {@code key}'s kind use the dictionary; a pack with very many kinds shares one record beyond the first. */
  private DictionaryUse dictionaryUse(String key) {
    String kind = kindOf(key);
    if (dictionaryUse.size() >= DictionaryUse.MAX_KINDS && !dictionaryUse.containsKey(kind)) kind = "";
    return dictionaryUse.computeIfAbsent(kind, k -> new DictionaryUse());
  }

  /** A member's kind: its key's extension, lower-cased (up to 16 characters), or "" when it has none. */
  static String kindOf(String key) {
    int slash = key.lastIndexOf('/');
    int dot = key.lastIndexOf('.');
    if (dot <= slash + 1 || key.length() - dot - 1 > 16) return "";
    return key.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /**
   * Whether the dictionary helps one kind of member, from the entries compressed both ways. Sizes are
   * summed with a decay, so that a kind whose content drifts away from the dictionary is found out
   * within a few probes.
   */
  static final class DictionaryUse {
    static final int FIRST_PROBES = 4;
    static final int PROBE_EVERY = 64;
    static final int MAX_KINDS = 256;
    private long seen;
    private double withDictionary;
    private double without;

    boolean probeNext() {
      long n = seen++;
      return n < FIRST_PROBES || n % PROBE_EVERY == 0;
    }

    void record(int withDictionaryBytes, int withoutBytes) {
      withDictionary = withDictionary * 0.75 + withDictionaryBytes;
      without = without * 0.75 + withoutBytes;
    }

    /** Ties go to the dictionary: with it, zstd is also faster on small records. */
    boolean withDictionary() {
      return withDictionary <= without;
    }
  }

  /** {@code buffer} if it holds {@code length} bytes, else a larger one (at least twice as large, so it grows rarely). */
  private static byte[] atLeast(byte[] buffer, long length) {
    if (buffer.length >= length) return buffer;
    return new byte[(int) Math.min(Integer.MAX_VALUE - 16, Math.max(length, 2L * buffer.length))];
  }

  private PackEntry record(EntrySource src, int ordinal, long offset, long stored, byte[] sha,
      PackFormat.Codec codec, long slot, byte[] dataKey) {
    PackEntry e = sealName(new PackEntry(ordinal, PackEntry.Kind.DATA, src.bucket(), src.key(), src.versionId(),
        src.eTag(), src.lastModified(), src.size(), src.retainUntil(), offset, stored, sha, codec, slot,
        src.contentType(), src.userMetadata(), null, -1, -1, null), dataKey);
    PackLayout.writeEntry(index, e);
    entries++;
    originalBytes += src.size();
    return e;
  }

  private void checkMd5(EntrySource src, byte[] bytes) {
    if (src.expectedMd5() != null && !Arrays.equals(md5.digest(bytes), src.expectedMd5())) {
      throw md5Mismatch(src);
    }
  }

  private static SourceMismatchException md5Mismatch(EntrySource src) {
    return new SourceMismatchException(src.describe() + " does not match its ETag " + src.eTag()
        + ": it was overwritten after the inventory, or read wrong");
  }

  private void ensureWritable() {
    if (finished) throw new IllegalStateException("pack " + options.packId() + " is finished");
    if (failed) {
      throw new IllegalStateException("pack " + options.packId() + " holds a half-written entry; abandon it");
    }
  }

  private static MessageDigest digest(String name) {
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Counts and hashes every byte of the pack on its way to the sink. */
  private static final class CountingOutputStream extends FilterOutputStream {
    long count;
    final MessageDigest digest = digest("SHA-256");

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      digest.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      digest.update(b, off, len);
      count += len;
    }
  }

  /** Lets an entry's stream close without closing the pack. */
  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
