package io.lakevault.archive;

import io.lakevault.aws.KeyResolvers;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.pack.EntrySource;
import io.lakevault.core.pack.PackDictionary;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.pack.PackKeys;
import io.lakevault.core.pack.PackWriter;
import io.lakevault.core.pack.SourceMismatchException;
import io.lakevault.core.store.ObjectLockMode;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Limits;
import io.lakevault.core.store.StorageClass;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor side of the archive job: one Spark task turns its slice of candidates, sorted by pack
 * group and key, into packs. Sources are read ahead with bounded concurrency; each pack streams into
 * its upload as it is built; rows describing every object, pack and skipped source are emitted as the
 * task goes and reach the catalog only through the staging folder, after every task has succeeded.
 *
 * <p>Memory per task: the read-ahead budget, two upload parts, the dictionary samples of one pack, and
 * the index of the pack being written.
 */
final class PackTask implements MapPartitionsFunction<Row, Row>, Serializable {
  private static final Logger LOG = LoggerFactory.getLogger(PackTask.class);

  private static final long serialVersionUID = 1L;
  /** Index entries per pack at most, whatever the pack size: keeps the index a few tens of MB. */
  static final int MAX_ENTRIES = 500_000;
  static final String CONTENT_TYPE = "application/vnd.lakevault.pack";
  /** The columns of a candidate row this task reads: what the job caches and shuffles for it. */
  static final List<String> INPUT_COLUMNS = List.of("bucket", "key", "version_id", "e_tag", "size",
      "last_modified_date", "encryption_status", "is_multipart_uploaded", "retention_class", "rule_id",
      "retain_until", "pack_group", "dup_sha256", "dup_pack_id", "dup_ordinal", "dup_offset", "dup_length");
  /**
   * With a dictionary, small records compress about as well at zstd level 1 as at 3 (3.19x against
   * 3.24x on the benchmark lake) at twice the speed (bench/README.md, CompressionProbe): the
   * dictionary, not the search effort, finds what they share. Without one (large objects), level 3.
   */
  static final int ZSTD_LEVEL_WITH_DICTIONARY = 1;

  /**
   * Knobs of the executor side; the defaults suit S3 and the local store alike.
   *
   * @param crashAfterPacks tests only: the task dies after uploading this many packs ({@code -1}: never),
   *     as an executor lost mid-run would
   */
  record Tuning(int concurrency, int readBatch, long readAheadBytes, long inMemoryLimit, long partSize,
      int dictionarySamples, long dictionarySampleBytes, int dedupMemory, int crashAfterPacks) implements Serializable {
    /**
     * @param localStore the sources are on the local store, read from the page cache or a disk, where a
     *     few readers per task suffice (four rather than two: when part of the lake is not cached, two left
     *     the task waiting for reads a third of its time); a local reader takes 16 sources at a time:
     *     handing each read to a thread costs a wake-up and a park, as much as the read itself (about 2
     *     CPU-seconds in 200,000). On S3 a small GET takes tens of milliseconds, with a tail ten times
     *     that: the async client keeps hundreds in flight (bench/README.md, "Archive from S3")
     */
    static Tuning defaults(boolean localStore) {
      return new Tuning(localStore ? 4 : io.lakevault.aws.S3ObjectStore.ASYNC_MAX_CONCURRENCY, localStore ? 16 : 1, 64L << 20, 16L << 20, 64L << 20, 2000, 8L << 20,
          1_000_000, -1);
    }

    Tuning withPartSize(long bytes) {
      return new Tuning(concurrency, readBatch, readAheadBytes, inMemoryLimit, bytes, dictionarySamples,
          dictionarySampleBytes, dedupMemory, crashAfterPacks);
    }

    Tuning crashingAfter(int packs) {
      return new Tuning(concurrency, readBatch, readAheadBytes, inMemoryLimit, partSize, dictionarySamples,
          dictionarySampleBytes, dedupMemory, packs);
    }
  }

  private final LakevaultConfig config;
  private final Map<String, ClassTarget> classes;
  private final Instant createdAt;
  private final String writer;
  private final Tuning tuning;
  private final PackJournal journal;
  private final String runId;
  private final boolean verifySourceMd5;

  PackTask(LakevaultConfig config, Map<String, ClassTarget> classes, Instant createdAt, String writer, Tuning tuning,
      PackJournal journal, String runId) {
    this.config = config;
    this.classes = classes;
    this.createdAt = createdAt;
    this.writer = writer;
    this.tuning = tuning;
    this.journal = journal;
    this.runId = runId;
    this.verifySourceMd5 = config.get(Settings.ARCHIVE_VERIFY_SOURCE_MD5);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new Run(rows);
  }

  /** One partition's work, pulled by Spark row by row. */
  private final class Run implements Iterator<Row> {
    /** Where the pack's sources are read: the lake, which {@code archive.source-endpoint} may put elsewhere. */
    private final ObjectStore sources = ObjectStores.openSources(config);
    /** The store packs go to, for classes that name no role. */
    private final ObjectStore store = ObjectStores.open(config);
    /** Where packs go, per role: a class with an air-gapped target writes through its role. */
    private final Map<String, ObjectStore> targetStores = new HashMap<>();
    private final KeyResolvers keys = KeyResolvers.from(config);
    private final SourceFetcher fetcher;
    private final Deque<SourceFetcher.Fetched> pending = new ArrayDeque<>();
    private final Deque<Row> out = new ArrayDeque<>();
    private final Map<String, String[]> written = new HashMap<>();
    private final MessageDigest sha256 = digest();
    private OpenPack current;
    private boolean closed;
    private int uploaded;
    // Where the task's time goes, logged when it ends (see bench/README.md, archive).
    private final long started = System.nanoTime();
    private final long startedCpu = THREADS.getCurrentThreadCpuTime();
    private long returnedAt = started;
    private long waitNs;
    private long hashNs;
    private long writeNs;
    private long dictionaryNs;
    private long finishNs;
    private long downstreamNs;
    private long objects;
    private long bytesIn;

    Run(Iterator<Row> rows) {
      fetcher = new SourceFetcher(sources, rows, tuning.concurrency(), tuning.readBatch(), tuning.readAheadBytes(),
          tuning.inMemoryLimit());
    }

    @Override
    public boolean hasNext() {
      long entered = System.nanoTime();
      downstreamNs += entered - returnedAt;
      try {
        while (out.isEmpty() && !closed) {
          if (!pending.isEmpty() || fetcher.hasNext()) {
            process(nextFetched());
          } else {
            finishPack();
            close();
          }
        }
        returnedAt = System.nanoTime();
        return !out.isEmpty();
      } catch (IOException e) {
        fail();
        throw new UncheckedIOException(e);
      } catch (RuntimeException | Error e) {
        fail();
        throw e;
      }
    }

    @Override
    public Row next() {
      if (!hasNext()) throw new NoSuchElementException();
      return out.poll();
    }

    private SourceFetcher.Fetched nextFetched() throws IOException {
      if (!pending.isEmpty()) return pending.poll();
      long t0 = System.nanoTime();
      SourceFetcher.Fetched f = fetcher.next();
      waitNs += System.nanoTime() - t0;
      return f;
    }

    private void process(SourceFetcher.Fetched f) throws IOException {
      Row r = f.row();
      if (f.missing() != null) {
        out.add(Staged.skipped(r, f.missing()));
        return;
      }
      ClassTarget t = classes.get(r.<String>getAs("retention_class"));
      long size = r.<Long>getAs("size");
      if (f.bytes() == null) {
        finishPack();
        archiveAlone(f, t);
        return;
      }
      String changed = changedSince(r, f.metadata(), f.bytes().length);
      if (changed != null) {
        out.add(Staged.skipped(r, changed));
        return;
      }
      String group = r.getAs("pack_group");
      if (current != null && (!current.group.equals(group) || current.bytes + size > t.cls().packSize()
          || current.writer.entryCount() >= MAX_ENTRIES)) {
        finishPack();
      }
      if (current == null) {
        long t0 = System.nanoTime();
        // A dictionary holds fragments of many members under one key: erasing one member would have to
        // shred it for all (docs/pack-format.md, "Dictionary"). Erasable classes' packs have none.
        byte[] dictionary = t.cls().mayBeErased() ? null : dictionaryFor(f, t, group);
        dictionaryNs += System.nanoTime() - t0;
        current = open(t, group, dictionary, 0);
      }
      long t0 = System.nanoTime();
      byte[] sha = sha256.digest(f.bytes());
      long t1 = System.nanoTime();
      hashNs += t1 - t0;
      objects++;
      bytesIn += f.bytes().length;
      String shaHex = HexFormat.of().formatHex(sha);
      EntrySource src = source(r, f.metadata());
      String[] dup = duplicateOf(r, t, shaHex);
      if (dup != null) {
        PackEntry ref = current.writer.addReference(src, sha, UUID.fromString(dup[0]), Integer.parseInt(dup[1]));
        current.references++;
        current.retainUntil(r);
        out.add(objectRow(r, f.metadata(), shaHex, dup[0], Integer.parseInt(dup[1]), Long.parseLong(dup[2]),
            Long.parseLong(dup[3]), current.id + "#" + ref.ordinal()));
        return;
      }
      PackEntry e;
      long t2 = System.nanoTime();
      try {
        e = current.writer.add(src, f.bytes(), sha);
      } catch (SourceMismatchException mismatch) {
        out.add(Staged.skipped(r, "changed since the inventory: " + mismatch.getMessage()));
        return;
      } finally {
        writeNs += System.nanoTime() - t2;
      }
      current.bytes += size;
      current.retainUntil(r);
      remember(t, shaHex, current.id, e);
      out.add(objectRow(r, f.metadata(), shaHex, current.id, e.ordinal(), e.storedOffset(), e.storedLength(), null));
    }

    /** A large object: its own pack, streamed from the source into the upload, never held whole. */
    private void archiveAlone(SourceFetcher.Fetched f, ClassTarget t) throws IOException {
      Row r = f.row();
      ObjectStore.ObjectContent content;
      try {
        content = f.open();
      } catch (io.lakevault.core.store.ObjectStoreException e) {
        String why = SourceFetcher.unreadable(e);
        if (why == null) throw e;
        out.add(Staged.skipped(r, why));
        return;
      }
      try (content) {
        String changed = changedSince(r, content.metadata(), content.metadata().size());
        if (changed != null) {
          out.add(Staged.skipped(r, changed));
          return;
        }
        current = open(t, r.getAs("pack_group"), null, content.metadata().size());
        PackEntry e;
        try {
          e = current.writer.add(source(r, content.metadata()), content.stream());
        } catch (SourceMismatchException mismatch) {
          current.abort();
          current = null;
          out.add(Staged.skipped(r, "changed since the inventory: " + mismatch.getMessage()));
          return;
        }
        current.bytes += e.size();
        current.retainUntil(r);
        out.add(objectRow(r, content.metadata(), e.sha256Hex(), current.id, e.ordinal(), e.storedOffset(),
            e.storedLength(), null));
      }
      finishPack();
    }

    /**
     * Samples for the pack about to open: the first member and the members read ahead that will join
     * it, up to a budget. They are in memory already; reading ahead further only moves them to
     * {@code pending}.
     */
    private byte[] dictionaryFor(SourceFetcher.Fetched first, ClassTarget t, String group) throws IOException {
      List<byte[]> samples = new ArrayList<>();
      samples.add(first.bytes());
      long bytes = first.bytes().length;
      long sampleBytes = bytes;
      Iterator<SourceFetcher.Fetched> queued = new ArrayList<>(pending).iterator();
      while (samples.size() < tuning.dictionarySamples() && sampleBytes < tuning.dictionarySampleBytes()) {
        SourceFetcher.Fetched next;
        if (queued.hasNext()) {
          next = queued.next();
        } else if (fetcher.hasNext()) {
          next = fetcher.next();
          pending.add(next);
        } else {
          break;
        }
        Row r = next.row();
        if (next.bytes() == null || !group.equals(r.getAs("pack_group"))) break;
        long size = r.<Long>getAs("size");
        if (bytes + size > t.cls().packSize()) break;
        bytes += size;
        if (next.missing() == null) {
          samples.add(next.bytes());
          sampleBytes += next.bytes().length;
        }
      }
      return PackDictionary.train(samples, PackDictionary.DEFAULT_SIZE);
    }

    /**
     * zstd's level: 1 with a dictionary; 1 too for an erasable class's small objects, which get none (on the
     * benchmark lake's records level 1 without a dictionary is 1.1-1.8 times faster than level 3 for 2.3%
     * more bytes at worst, bench/README.md, "Erasable classes"); 3 for a large object alone.
     */
    private static int level(ClassTarget t, byte[] dictionary, long alone) {
      if (dictionary != null || (alone == 0 && t.cls().mayBeErased())) return ZSTD_LEVEL_WITH_DICTIONARY;
      return 3;
    }

    /** @param alone the size of an object that is a pack of its own, 0 for a pack of small objects */
    private OpenPack open(ClassTarget t, String group, byte[] dictionary, long alone) throws IOException {
      UUID id = UUID.randomUUID();
      String key = t.packKey(group, id.toString());
      PackWriter.Options o = new PackWriter.Options(id, createdAt, writer, t.name(), t.cls().storageClass().name(),
          null, null, null, dictionary, level(t, dictionary, alone), tuning.inMemoryLimit());
      if (t.kekRef() != null) {
        o = o.withKeys(PackKeys.create(id, keys.resolve(t.kekRef())));
      }
      PutOptions put = PutOptions.builder().storageClass(t.cls().storageClass()).contentType(CONTENT_TYPE)
          .userMetadata("lakevault-pack-id", id.toString())
          .userMetadata("lakevault-format", Integer.toString(PackFormat.VERSION))
          .serverSideEncryption("AES256", null).build();
      // Parts follow the pack's size, so that a source of up to S3's 5 TiB fits in 10,000 parts (with room for
      // the format: incompressible data grows by a little under 1/64 at most, plus header and index).
      long expected = Math.max(Math.max(t.cls().packSize(), 1), alone + alone / 64 + (1L << 20));
      long partSize = S3Limits.partSizeFor(Math.min(expected, S3Limits.MAX_OBJECT_SIZE), tuning.partSize());
      // Noted before any byte is uploaded: a pack no commit catalogs is found from its note (PackJournal).
      journal.note(runId, id.toString(), t.name(), "s3://" + t.target().bucket() + "/" + key);
      PackUpload upload = new PackUpload(targetStore(t), t.target().bucket(), key, put, partSize);
      return new OpenPack(id.toString(), group, t, key, upload, new PackWriter(upload, o));
    }

    private void finishPack() throws IOException {
      if (current == null) return;
      long t0 = System.nanoTime();
      try {
        finish(current);
      } finally {
        finishNs += System.nanoTime() - t0;
      }
    }

    private void finish(OpenPack p) throws IOException {
      current = null;
      ObjectLockMode mode = p.target.lockMode();
      p.writer.lock(mode == null ? null : mode.name(), mode == null ? null : p.retainUntil);
      PackWriter.Summary s = p.writer.finish();
      ObjectMetadata m = p.upload.complete(s.sha256());
      String bucket = p.target.target().bucket();
      String keyVersion = null;
      if (s.keyFile() != null) {
        // Its version is cataloged: readers take that version, never "latest", so a later PUT cannot replace it.
        keyVersion = versionOf(targetStore(p.target).put(bucket, p.key + PackFormat.KEY_FILE_SUFFIX, s.keyFile().encode(),
            PutOptions.builder().storageClass(StorageClass.STANDARD).contentType("application/vnd.lakevault.keys")
                .userMetadata("lakevault-pack-id", p.id).serverSideEncryption("AES256", null).build()));
      }
      if (++uploaded == tuning.crashAfterPacks()) {
        throw new IllegalStateException("injected crash after " + uploaded + " pack(s) (test)");
      }
      String version = versionOf(m);
      out.add(Staged.pack(p.id, p.target.name(), "s3://" + bucket + "/" + p.key, version,
          p.target.cls().storageClass().name(), PackFormat.VERSION, s.entries(), s.originalBytes(), s.storedBytes(),
          s.sha256(), s.keyFile() != null, p.target.kekRef(), p.references, mode == null ? null : mode.name(),
          Staged.ts(p.retainUntil), Staged.ts(createdAt), keyVersion, Staged.checksum(m), s.dictionary()));
    }

    private String[] duplicateOf(Row r, ClassTarget t, String shaHex) {
      if (shaHex.equals(r.getAs("dup_sha256"))) {
        return new String[] {r.getAs("dup_pack_id"), String.valueOf(r.<Integer>getAs("dup_ordinal")),
            String.valueOf(r.<Long>getAs("dup_offset")), String.valueOf(r.<Long>getAs("dup_length"))};
      }
      return written.get(t.name() + "/" + shaHex);
    }

    private void remember(ClassTarget t, String shaHex, String packId, PackEntry e) {
      if (written.size() < tuning.dedupMemory()) {
        written.putIfAbsent(t.name() + "/" + shaHex, new String[] {packId, String.valueOf(e.ordinal()),
            String.valueOf(e.storedOffset()), String.valueOf(e.storedLength())});
      }
    }

    private ObjectStore targetStore(ClassTarget t) {
      if (t.role() == null) return store;
      return targetStores.computeIfAbsent(t.role(), role -> ObjectStores.open(config, role));
    }

    private void fail() {
      if (current != null) {
        current.abort();
        current = null;
      }
      close();
    }

    private void close() {
      if (closed) return;
      closed = true;
      if (objects > 0) {
        LOG.info("pack task: {} objects, {} MB in {} s (task thread's CPU {} s); waiting for source reads {} s,"
            + " SHA-256 {} s, pack writer (ETag MD5, compression, encryption, upload parts) {} s, dictionaries {} s,"
            + " finishing packs {} s, Spark's side (input sort, staging write) {} s; {}", objects, bytesIn >> 20,
            sec(System.nanoTime() - started), sec(THREADS.getCurrentThreadCpuTime() - startedCpu), sec(waitNs),
            sec(hashNs), sec(writeNs), sec(dictionaryNs), sec(finishNs), sec(downstreamNs), fetcher.stats());
      }
      fetcher.close();
      keys.close();
      targetStores.values().forEach(ObjectStore::close);
      store.close();
      sources.close();
    }
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static String sec(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
  }

  /** A version id as cataloged: {@code null} for an unversioned bucket's "null" version. */
  static String versionOf(ObjectMetadata m) {
    return m.versionId() == null || "null".equals(m.versionId()) ? null : m.versionId();
  }

  /** Why the bytes read are not the version the inventory listed, or {@code null} when they are. */
  static String changedSince(Row r, ObjectMetadata m, long readBytes) {
    String inventoryTag = r.getAs("e_tag");
    long size = r.<Long>getAs("size");
    if (inventoryTag != null && m.eTag() != null && !inventoryTag.equals(m.eTag())) {
      return "changed since the inventory: ETag is now " + m.eTag() + ", the inventory lists " + inventoryTag;
    }
    if (readBytes != size) {
      return "changed since the inventory: " + readBytes + " bytes read, the inventory lists " + size;
    }
    return null;
  }

  /**
   * What the pack writer records of a source. The bytes are checked against the ETag's MD5 only where
   * {@code archive.verify-source-md5} asks: they were read by version id or on If-Match with the ETag
   * compared from the response, so they are that version; MD5 guards only the transfer, which TLS and the
   * SDK's checksum validation already guard (docs/configuration.md).
   */
  private EntrySource source(Row r, ObjectMetadata m) {
    return new EntrySource(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), r.getAs("e_tag"),
        instant(r.getAs("last_modified_date")), r.<Long>getAs("size"), instant(r.getAs("retain_until")),
        m.contentType(), m.userMetadata(), verifySourceMd5 ? expectedMd5(r) : null);
  }

  /** The MD5 the bytes must have: the ETag, when S3 computed it as one (single part, not KMS or SSE-C). */
  static byte[] expectedMd5(Row r) {
    String tag = r.getAs("e_tag");
    Boolean multipart = r.getAs("is_multipart_uploaded");
    String sse = r.getAs("encryption_status");
    if (!isMd5(tag) || Boolean.TRUE.equals(multipart)) return null;
    if (sse != null && (sse.contains("KMS") || sse.equals("SSE-C"))) return null;
    return HexFormat.of().parseHex(tag);
  }

  /** 32 lowercase hex digits: an ETag S3 computed as the MD5 of the bytes. */
  static boolean isMd5(String tag) {
    if (tag == null || tag.length() != 32) return false;
    for (int i = 0; i < 32; i++) {
      char c = tag.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
    }
    return true;
  }

  private static Row objectRow(Row r, ObjectMetadata m, String sha, String packId, int ordinal, long offset,
      long length, String dedupRef) {
    Map<String, String> meta = new LinkedHashMap<>(m.userMetadata());
    return Staged.object(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"), r.getAs("e_tag"),
        r.<Long>getAs("size"), millis(r.getAs("last_modified_date")), false, sha, m.contentType(), meta,
        r.getAs("retention_class"), millis(r.getAs("retain_until")), packId, ordinal, offset, length, dedupRef, null,
        r.getAs("rule_id"));
  }

  /** Packs keep times in milliseconds; the catalog keeps the same, so a rebuild from packs equals it. */
  private static Timestamp millis(Timestamp t) {
    return t == null ? null : new Timestamp(t.getTime());
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A pack being written. */
  private static final class OpenPack {
    final String id;
    final String group;
    final ClassTarget target;
    final String key;
    final PackUpload upload;
    final PackWriter writer;
    long bytes;
    long references;
    Instant retainUntil;

    OpenPack(String id, String group, ClassTarget target, String key, PackUpload upload, PackWriter writer) {
      this.id = id;
      this.group = group;
      this.target = target;
      this.key = key;
      this.upload = upload;
      this.writer = writer;
    }

    /** The pack is locked until its latest-expiring member's date. */
    void retainUntil(Row r) {
      Timestamp t = r.getAs("retain_until");
      Instant i = t == null ? null : t.toInstant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      if (i != null && (retainUntil == null || i.isAfter(retainUntil))) retainUntil = i;
    }

    void abort() {
      writer.close();
      upload.abort();
    }
  }
}
