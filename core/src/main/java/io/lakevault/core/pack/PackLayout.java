package io.lakevault.core.pack;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

/** Encoding and strict decoding of the header, the index and the footer (docs/pack-format.md). */
final class PackLayout {
  private PackLayout() {}

  // ------------------------------------------------------------------ header

  static byte[] header(UUID packId, Instant createdAt) {
    byte[] h = new Binary.Writer(PackFormat.HEADER_SIZE).bytes(PackFormat.MAGIC).u16(PackFormat.VERSION).u16(0)
        .u32(PackFormat.HEADER_SIZE).uuid(packId).i64(createdAt.toEpochMilli()).toByteArray();
    assert h.length == PackFormat.HEADER_SIZE;
    return h;
  }

  static boolean hasMagic(byte[] b, byte[] magic, int at) {
    return b.length >= at + magic.length && Arrays.equals(b, at, at + magic.length, magic, 0, magic.length);
  }

  // ------------------------------------------------------------------ footer

  /** The fixed-size record at the end of a pack that locates and authenticates the index. */
  record Footer(long indexOffset, long indexStoredLength, long indexLength, long entryCount, byte[] indexSha256,
      UUID packId, int version, int flags) {

    byte[] encode() {
      Binary.Writer w = new Binary.Writer(PackFormat.FOOTER_SIZE).i64(indexOffset).i64(indexStoredLength)
          .i64(indexLength).i64(entryCount).bytes(indexSha256).uuid(packId).u16(version).u16(flags)
          .u32(PackFormat.FOOTER_SIZE);
      byte[] body = w.toByteArray();
      CRC32C crc = new CRC32C();
      crc.update(body);
      byte[] f = w.i32((int) crc.getValue()).bytes(PackFormat.END_MAGIC).toByteArray();
      assert f.length == PackFormat.FOOTER_SIZE;
      return f;
    }

    /**
     * @param tail the last {@link PackFormat#FOOTER_SIZE} bytes of a pack of {@code packLength} bytes
     */
    static Footer decode(byte[] tail, long packLength, String what) {
      if (packLength < PackFormat.HEADER_SIZE + PackFormat.FOOTER_SIZE) {
        throw new PackFormatException(what + " is " + packLength + " bytes, smaller than an empty pack: truncated, or not a pack");
      }
      if (!hasMagic(tail, PackFormat.END_MAGIC, PackFormat.FOOTER_SIZE - PackFormat.END_MAGIC.length)) {
        throw new PackFormatException(what + " does not end with the pack footer magic: truncated, or not a lakevault pack");
      }
      CRC32C crc = new CRC32C();
      crc.update(tail, 0, 88);
      Binary.Reader r = new Binary.Reader(tail, 0, PackFormat.FOOTER_SIZE, what + " footer");
      long indexOffset = r.i64();
      long indexStored = r.i64();
      long indexLength = r.i64();
      long count = r.i64();
      byte[] sha = r.bytes(32);
      UUID packId = r.uuid();
      int version = r.u16();
      int flags = r.u16();
      long footerSize = r.u32();
      int storedCrc = r.i32();
      if (storedCrc != (int) crc.getValue()) {
        throw new PackFormatException(what + ": the footer fails its CRC32C: the pack is corrupt");
      }
      if (version < PackFormat.OLDEST_READABLE || version > PackFormat.VERSION) {
        throw new PackFormatException(what + " is pack format version " + version + "; this lakevault reads versions "
            + PackFormat.OLDEST_READABLE + " to " + PackFormat.VERSION + ": use a newer lakevault");
      }
      if (flags != 0 || footerSize != PackFormat.FOOTER_SIZE) {
        throw new PackFormatException(what + ": footer flags " + flags + " / size " + footerSize + " are not those of version " + version);
      }
      long indexEnd = packLength - PackFormat.FOOTER_SIZE;
      if (indexOffset < PackFormat.HEADER_SIZE || indexStored < 0 || indexOffset > indexEnd
          || indexStored != indexEnd - indexOffset) {
        throw new PackFormatException(what + ": the footer puts the index at " + indexOffset + " (" + indexStored
            + " bytes), outside a pack of " + packLength + " bytes: the pack is truncated or corrupt");
      }
      if (indexLength < 0 || indexLength > PackFormat.MAX_INDEX_BYTES || count < 0 || count > PackFormat.MAX_ENTRIES) {
        throw new PackFormatException(what + ": the footer declares " + count + " entries in an index of " + indexLength
            + " bytes, beyond what a reader accepts");
      }
      return new Footer(indexOffset, indexStored, indexLength, count, sha, packId, version, flags);
    }
  }

  // ------------------------------------------------------------------ index

  static void writeInfo(Binary.Writer w, PackInfo i) {
    w.i64(i.createdAt().toEpochMilli()).str(i.writer()).str(i.retentionClass()).str(i.storageClass())
        .str(i.lockMode()).i64(time(i.lockRetainUntil())).str(i.kekRef())
        .shortBytes(i.wrappedPackKey() == null ? new byte[0] : i.wrappedPackKey()).u32(i.segmentSize())
        .i64(i.dictionaryOffset()).i64(i.dictionaryStoredLength()).u32(i.dictionaryLength()).u32(i.dictionaryId());
  }

  /** An entry's record as version 2 writes it: locating fields, then the name sealed or in plaintext. */
  static void writeEntry(Binary.Writer w, PackEntry e) {
    w.u8(e.kind().code).u8(e.codec().code).u32(e.encrypted() ? e.keySlot() : PackFormat.NO_KEY_SLOT)
        .u32(e.nameSealed() ? e.nameSlot() : PackFormat.NO_KEY_SLOT).i64(e.storedOffset()).i64(e.storedLength());
    if (!e.nameSealed()) {
      w.bytes(description(e));
      return;
    }
    if (e.encrypted()) w.shortBytes(e.sealed().content());
    w.u32(e.sealed().name().length).bytes(e.sealed().name());
  }

  /**
   * What names an object version and checks its bytes: everything of a record but how to find the bytes.
   * Version 2 seals it for encrypted entries, so shredding its key leaves nothing that names the object.
   */
  static byte[] description(PackEntry e) {
    Binary.Writer w = new Binary.Writer(128 + e.key().length());
    w.str(e.bucket()).str(e.key()).str(e.versionId()).str(e.eTag()).i64(time(e.lastModified())).i64(e.size())
        .i64(time(e.retainUntil())).bytes(e.sha256()).str(e.contentType()).u16(e.userMetadata().size());
    e.userMetadata().forEach((k, v) -> w.str(k).str(v));
    if (e.kind() == PackEntry.Kind.REFERENCE) {
      w.uuid(e.refPackId()).u32(e.refOrdinal());
    }
    return w.toByteArray();
  }

  /** Size and SHA-256 of an encrypted data entry's bytes, sealed under the key of those bytes. */
  static byte[] contentFacts(long size, byte[] sha256) {
    return new Binary.Writer(40).i64(size).bytes(sha256).toByteArray();
  }

  /** The fields of a description, parsed. */
  record Description(String bucket, String key, String versionId, String eTag, Instant lastModified, long size,
      Instant retainUntil, byte[] sha256, String contentType, Map<String, String> userMetadata, UUID refPackId,
      int refOrdinal) {}

  static Description readDescription(Binary.Reader r, PackEntry.Kind kind, String at) {
    String bucket = r.str();
    String key = r.str();
    String versionId = Binary.emptyToNull(r.str());
    String eTag = Binary.emptyToNull(r.str());
    Instant lastModified = instant(r.i64());
    long size = r.i64();
    Instant retainUntil = instant(r.i64());
    byte[] sha = r.bytes(32);
    String contentType = Binary.emptyToNull(r.str());
    Map<String, String> meta = readMetadata(r);
    UUID refPack = null;
    int refOrdinal = -1;
    if (kind == PackEntry.Kind.REFERENCE) {
      refPack = r.uuid();
      refOrdinal = refOrdinal(r, at);
    }
    if (bucket.isEmpty() || key.isEmpty() || size < 0) {
      throw r.corrupt(at + " has no bucket or key, or a negative size");
    }
    return new Description(bucket, key, versionId, eTag, lastModified, size, retainUntil, sha, contentType, meta,
        refPack, refOrdinal);
  }

  private static Map<String, String> readMetadata(Binary.Reader r) {
    int metaCount = r.u16();
    Map<String, String> meta = new LinkedHashMap<>();
    for (int m = 0; m < metaCount; m++) {
      meta.put(r.str(), r.str());
    }
    return meta;
  }

  private static int refOrdinal(Binary.Reader r, String at) {
    long ro = r.u32();
    if (ro > Integer.MAX_VALUE) throw r.corrupt(at + " refers to entry " + ro);
    return (int) ro;
  }

  /** {@code e} with the fields of its unsealed name and content facts ({@code null}: still sealed, or shredded). */
  static PackEntry unsealed(PackEntry e, Description d, long size, byte[] sha256) {
    if (d == null) {
      return new PackEntry(e.ordinal(), e.kind(), null, null, null, null, null, size, null, e.storedOffset(),
          e.storedLength(), sha256, e.codec(), e.keySlot(), null, Map.of(), null, -1, e.nameSlot(), e.sealed());
    }
    return new PackEntry(e.ordinal(), e.kind(), d.bucket(), d.key(), d.versionId(), d.eTag(), d.lastModified(),
        d.size(), d.retainUntil(), e.storedOffset(), e.storedLength(), d.sha256(), e.codec(), e.keySlot(),
        d.contentType(), d.userMetadata(), d.refPackId(), d.refOrdinal(), e.nameSlot(), e.sealed());
  }

  static PackInfo readInfo(Binary.Reader r, Footer f, String what) {
    Instant created = Instant.ofEpochMilli(r.i64());
    String writer = r.str();
    String cls = r.str();
    String storageClass = r.str();
    String lockMode = Binary.emptyToNull(r.str());
    Instant lockUntil = instant(r.i64());
    String kek = Binary.emptyToNull(r.str());
    byte[] wrapped = r.shortBytes();
    long segment = r.u32();
    long dictOffset = r.i64();
    long dictStored = r.i64();
    long dictLength = r.u32();
    long dictId = r.u32();
    if ((kek == null) != (wrapped.length == 0)) {
      throw r.corrupt("a key-encryption key without a sealed pack key, or the reverse");
    }
    if (segment < 1024 || segment > (1 << 24)) {
      throw r.corrupt("encryption segment size " + segment + " is out of range");
    }
    if (dictOffset >= 0) {
      if (dictOffset < PackFormat.HEADER_SIZE || dictStored <= 0 || dictOffset + dictStored > f.indexOffset()
          || dictLength <= 0 || dictLength > PackFormat.MAX_DICTIONARY_BYTES) {
        throw r.corrupt("the dictionary at " + dictOffset + " (" + dictStored + " bytes) lies outside the entries");
      }
    } else if (dictOffset != -1) {
      throw r.corrupt("dictionary offset " + dictOffset + " is neither an offset nor -1");
    }
    return new PackInfo(f.packId(), f.version(), created, writer, cls, storageClass, lockMode, lockUntil, kek,
        kek == null ? null : wrapped, (int) segment, dictOffset, dictStored, (int) dictLength, dictId);
  }

  static List<PackEntry> readEntries(Binary.Reader r, Footer f, PackInfo info, String what) {
    return f.version() == 1 ? readEntriesV1(r, f, info) : readEntriesV2(r, f, info);
  }

  private static List<PackEntry> readEntriesV2(Binary.Reader r, Footer f, PackInfo info) {
    List<PackEntry> out = new ArrayList<>((int) Math.min(f.entryCount(), 1 << 16));
    for (int ordinal = 0; ordinal < f.entryCount(); ordinal++) {
      String at = "entry " + ordinal;
      int kindCode = r.u8();
      PackEntry.Kind kind = kindCode == 0 ? PackEntry.Kind.DATA : kindCode == 1 ? PackEntry.Kind.REFERENCE : null;
      PackFormat.Codec codec = PackFormat.Codec.of(r.u8());
      if (kind == null || codec == null) throw r.corrupt(at + " has an unknown kind or codec");
      long slot = r.u32();
      long nameSlot = r.u32();
      long offset = r.i64();
      long stored = r.i64();
      boolean encrypted = slot != PackFormat.NO_KEY_SLOT;
      boolean sealedName = nameSlot != PackFormat.NO_KEY_SLOT;
      if ((encrypted || sealedName) && !info.encrypted()) throw r.corrupt(at + " is encrypted in a pack without a pack key");
      // The slots follow from the ordinal, so an eraser can shred an entry without reading (thawing) its pack.
      if (encrypted != (sealedName && kind == PackEntry.Kind.DATA) || (encrypted && slot != ordinal)
          || (sealedName && nameSlot != PackFormat.NAME_SLOT_BASE + ordinal)) {
        throw r.corrupt(at + " has key slots " + slot + " and " + nameSlot + ", which version 2 does not allow");
      }
      checkPlace(r, f, info, at, kind, codec, offset, stored);
      PackEntry e;
      if (sealedName) {
        byte[] content = encrypted ? r.shortBytes() : null;
        long nameLength = r.u32();
        if (nameLength > r.remaining()) throw r.truncated();
        byte[] name = r.bytes((int) nameLength);
        e = new PackEntry(ordinal, kind, null, null, null, null, null, -1, null, offset, stored, null, codec,
            encrypted ? slot : -1, null, Map.of(), null, -1, nameSlot, new PackEntry.Sealed(name, content));
      } else {
        Description d = readDescription(r, kind, at);
        if (codec == PackFormat.Codec.RAW && kind == PackEntry.Kind.DATA && stored != d.size()) {
          throw r.corrupt(at + " is stored raw in " + stored + " bytes but has " + d.size());
        }
        e = unsealed(new PackEntry(ordinal, kind, null, null, null, null, null, -1, null, offset, stored, null, codec,
            -1, null, Map.of(), null, -1, -1, null), d, d.size(), d.sha256());
      }
      out.add(e);
    }
    if (r.remaining() != 0) {
      throw r.corrupt(r.remaining() + " bytes follow the last of " + f.entryCount() + " entries");
    }
    return out;
  }

  /** Where an entry's bytes are, checked against the pack's bounds before anything is read. */
  private static void checkPlace(Binary.Reader r, Footer f, PackInfo info, String at, PackEntry.Kind kind,
      PackFormat.Codec codec, long offset, long stored) {
    if (codec == PackFormat.Codec.ZSTD_DICTIONARY && !info.hasDictionary()) {
      throw r.corrupt(at + " uses the pack's dictionary, which the pack does not have");
    }
    if (kind == PackEntry.Kind.DATA) {
      if (offset < PackFormat.HEADER_SIZE || stored < 0 || offset > f.indexOffset() - stored) {
        throw r.corrupt(at + " lies at " + offset + "+" + stored + ", outside the pack's entries: the index is corrupt");
      }
    } else if (stored != 0 || offset != 0) {
      throw r.corrupt(at + " is a reference but claims stored bytes");
    }
  }

  private static List<PackEntry> readEntriesV1(Binary.Reader r, Footer f, PackInfo info) {
    List<PackEntry> out = new ArrayList<>((int) Math.min(f.entryCount(), 1 << 16));
    for (int ordinal = 0; ordinal < f.entryCount(); ordinal++) {
      String at = "entry " + ordinal;
      int kindCode = r.u8();
      PackEntry.Kind kind = kindCode == 0 ? PackEntry.Kind.DATA : kindCode == 1 ? PackEntry.Kind.REFERENCE : null;
      PackFormat.Codec codec = PackFormat.Codec.of(r.u8());
      if (kind == null || codec == null) throw r.corrupt(at + " has an unknown kind or codec");
      String bucket = r.str();
      String key = r.str();
      String versionId = Binary.emptyToNull(r.str());
      String eTag = Binary.emptyToNull(r.str());
      Instant lastModified = instant(r.i64());
      long size = r.i64();
      Instant retainUntil = instant(r.i64());
      long offset = r.i64();
      long stored = r.i64();
      byte[] sha = r.bytes(32);
      long slot = r.u32();
      String contentType = Binary.emptyToNull(r.str());
      Map<String, String> meta = readMetadata(r);
      UUID refPack = null;
      int refOrdinal = -1;
      if (kind == PackEntry.Kind.REFERENCE) {
        refPack = r.uuid();
        refOrdinal = refOrdinal(r, at);
      }
      if (bucket.isEmpty() || key.isEmpty() || size < 0) {
        throw r.corrupt(at + " has no bucket or key, or a negative size");
      }
      boolean encrypted = slot != PackFormat.NO_KEY_SLOT;
      if (encrypted && !info.encrypted()) throw r.corrupt(at + " is encrypted in a pack without a pack key");
      checkPlace(r, f, info, at, kind, codec, offset, stored);
      if (kind == PackEntry.Kind.DATA && codec == PackFormat.Codec.RAW && !encrypted && stored != size) {
        throw r.corrupt(at + " is stored raw in " + stored + " bytes but has " + size);
      }
      out.add(new PackEntry(ordinal, kind, bucket, key, versionId, eTag, lastModified, size, retainUntil, offset,
          stored, sha, codec, encrypted ? slot : -1, contentType, meta, refPack, refOrdinal, -1, null));
    }
    if (r.remaining() != 0) {
      throw r.corrupt(r.remaining() + " bytes follow the last of " + f.entryCount() + " entries");
    }
    return out;
  }

  static long time(Instant t) {
    return t == null ? PackFormat.NO_TIME : t.toEpochMilli();
  }

  static Instant instant(long millis) {
    return millis == PackFormat.NO_TIME ? null : Instant.ofEpochMilli(millis);
  }
}
