package io.lakevault.core.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.lakevault.core.store.ObjectStoreException.Reason;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * The embedded default store: S3 semantics on local disk, so the whole pipeline runs on a laptop and
 * the same configuration (with {@code store.local.root} unset) runs on S3.
 *
 * <h2>Layout</h2>
 * <pre>
 * ROOT/BUCKET/KEY                         bytes of the current version (what Spark and Delta read directly)
 * ROOT/.lakevault-store/buckets/B.json    bucket settings (versioning, Object Lock)
 * ROOT/.lakevault-store/meta/B/KEY.lvmeta/versions.json   every version of KEY, newest first
 * ROOT/.lakevault-store/meta/B/KEY.lvmeta/data-VERSIONID  bytes of each noncurrent version
 * ROOT/.lakevault-store/uploads/ID/       multipart uploads in progress: upload.json, part-NNNNN and its
 *                                         part-NNNNN.json (ETag and checksum, recorded as the part is stored)
 * </pre>
 * A file under {@code ROOT/BUCKET} with no metadata (written by Spark or Delta through Hadoop) is an
 * unversioned STANDARD object whose ETag is the MD5 of its bytes.
 *
 * <h2>Archive tiers</h2>
 * A version written with GLACIER or DEEP_ARCHIVE cannot be read until a restore is requested and
 * {@code thawDelay} has passed on the injected clock; the restored copy then expires after the
 * requested days, rounded up to 00:00 UTC as in S3. This lets the restore state machine be tested
 * with restores in progress, which the S3 emulator cannot produce.
 *
 * <h2>Limits</h2>
 * A file system cannot hold both a file {@code a} and a folder {@code a/}: keys {@code a} and
 * {@code a/b} cannot both be current, and keys with empty, {@code .} or {@code ..} segments or segments
 * over 255 bytes cannot be stored. Such keys fail with INVALID_REQUEST naming the key. Server-side
 * encryption is recorded, not applied. One process at a time may write a root.
 */
public final class LocalObjectStore implements ObjectStore {
  static final String STORE_DIR = ".lakevault-store";
  static final String META_SUFFIX = ".lvmeta";
  static final String FOLDER_OBJECT = ".lakevault-folder";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectReader VERSIONS = JSON.readerFor(new TypeReference<List<VersionRecord>>() {});
  /** Per reading thread: a version record file is a few hundred bytes. */
  private static final ThreadLocal<byte[]> META_BUFFER = ThreadLocal.withInitial(() -> new byte[4096]);

  private final Path root;
  private final Path storeDir;
  private final Duration thawDelay;
  private final Clock clock;
  private final Object[] stripes = new Object[256];

  public LocalObjectStore(Path root, Duration thawDelay, Clock clock) {
    this.root = root.toAbsolutePath().normalize();
    this.storeDir = this.root.resolve(STORE_DIR);
    this.thawDelay = thawDelay;
    this.clock = clock;
    for (int i = 0; i < stripes.length; i++) stripes[i] = new Object();
    try {
      Files.createDirectories(storeDir.resolve("tmp"));
    } catch (IOException e) {
      throw new ObjectStoreException(Reason.OTHER, "cannot create the local store at " + this.root
          + ": " + e.getMessage() + "; check store.local.root and its permissions", e);
    }
  }

  public LocalObjectStore(Path root) {
    this(root, Duration.ZERO, Clock.systemUTC());
  }

  public Path root() {
    return root;
  }

  /** The file holding the current bytes of {@code s3://bucket/key}; what Hadoop reads for the same URI. */
  public Path livePath(String bucket, String key) {
    return key.endsWith("/") || key.isEmpty()
        ? root.resolve(bucket).resolve(key).resolve(FOLDER_OBJECT)
        : root.resolve(bucket).resolve(key);
  }

  @Override
  public String describe() {
    return "local(" + root + ")";
  }

  @Override
  public void close() {}

  // ---------------------------------------------------------------- buckets

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  static final class BucketRecord {
    public boolean versioning;
    public boolean objectLock;
  }

  @Override
  public void createBucket(String bucket, boolean versioning, boolean objectLock) {
    S3Uri.checkBucket(bucket);
    try {
      Files.createDirectories(root.resolve(bucket));
      Path f = storeDir.resolve("buckets").resolve(bucket + ".json");
      if (!Files.exists(f)) {
        BucketRecord r = new BucketRecord();
        r.versioning = versioning || objectLock;
        r.objectLock = objectLock;
        writeJsonAtomically(f, r);
      }
    } catch (IOException e) {
      throw io("create bucket " + bucket, e);
    }
  }

  @Override
  public boolean bucketExists(String bucket) {
    return Files.isDirectory(root.resolve(bucket));
  }

  @Override
  public BucketProtection bucketProtection(String bucket) {
    BucketRecord b = bucket(bucket);
    return new BucketProtection(b.versioning, b.objectLock);
  }

  private BucketRecord bucket(String bucket) {
    if (!bucketExists(bucket)) throw noSuchBucket(bucket);
    Path f = storeDir.resolve("buckets").resolve(bucket + ".json");
    if (!Files.exists(f)) return new BucketRecord();
    try {
      return JSON.readValue(f.toFile(), BucketRecord.class);
    } catch (IOException e) {
      throw io("read bucket settings of " + bucket, e);
    }
  }

  private ObjectStoreException noSuchBucket(String bucket) {
    return new ObjectStoreException(Reason.NO_SUCH_BUCKET, "bucket '" + bucket + "' does not exist in "
        + describe() + "; create it or check the URI");
  }

  // ---------------------------------------------------------------- versions

  /** One version as stored in versions.json. Times are epoch milliseconds. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  static final class VersionRecord {
    public String versionId;
    public boolean deleteMarker;
    public long size;
    public String eTag;
    public long lastModified;
    public String storageClass;
    public String contentType;
    public Map<String, String> userMetadata;
    public Map<String, String> checksums;
    public String sse;
    public String kmsKeyId;
    public String lockMode;
    public Long retainUntil;
    public boolean legalHold;
    public Long restoreRequestedAt;
    public Long restoreCompleteAt;
    public Long restoreExpiry;
  }

  private Path metaDir(String bucket, String key) {
    return storeDir.resolve("meta").resolve(bucket).resolve(key + META_SUFFIX);
  }

  private static final Object[] CONDITIONAL = new Object[64];

  static {
    for (int i = 0; i < CONDITIONAL.length; i++) CONDITIONAL[i] = new Object();
  }

  /** The file whose OS lock guards conditional writes of one key across processes. */
  private FileChannel keyLock(String bucket, String key) throws IOException {
    Path dir = storeDir.resolve("locks");
    Files.createDirectories(dir);
    String name = HexFormat.of().formatHex(md("SHA-256").digest((bucket + "/" + key).getBytes(StandardCharsets.UTF_8)));
    return FileChannel.open(dir.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private Object stripe(String bucket, String key) {
    return stripes[Math.floorMod((bucket + "/" + key).hashCode(), stripes.length)];
  }

  /**
   * Versions newest first; a live file without metadata is one unversioned version. Read without
   * asking first whether the file exists: the archive job reads every object of a lake through here,
   * and on a busy file system each system call counts.
   */
  private List<VersionRecord> versions(String bucket, String key) {
    Path f = metaDir(bucket, key).resolve("versions.json");
    try {
      byte[] json;
      int length;
      try (FileChannel ch = FileChannel.open(f)) {
        // Open, read, close: no size query and no second read to find the end, as readAllBytes makes.
        json = META_BUFFER.get();
        ByteBuffer b = ByteBuffer.wrap(json);
        // A short read of a regular file is its end; a full buffer means there may be more.
        while (ch.read(b) > 0 && !b.hasRemaining()) {
          json = java.util.Arrays.copyOf(json, json.length * 2);
          b = ByteBuffer.wrap(json).position(b.position());
        }
        length = b.position();
      } catch (NoSuchFileException e) {
        json = null;
        length = 0;
      } catch (FileSystemException e) {
        if (Files.exists(f)) throw e;
        json = null;
        length = 0;
      }
      if (json != null) return VERSIONS.readValue(json, 0, length);
      Path live = livePath(bucket, key);
      if (Files.isRegularFile(live)) {
        return new ArrayList<>(List.of(unmanaged(live)));
      }
      return new ArrayList<>();
    } catch (IOException e) {
      throw io("read versions of s3://" + bucket + "/" + key, e);
    }
  }

  private VersionRecord unmanaged(Path live) throws IOException {
    VersionRecord r = new VersionRecord();
    r.versionId = "null";
    r.size = Files.size(live);
    r.lastModified = Files.getLastModifiedTime(live).toMillis();
    r.storageClass = StorageClass.STANDARD.name();
    try (InputStream in = Files.newInputStream(live)) {
      r.eTag = HexFormat.of().formatHex(digest(in, "MD5"));
    }
    return r;
  }

  private void saveVersions(String bucket, String key, List<VersionRecord> versions) throws IOException {
    Path dir = metaDir(bucket, key);
    Files.createDirectories(dir);
    writeJsonAtomically(dir.resolve("versions.json"), versions);
  }

  /** Opens the bytes of version {@code v}: the live file for the current version, else its version file. */
  private InputStream openData(String bucket, String key, VersionRecord v, List<VersionRecord> all) throws IOException {
    return Channels.newInputStream(openDataChannel(bucket, key, v, all));
  }

  private FileChannel openDataChannel(String bucket, String key, VersionRecord v, List<VersionRecord> all)
      throws IOException {
    Path version = metaDir(bucket, key).resolve("data-" + v.versionId);
    if (all.indexOf(v) == 0 && !v.deleteMarker) {
      try {
        return FileChannel.open(livePath(bucket, key));
      } catch (NoSuchFileException e) {
        // After a crash between the two moves of a put, the bytes may still be in the version file.
        return FileChannel.open(version);
      }
    }
    return FileChannel.open(version);
  }

  private VersionRecord find(ObjectRef ref, List<VersionRecord> all) {
    if (ref.versionId() == null) {
      if (all.isEmpty() || all.get(0).deleteMarker) {
        throw notFound(ref);
      }
      return all.get(0);
    }
    for (VersionRecord v : all) {
      if (v.versionId.equals(ref.versionId())) {
        if (v.deleteMarker) {
          throw new ObjectStoreException(Reason.NOT_FOUND, ref + " is a delete marker");
        }
        return v;
      }
    }
    throw notFound(ref);
  }

  private ObjectStoreException notFound(ObjectRef ref) {
    return new ObjectStoreException(Reason.NOT_FOUND, ref + " does not exist in " + describe());
  }

  @Override
  public ObjectMetadata head(ObjectRef ref) {
    return toMetadata(ref.bucket(), ref.key(), find(ref, versionsToRead(ref)));
  }

  /** The versions of an object about to be read; the bucket is looked at only when there are none. */
  private List<VersionRecord> versionsToRead(ObjectRef ref) {
    checkKey(ref.key());
    List<VersionRecord> all = versions(ref.bucket(), ref.key());
    if (all.isEmpty() && !bucketExists(ref.bucket())) throw noSuchBucket(ref.bucket());
    return all;
  }

  private ObjectMetadata toMetadata(String bucket, String key, VersionRecord v) {
    Boolean ongoing = null;
    Instant expiry = null;
    Instant now = clock.instant();
    if (v.restoreRequestedAt != null && now.toEpochMilli() < v.restoreExpiry) {
      ongoing = now.toEpochMilli() < v.restoreCompleteAt;
      expiry = ongoing ? null : Instant.ofEpochMilli(v.restoreExpiry);
    }
    Map<ChecksumAlgorithm, String> sums = new EnumMap<>(ChecksumAlgorithm.class);
    if (v.checksums != null) v.checksums.forEach((a, s) -> sums.put(ChecksumAlgorithm.valueOf(a), s));
    return new ObjectMetadata(bucket, key, v.versionId, v.size, v.eTag, Instant.ofEpochMilli(v.lastModified),
        StorageClass.valueOf(v.storageClass), v.contentType, v.userMetadata, sums, ongoing, expiry,
        v.lockMode == null ? null : ObjectLockMode.valueOf(v.lockMode),
        v.retainUntil == null ? null : Instant.ofEpochMilli(v.retainUntil), v.legalHold, v.sse, v.kmsKeyId);
  }

  /** One read of the version records serves both the metadata and the bytes. */
  @Override
  public ObjectContent open(ObjectRef ref, String ifMatch) {
    List<VersionRecord> all = versionsToRead(ref);
    VersionRecord v = find(ref, all);
    ObjectMetadata m = toMetadata(ref.bucket(), ref.key(), v);
    ObjectStore.checkETag(ref, m, ifMatch);
    return new ObjectContent(m, read(ref, all, v, m, null));
  }

  @Override
  public InputStream get(ObjectRef ref, ByteRange range) {
    List<VersionRecord> all = versionsToRead(ref);
    VersionRecord v = find(ref, all);
    return read(ref, all, v, toMetadata(ref.bucket(), ref.key(), v), range);
  }

  /**
   * Open, one scattering read into the caller's array and a one-byte probe, close: three system calls
   * besides the metadata's three, where a stream takes a read more to find the end.
   */
  @Override
  public ObjectBytes readAll(ObjectRef ref, int limit, String ifMatch) {
    List<VersionRecord> all = versionsToRead(ref);
    VersionRecord v = find(ref, all);
    ObjectMetadata m = toMetadata(ref.bucket(), ref.key(), v);
    ObjectStore.checkETag(ref, m, ifMatch);
    checkReadable(ref, m);
    byte[] bytes = new byte[limit];
    ByteBuffer[] into = {ByteBuffer.wrap(bytes), ByteBuffer.allocate(1)};
    try (FileChannel ch = openDataChannel(ref.bucket(), ref.key(), v, all)) {
      // A read of a regular file returns less than asked only at its end: one read is the whole object
      // (or the limit and the probe byte). Short of the limit, the end is confirmed rather than trusted.
      long n = ch.read(into);
      if (n > 0 && into[0].hasRemaining() && into[1].hasRemaining()) {
        while (ch.read(into) > 0 && into[1].hasRemaining()) {
          // until the end, or a byte past the limit
        }
      }
      int filled = into[0].position();
      boolean longer = !into[1].hasRemaining() || v.size > limit;
      return new ObjectBytes(m, filled == limit ? bytes : java.util.Arrays.copyOf(bytes, filled), longer);
    } catch (NoSuchFileException e) {
      throw new ObjectStoreException(Reason.NOT_FOUND, ref + ": its bytes are missing from " + e.getFile()
          + "; the local store was changed by hand", e);
    } catch (IOException e) {
      throw io("read " + ref, e);
    }
  }

  private static void checkReadable(ObjectRef ref, ObjectMetadata m) {
    if (!m.readable()) {
      throw new ObjectStoreException(Reason.INVALID_OBJECT_STATE, ref + " is in " + m.storageClass()
          + (Boolean.TRUE.equals(m.restoreOngoing()) ? " and its restore is still in progress"
              : " and has not been restored; request a restore first"));
    }
  }

  private InputStream read(ObjectRef ref, List<VersionRecord> all, VersionRecord v, ObjectMetadata m, ByteRange range) {
    checkReadable(ref, m);
    try {
      InputStream in = openData(ref.bucket(), ref.key(), v, all);
      // Small: most objects are, and a reader with a larger array of its own reads past the buffer.
      if (range == null) return new BufferedInputStream(in, 8192);
      if (range.first() >= v.size) {
        in.close();
        throw new ObjectStoreException(Reason.INVALID_RANGE, "range " + range.first() + "-" + range.last()
            + " starts past the end of " + ref + " (" + v.size + " bytes)");
      }
      in.skipNBytes(range.first());
      long len = Math.min(range.last(), v.size - 1) - range.first() + 1;
      return new BufferedInputStream(new BoundedInputStream(in, len), 1 << 16);
    } catch (NoSuchFileException e) {
      throw new ObjectStoreException(Reason.NOT_FOUND, ref + ": its bytes are missing from " + e.getFile()
          + "; the local store was changed by hand", e);
    } catch (IOException e) {
      throw io("read " + ref, e);
    }
  }

  // ---------------------------------------------------------------- writes

  @Override
  public ObjectMetadata put(String bucket, String key, InputStream data, long length, PutOptions options) {
    if (length > S3Limits.MAX_SINGLE_PUT) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, "s3://" + bucket + "/" + key + ": " + length
          + " bytes is over the 5 GiB single PUT limit; use a multipart upload");
    }
    BucketRecord b = bucket(bucket);
    checkKey(key);
    checkOptions(bucket, key, b, options);
    Path tmp = tempFile();
    try {
      Written w = copyCounting(data, tmp, options.checksumAlgorithm());
      if (w.size != length) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, "s3://" + bucket + "/" + key + ": expected "
            + length + " bytes but the stream had " + w.size);
      }
      if (options.checksumValue() != null && !options.checksumValue().equals(w.checksum)) {
        throw badDigest("put s3://" + bucket + "/" + key, options.checksumAlgorithm(), w.checksum, options.checksumValue());
      }
      Map<String, String> sums = new TreeMap<>();
      if (options.checksumAlgorithm() != null) sums.put(options.checksumAlgorithm().name(), w.checksum);
      return commit(bucket, key, b, tmp, w.size, HexFormat.of().formatHex(w.md5), sums, options);
    } finally {
      deleteQuietly(tmp);
    }
  }

  /** S3's BadDigest: nothing is written when the bytes received are not the ones the writer checksummed. */
  private static ObjectStoreException badDigest(String what, ChecksumAlgorithm a, String received, String sent) {
    return new ObjectStoreException(Reason.BAD_DIGEST, "cannot " + what + ": BadDigest: the " + a
        + " of the bytes received is " + received + ", the writer's is " + sent + "; write them again");
  }

  private void checkOptions(String bucket, String key, BucketRecord b, PutOptions o) {
    if (o.lockMode() != null || o.legalHold()) {
      if (!b.objectLock) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, "s3://" + bucket + "/" + key
            + ": Object Lock was requested but bucket '" + bucket + "' was not created with Object Lock");
      }
      if (o.lockRetainUntil() != null && !o.lockRetainUntil().isAfter(clock.instant())) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, "s3://" + bucket + "/" + key
            + ": the retain-until date " + o.lockRetainUntil() + " must be in the future");
      }
    }
    int metaBytes = 0;
    for (Map.Entry<String, String> e : o.userMetadata().entrySet()) {
      metaBytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (metaBytes > S3Limits.MAX_USER_METADATA_BYTES) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, "s3://" + bucket + "/" + key + ": user metadata is "
          + metaBytes + " bytes, over S3's 2 KB limit");
    }
  }

  private ObjectMetadata commit(String bucket, String key, BucketRecord b, Path tmp, long size, String eTag,
      Map<String, String> checksums, PutOptions o) {
    synchronized (stripe(bucket, key)) {
      if (!o.ifNoneMatch() && o.ifMatch() == null) return commitLocked(bucket, key, b, tmp, size, eTag, checksums, o);
      // A conditional write is a compare-and-swap (a run lease between processes): the check and the write
      // hold an OS file lock, so that two processes sharing the root cannot both pass the check. Java's file
      // locks are per process (a second channel in one JVM gets an exception, not a wait), so stores of one
      // JVM on the same root first take a JVM-wide stripe.
      synchronized (CONDITIONAL[Math.floorMod((root + "/" + bucket + "/" + key).hashCode(), CONDITIONAL.length)]) {
        try (FileChannel lockFile = keyLock(bucket, key); java.nio.channels.FileLock held = lockFile.lock()) {
          return commitLocked(bucket, key, b, tmp, size, eTag, checksums, o);
        } catch (IOException e) {
          throw io("lock s3://" + bucket + "/" + key + " for a conditional write", e);
        }
      }
    }
  }

  private ObjectMetadata commitLocked(String bucket, String key, BucketRecord b, Path tmp, long size, String eTag,
      Map<String, String> checksums, PutOptions o) {
    try {
      List<VersionRecord> all = versions(bucket, key);
      boolean exists = !all.isEmpty() && !all.get(0).deleteMarker;
      if (o.ifNoneMatch() && exists) {
        throw new ObjectStoreException(Reason.PRECONDITION_FAILED, "s3://" + bucket + "/" + key
            + " already exists and the write was conditional on it not existing");
      }
      if (o.ifMatch() != null && !(exists && o.ifMatch().equals(all.get(0).eTag))) {
        throw new ObjectStoreException(exists ? Reason.PRECONDITION_FAILED : Reason.NOT_FOUND, "s3://" + bucket + "/" + key
            + (exists ? " has ETag " + all.get(0).eTag : " does not exist") + " and the write was conditional on ETag "
            + o.ifMatch());
      }
      VersionRecord v = new VersionRecord();
      v.versionId = b.versioning ? newVersionId() : "null";
      v.size = size;
      v.eTag = eTag;
      v.lastModified = clock.millis();
      v.storageClass = o.storageClassOrDefault().name();
      v.contentType = o.contentType() == null ? "binary/octet-stream" : o.contentType();
      v.userMetadata = o.userMetadata().isEmpty() ? null : lowerKeys(o.userMetadata());
      v.checksums = checksums.isEmpty() ? null : checksums;
      v.sse = o.serverSideEncryption();
      v.kmsKeyId = o.kmsKeyId();
      v.lockMode = o.lockMode() == null ? null : o.lockMode().name();
      v.retainUntil = o.lockRetainUntil() == null ? null : o.lockRetainUntil().toEpochMilli();
      v.legalHold = o.legalHold();

      Path live = livePath(bucket, key);
      prepareLiveParent(bucket, key, live);
      if (!all.isEmpty() && !all.get(0).deleteMarker) {
        if (b.versioning) {
          moveIfExists(live, metaDir(bucket, key).resolve("data-" + all.get(0).versionId));
        }
      }
      if (!b.versioning) {
        all.removeIf(r -> "null".equals(r.versionId));
      }
      all.add(0, v);
      move(tmp, live);
      saveVersions(bucket, key, all);
      return toMetadata(bucket, key, v);
    } catch (IOException e) {
      throw io("write s3://" + bucket + "/" + key, e);
    }
  }

  private static Map<String, String> lowerKeys(Map<String, String> m) {
    Map<String, String> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
    return out;
  }

  private void prepareLiveParent(String bucket, String key, Path live) throws IOException {
    if (Files.isDirectory(live)) {
      throw conflict(bucket, key, "a folder of that name holds other keys");
    }
    Path parent = live.getParent();
    Path bucketDir = root.resolve(bucket);
    for (Path p = parent; p != null && p.startsWith(bucketDir) && !p.equals(bucketDir); p = p.getParent()) {
      if (Files.isRegularFile(p)) {
        throw conflict(bucket, key, "key '" + bucketDir.relativize(p) + "' is an object, so it cannot also be a folder");
      }
    }
    try {
      Files.createDirectories(parent);
    } catch (FileAlreadyExistsException | NotDirectoryException e) {
      throw conflict(bucket, key, "a parent folder is an object");
    }
  }

  private ObjectStoreException conflict(String bucket, String key, String why) {
    return new ObjectStoreException(Reason.INVALID_REQUEST, "the local store cannot hold s3://" + bucket + "/"
        + key + ": " + why + " (a file system cannot hold both 'a' and 'a/b'; use S3 for such a lake)");
  }

  @Override
  public void delete(ObjectRef ref, boolean bypassGovernance) {
    BucketRecord b = bucket(ref.bucket());
    checkKey(ref.key());
    String bucket = ref.bucket();
    String key = ref.key();
    synchronized (stripe(bucket, key)) {
      try {
        List<VersionRecord> all = versions(bucket, key);
        Path live = livePath(bucket, key);
        if (ref.versionId() == null) {
          if (b.versioning) {
            if (!all.isEmpty() && !all.get(0).deleteMarker) {
              moveIfExists(live, metaDir(bucket, key).resolve("data-" + all.get(0).versionId));
            }
            VersionRecord marker = new VersionRecord();
            marker.versionId = newVersionId();
            marker.deleteMarker = true;
            marker.lastModified = clock.millis();
            marker.storageClass = StorageClass.STANDARD.name();
            all.add(0, marker);
            saveVersions(bucket, key, all);
          } else {
            Files.deleteIfExists(live);
            deleteTree(metaDir(bucket, key));
          }
          return;
        }
        VersionRecord v = all.stream().filter(r -> r.versionId.equals(ref.versionId())).findFirst().orElse(null);
        if (v == null) return;
        checkDeletable(ref, v, bypassGovernance);
        int index = all.indexOf(v);
        if (index == 0 && !v.deleteMarker) {
          Files.deleteIfExists(live);
        } else {
          Files.deleteIfExists(metaDir(bucket, key).resolve("data-" + v.versionId));
        }
        all.remove(index);
        if (index == 0 && !all.isEmpty() && !all.get(0).deleteMarker) {
          prepareLiveParent(bucket, key, live);
          move(metaDir(bucket, key).resolve("data-" + all.get(0).versionId), live);
        }
        if (all.isEmpty()) {
          deleteTree(metaDir(bucket, key));
        } else {
          saveVersions(bucket, key, all);
        }
      } catch (IOException e) {
        throw io("delete " + ref, e);
      }
    }
  }

  private void checkDeletable(ObjectRef ref, VersionRecord v, boolean bypass) {
    if (v.legalHold) {
      throw new ObjectStoreException(Reason.ACCESS_DENIED, ref + " is under a legal hold and cannot be deleted");
    }
    if (v.retainUntil != null && clock.millis() < v.retainUntil) {
      boolean governance = ObjectLockMode.GOVERNANCE.name().equals(v.lockMode);
      if (!(governance && bypass)) {
        throw new ObjectStoreException(Reason.ACCESS_DENIED, ref + " is locked in " + v.lockMode
            + " mode until " + Instant.ofEpochMilli(v.retainUntil) + " and cannot be deleted");
      }
    }
  }

  @Override
  public void putRetention(ObjectRef ref, ObjectLockMode mode, Instant retainUntil) {
    BucketRecord b = bucket(ref.bucket());
    if (!b.objectLock) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, "bucket '" + ref.bucket()
          + "' was not created with Object Lock, so its objects cannot be locked");
    }
    if (!retainUntil.isAfter(clock.instant())) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, ref + ": the retain-until date " + retainUntil
          + " must be in the future");
    }
    synchronized (stripe(ref.bucket(), ref.key())) {
      List<VersionRecord> all = versions(ref.bucket(), ref.key());
      VersionRecord v = find(ref, all);
      boolean locked = v.retainUntil != null && clock.millis() < v.retainUntil;
      if (locked && ObjectLockMode.COMPLIANCE.name().equals(v.lockMode)
          && (mode != ObjectLockMode.COMPLIANCE || retainUntil.toEpochMilli() < v.retainUntil)) {
        throw new ObjectStoreException(Reason.ACCESS_DENIED, ref + " is locked in COMPLIANCE mode until "
            + Instant.ofEpochMilli(v.retainUntil) + "; that can only be extended");
      }
      v.lockMode = mode.name();
      v.retainUntil = retainUntil.toEpochMilli();
      try {
        saveVersions(ref.bucket(), ref.key(), all);
      } catch (IOException e) {
        throw io("set retention on " + ref, e);
      }
    }
  }

  @Override
  public void putLegalHold(ObjectRef ref, boolean on) {
    BucketRecord b = bucket(ref.bucket());
    if (!b.objectLock) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, "bucket '" + ref.bucket()
          + "' was not created with Object Lock, so it has no legal holds");
    }
    synchronized (stripe(ref.bucket(), ref.key())) {
      List<VersionRecord> all = versions(ref.bucket(), ref.key());
      find(ref, all).legalHold = on;
      try {
        saveVersions(ref.bucket(), ref.key(), all);
      } catch (IOException e) {
        throw io("set legal hold on " + ref, e);
      }
    }
  }

  // ---------------------------------------------------------------- restore

  @Override
  public RestoreRequestResult requestRestore(ObjectRef ref, int days, RestoreTier tier) {
    bucket(ref.bucket());
    if (days < 1) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, "restore of " + ref + ": days must be at least 1");
    }
    synchronized (stripe(ref.bucket(), ref.key())) {
      List<VersionRecord> all = versions(ref.bucket(), ref.key());
      VersionRecord v = find(ref, all);
      if (!StorageClass.valueOf(v.storageClass).needsRestore()) {
        throw new ObjectStoreException(Reason.INVALID_OBJECT_STATE, ref + " is in " + v.storageClass
            + ", not an archive class, so it needs no restore");
      }
      if (tier == RestoreTier.EXPEDITED && StorageClass.DEEP_ARCHIVE.name().equals(v.storageClass)) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, ref + ": Deep Archive has no Expedited tier;"
            + " use Standard or Bulk");
      }
      long now = clock.millis();
      RestoreRequestResult result;
      if (v.restoreRequestedAt != null && now < v.restoreExpiry) {
        if (now < v.restoreCompleteAt) {
          return RestoreRequestResult.ALREADY_IN_PROGRESS;
        }
        v.restoreExpiry = ceilToMidnight(now + Duration.ofDays(days).toMillis());
        result = RestoreRequestResult.ALREADY_RESTORED;
      } else {
        v.restoreRequestedAt = now;
        v.restoreCompleteAt = now + thawDelay.toMillis();
        v.restoreExpiry = ceilToMidnight(v.restoreCompleteAt + Duration.ofDays(days).toMillis());
        result = RestoreRequestResult.STARTED;
      }
      try {
        saveVersions(ref.bucket(), ref.key(), all);
      } catch (IOException e) {
        throw io("request restore of " + ref, e);
      }
      return result;
    }
  }

  private static long ceilToMidnight(long epochMillis) {
    Instant t = Instant.ofEpochMilli(epochMillis);
    Instant day = t.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).toInstant();
    return (day.equals(t) ? day : day.plus(1, ChronoUnit.DAYS)).toEpochMilli();
  }

  // ---------------------------------------------------------------- listing

  @Override
  public Iterator<ObjectVersion> list(String bucket, String prefix) {
    bucket(bucket);
    List<String> keys = new ArrayList<>();
    Path bucketDir = root.resolve(bucket);
    walk(bucketDir, startDir(bucketDir, prefix), false, prefix, keys);
    keys.sort(Keys.UTF8_ORDER);
    Iterator<String> it = keys.iterator();
    return new Iterator<>() {
      ObjectVersion next = advance();

      private ObjectVersion advance() {
        while (it.hasNext()) {
          String key = it.next();
          List<VersionRecord> all = versions(bucket, key);
          if (!all.isEmpty() && !all.get(0).deleteMarker) {
            // Like S3's ListObjectsV2, a plain listing carries no version ids.
            ObjectVersion v = summary(bucket, key, all.get(0), true);
            return new ObjectVersion(bucket, key, null, true, false, v.size(), v.eTag(), v.lastModified(),
                v.storageClass());
          }
        }
        return null;
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public ObjectVersion next() {
        if (next == null) throw new java.util.NoSuchElementException();
        ObjectVersion r = next;
        next = advance();
        return r;
      }
    };
  }

  @Override
  public Iterator<ObjectVersion> listVersions(String bucket, String prefix) {
    bucket(bucket);
    java.util.TreeSet<String> keys = new java.util.TreeSet<>(Keys.UTF8_ORDER);
    Path bucketDir = root.resolve(bucket);
    List<String> found = new ArrayList<>();
    walk(bucketDir, startDir(bucketDir, prefix), false, prefix, found);
    Path metaBucket = storeDir.resolve("meta").resolve(bucket);
    walk(metaBucket, startDir(metaBucket, prefix), true, prefix, found);
    keys.addAll(found);
    List<ObjectVersion> out = new ArrayList<>();
    for (String key : keys) {
      List<VersionRecord> all = versions(bucket, key);
      for (int i = 0; i < all.size(); i++) {
        out.add(summary(bucket, key, all.get(i), i == 0));
      }
    }
    return out.iterator();
  }

  private ObjectVersion summary(String bucket, String key, VersionRecord v, boolean latest) {
    return new ObjectVersion(bucket, key, v.versionId, latest, v.deleteMarker, v.size, v.eTag,
        Instant.ofEpochMilli(v.lastModified), StorageClass.valueOf(v.storageClass));
  }

  private static Path startDir(Path base, String prefix) {
    int slash = prefix.lastIndexOf('/');
    if (slash <= 0) return base;
    Path p = base;
    for (String seg : prefix.substring(0, slash).split("/")) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) return base;
      p = p.resolve(seg);
    }
    return p;
  }

  /** Collects keys under {@code start}: live files (meta=false) or {@code *.lvmeta} folders (meta=true). */
  private static void walk(Path base, Path start, boolean meta, String prefix, List<String> out) {
    if (!Files.isDirectory(start)) return;
    try (Stream<Path> s = Files.walk(start)) {
      s.forEach(p -> {
        String name = p.getFileName().toString();
        String key;
        if (meta) {
          if (!name.endsWith(META_SUFFIX) || !Files.isDirectory(p)) return;
          String rel = base.relativize(p).toString();
          key = rel.substring(0, rel.length() - META_SUFFIX.length());
          if (key.startsWith("/")) key = key.substring(1);
        } else {
          if (!Files.isRegularFile(p)) return;
          if (name.startsWith(".") && name.endsWith(".crc")
              && Files.exists(p.resolveSibling(name.substring(1, name.length() - 4)))) {
            return; // Hadoop's checksum sidecar of a file Spark wrote, not an object
          }
          String rel = base.relativize(p).toString();
          key = name.equals(FOLDER_OBJECT) ? rel.substring(0, rel.length() - FOLDER_OBJECT.length()) : rel;
        }
        if (key.startsWith(prefix)) out.add(key);
      });
    } catch (IOException | UncheckedIOException e) {
      throw new ObjectStoreException(Reason.OTHER, "cannot list " + start + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- multipart

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  static final class UploadRecord {
    public String bucket;
    public String key;
    public long initiated;
    public String storageClass;
    public String contentType;
    public Map<String, String> userMetadata;
    public String sse;
    public String kmsKeyId;
    public String checksum;
    public String lockMode;
    public Long retainUntil;
    public boolean legalHold;
    public boolean ifNoneMatch;
    /** Whether the completion carries a checksum of the whole object rather than one of the part checksums. */
    public boolean fullObject;

    PutOptions options() {
      return new PutOptions(storageClass == null ? null : StorageClass.valueOf(storageClass), contentType,
          userMetadata, sse, kmsKeyId, checksum == null ? null : ChecksumAlgorithm.valueOf(checksum),
          lockMode == null ? null : ObjectLockMode.valueOf(lockMode),
          retainUntil == null ? null : Instant.ofEpochMilli(retainUntil), legalHold, ifNoneMatch, null, null, fullObject);
    }
  }

  @Override
  public MultipartUpload startMultipartUpload(String bucket, String key, PutOptions o) {
    BucketRecord b = bucket(bucket);
    checkKey(key);
    checkOptions(bucket, key, b, o);
    String id = UUID.randomUUID().toString().replace("-", "");
    UploadRecord r = new UploadRecord();
    r.bucket = bucket;
    r.key = key;
    r.initiated = clock.millis();
    r.storageClass = o.storageClass() == null ? null : o.storageClass().name();
    r.contentType = o.contentType();
    r.userMetadata = o.userMetadata().isEmpty() ? null : o.userMetadata();
    r.sse = o.serverSideEncryption();
    r.kmsKeyId = o.kmsKeyId();
    r.checksum = o.checksumAlgorithm() == null ? null : o.checksumAlgorithm().name();
    r.lockMode = o.lockMode() == null ? null : o.lockMode().name();
    r.retainUntil = o.lockRetainUntil() == null ? null : o.lockRetainUntil().toEpochMilli();
    r.legalHold = o.legalHold();
    r.ifNoneMatch = o.ifNoneMatch();
    r.fullObject = o.fullObjectChecksum();
    try {
      Path dir = storeDir.resolve("uploads").resolve(id);
      Files.createDirectories(dir);
      writeJsonAtomically(dir.resolve("upload.json"), r);
    } catch (IOException e) {
      throw io("start multipart upload of s3://" + bucket + "/" + key, e);
    }
    return new LocalUpload(bucket, key, id, o.checksumAlgorithm());
  }

  @Override
  public List<PendingUpload> listMultipartUploads(String bucket, String prefix) {
    bucket(bucket);
    Path uploads = storeDir.resolve("uploads");
    List<PendingUpload> out = new ArrayList<>();
    if (!Files.isDirectory(uploads)) return out;
    try (Stream<Path> s = Files.list(uploads)) {
      for (Path dir : (Iterable<Path>) s::iterator) {
        Path f = dir.resolve("upload.json");
        if (!Files.exists(f)) continue;
        UploadRecord r = JSON.readValue(f.toFile(), UploadRecord.class);
        if (r.bucket.equals(bucket) && r.key.startsWith(prefix)) {
          out.add(new PendingUpload(r.bucket, r.key, dir.getFileName().toString(), Instant.ofEpochMilli(r.initiated)));
        }
      }
    } catch (IOException e) {
      throw io("list multipart uploads in " + bucket, e);
    }
    out.sort(Comparator.comparing(PendingUpload::key, Keys.UTF8_ORDER).thenComparing(PendingUpload::initiated));
    return out;
  }

  @Override
  public void abortMultipartUpload(String bucket, String key, String uploadId) {
    Path dir = storeDir.resolve("uploads").resolve(uploadId);
    try {
      deleteTree(dir);
    } catch (IOException e) {
      throw io("abort multipart upload " + uploadId + " of s3://" + bucket + "/" + key, e);
    }
  }

  /** What a stored part's bytes hash to, recorded beside it so that completing need not read it twice. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  static final class PartRecord {
    public String eTag;
    /** Base64 of the part's CRC or digest in the upload's checksum algorithm, if it has one. */
    public String checksum;
    /** Where the part's bytes are in the upload's assembly file; {@code null} when they are in a file of their own. */
    public Long offset;
    public Long length;
  }

  private final class LocalUpload implements MultipartUpload {
    private final String bucket;
    private final String key;
    private final String id;
    private final Path dir;
    private final ChecksumAlgorithm checksum;

    LocalUpload(String bucket, String key, String id, ChecksumAlgorithm checksum) {
      this.bucket = bucket;
      this.key = key;
      this.id = id;
      this.dir = storeDir.resolve("uploads").resolve(id);
      this.checksum = checksum;
    }

    @Override public String bucket() { return bucket; }
    @Override public String key() { return key; }
    @Override public String uploadId() { return id; }

    /**
     * Parts that arrive in order (1, 2, 3, ...), as a streamed upload sends them, are written one after
     * the other into one file: completing with exactly those parts is then a rename of that file rather
     * than a copy of every byte (the archive job writes each pack once, not twice). A part sent out of
     * order, or again, gets a file of its own, and completing copies what it must.
     */
    private int assembledParts;
    private long assembledBytes;

    private Path part(int partNumber) {
      return dir.resolve(String.format("part-%05d", partNumber));
    }

    private Path record(int partNumber) {
      return dir.resolve(part(partNumber).getFileName() + ".json");
    }

    private Path assembly() {
      return dir.resolve("assembled");
    }

    @Override
    public CompletedPart uploadPart(int partNumber, InputStream data, long length) {
      if (partNumber < 1 || partNumber > S3Limits.MAX_PARTS) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, "part number " + partNumber + " is outside 1.."
            + S3Limits.MAX_PARTS);
      }
      if (!Files.isDirectory(dir)) {
        throw new ObjectStoreException(Reason.NOT_FOUND, "multipart upload " + id + " of s3://" + bucket + "/"
            + key + " does not exist (aborted or completed)");
      }
      synchronized (this) { // parts may be sent from several threads; one at a time joins the assembly
        if (partNumber == assembledParts + 1) return assemble(partNumber, data, length);
      }
      Path tmp = tempFile();
      try {
        Written w = copyCounting(data, tmp, checksum);
        checkLength(partNumber, length, w);
        PartRecord r = new PartRecord();
        r.eTag = HexFormat.of().formatHex(w.md5);
        r.checksum = w.checksum;
        // The record first: a part file present always has its record (a crash in between leaves a record alone).
        writeJsonAtomically(record(partNumber), r);
        move(tmp, part(partNumber));
        return new CompletedPart(partNumber, r.eTag, null);
      } catch (IOException e) {
        throw io("upload part " + partNumber + " of s3://" + bucket + "/" + key, e);
      } finally {
        deleteQuietly(tmp);
      }
    }

    /** The next part in order, written at the end of the assembly file; its record says where. */
    private CompletedPart assemble(int partNumber, InputStream data, long length) {
      try (FileChannel ch = FileChannel.open(assembly(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        // At the end of the parts assembled so far: bytes a failed attempt left past it are overwritten.
        ch.position(assembledBytes);
        Written w = hash(data, Channels.newOutputStream(ch), checksum);
        checkLength(partNumber, length, w);
        PartRecord r = new PartRecord();
        r.eTag = HexFormat.of().formatHex(w.md5);
        r.checksum = w.checksum;
        r.offset = assembledBytes;
        r.length = w.size;
        writeJsonAtomically(record(partNumber), r);
        Files.deleteIfExists(part(partNumber));
        assembledParts = partNumber;
        assembledBytes += w.size;
        return new CompletedPart(partNumber, r.eTag, null);
      } catch (IOException e) {
        throw io("upload part " + partNumber + " of s3://" + bucket + "/" + key, e);
      }
    }

    private void checkLength(int partNumber, long length, Written w) {
      if (w.size != length) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, "part " + partNumber + ": expected " + length
            + " bytes but the stream had " + w.size);
      }
    }

    /**
     * Checks the listed parts against what was stored (as S3 does, by ETag, without reading the bytes
     * again). When they are exactly the parts assembled in order, the assembly file becomes the object;
     * otherwise the parts are concatenated in the kernel.
     */
    @Override
    public ObjectMetadata complete(List<CompletedPart> parts, String fullObjectChecksum) {
      if (parts.isEmpty()) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, "multipart upload of s3://" + bucket + "/" + key
            + " has no parts");
      }
      UploadRecord r;
      try {
        r = JSON.readValue(dir.resolve("upload.json").toFile(), UploadRecord.class);
      } catch (IOException e) {
        throw new ObjectStoreException(Reason.NOT_FOUND, "multipart upload " + id + " of s3://" + bucket + "/"
            + key + " does not exist (aborted or completed)", e);
      }
      PutOptions o = r.options();
      if (fullObjectChecksum != null && !o.fullObjectChecksum()) {
        throw new IllegalArgumentException("s3://" + bucket + "/" + key + " was not started with a full-object checksum");
      }
      Path tmp = null;
      try {
        MessageDigest etagOfMd5s = md("MD5");
        MessageDigest composite = o.checksumAlgorithm() == null || o.fullObjectChecksum() ? null
            : compositeDigest(o.checksumAlgorithm());
        List<PartRecord> stored = new ArrayList<>(parts.size());
        long size = 0;
        boolean assembledInOrder = true;
        int previous = 0;
        for (int i = 0; i < parts.size(); i++) {
          CompletedPart p = parts.get(i);
          if (p.partNumber() <= previous) {
            throw new ObjectStoreException(Reason.INVALID_REQUEST, "parts must be listed in ascending order");
          }
          previous = p.partNumber();
          PartRecord rec = partRecord(p.partNumber(), o.checksumAlgorithm());
          if (rec == null) {
            throw new ObjectStoreException(Reason.INVALID_REQUEST, "part " + p.partNumber() + " of s3://" + bucket
                + "/" + key + " was never uploaded");
          }
          long partSize = rec.length;
          if (i < parts.size() - 1 && partSize < S3Limits.MIN_PART_SIZE) {
            throw new ObjectStoreException(Reason.INVALID_REQUEST, "part " + p.partNumber() + " of s3://" + bucket
                + "/" + key + " is " + partSize + " bytes; every part but the last must be at least 5 MiB");
          }
          if (!rec.eTag.equals(p.eTag())) {
            throw new ObjectStoreException(Reason.INVALID_REQUEST, "part " + p.partNumber() + " of s3://" + bucket
                + "/" + key + " has ETag " + rec.eTag + ", not " + p.eTag());
          }
          etagOfMd5s.update(HexFormat.of().parseHex(rec.eTag));
          if (composite != null) composite.update(Base64.getDecoder().decode(rec.checksum));
          assembledInOrder &= p.partNumber() == i + 1 && rec.offset != null && rec.offset == size;
          stored.add(rec);
          size += partSize;
        }
        // Only when the listed parts are all the assembly holds: it is not cut, so that a completion that
        // fails (a conditional write refused) leaves every part as it was.
        if (assembledInOrder && Files.size(assembly()) == size) {
          tmp = assembly();
        } else {
          tmp = tempFile();
          try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < parts.size(); i++) {
              PartRecord rec = stored.get(i);
              boolean assembled = rec.offset != null;
              try (FileChannel in = FileChannel.open(assembled ? assembly() : part(parts.get(i).partNumber()),
                  StandardOpenOption.READ)) {
                long from = assembled ? rec.offset : 0;
                for (long done = 0; done < rec.length; ) {
                  long n = in.transferTo(from + done, rec.length - done, out);
                  if (n <= 0) {
                    throw new IOException("part " + parts.get(i).partNumber() + " holds fewer bytes than recorded;"
                        + " the local store was changed by hand");
                  }
                  done += n;
                }
              }
            }
          }
        }
        Map<String, String> sums = new TreeMap<>();
        if (composite != null) {
          sums.put(o.checksumAlgorithm().name(), Base64.getEncoder().encodeToString(composite.digest()) + "-" + parts.size());
        }
        if (o.fullObjectChecksum()) {
          // S3 computes it over the assembled object; so does this store, reading it once more.
          String whole;
          try (InputStream in = Files.newInputStream(tmp)) {
            whole = hash(in, OutputStream.nullOutputStream(), o.checksumAlgorithm()).checksum;
          }
          if (fullObjectChecksum != null && !fullObjectChecksum.equals(whole)) {
            throw badDigest("complete multipart upload of s3://" + bucket + "/" + key, o.checksumAlgorithm(), whole,
                fullObjectChecksum);
          }
          sums.put(o.checksumAlgorithm().name(), whole);
        }
        String eTag = HexFormat.of().formatHex(etagOfMd5s.digest()) + "-" + parts.size();
        ObjectMetadata m = commit(bucket, key, LocalObjectStore.this.bucket(bucket), tmp, size, eTag, sums, o);
        deleteTree(dir);
        return m;
      } catch (IOException e) {
        throw io("complete multipart upload of s3://" + bucket + "/" + key, e);
      } finally {
        if (tmp != null && !tmp.equals(assembly())) deleteQuietly(tmp);
      }
    }

    /**
     * The part's record, or {@code null} when it was never uploaded. A part file with no record, or
     * without the checksum asked for (as an earlier version of the store left them), is hashed now.
     */
    private PartRecord partRecord(int partNumber, ChecksumAlgorithm alg) throws IOException {
      Path part = part(partNumber);
      Path f = record(partNumber);
      PartRecord rec = null;
      if (Files.exists(f)) {
        rec = JSON.readValue(f.toFile(), PartRecord.class);
        if (rec.offset != null) return rec;
      }
      if (!Files.exists(part)) return null;
      if (rec != null && (alg == null || rec.checksum != null)) {
        rec.length = Files.size(part);
        return rec;
      }
      try (InputStream in = Files.newInputStream(part)) {
        Written w = hash(in, OutputStream.nullOutputStream(), alg);
        rec = new PartRecord();
        rec.eTag = HexFormat.of().formatHex(w.md5);
        rec.checksum = w.checksum;
        rec.length = w.size;
        return rec;
      }
    }

    @Override
    public void abort() {
      abortMultipartUpload(bucket, key, id);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Rejects keys a file system cannot hold, naming the key and the reason. */
  void checkKey(String key) {
    if (key.isEmpty()) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, "an object key must not be empty");
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > S3Limits.MAX_KEY_BYTES) {
      throw new ObjectStoreException(Reason.INVALID_REQUEST, "key '" + key.substring(0, 64) + "...' is over "
          + S3Limits.MAX_KEY_BYTES + " UTF-8 bytes, S3's limit");
    }
    String[] segs = key.split("/", -1);
    for (int i = 0; i < segs.length; i++) {
      String s = segs[i];
      boolean last = i == segs.length - 1;
      if ((s.isEmpty() && !last) || s.equals(".") || s.equals("..") || s.indexOf('\0') >= 0
          || s.getBytes(StandardCharsets.UTF_8).length > 255 || s.endsWith(META_SUFFIX)
          || s.equals(FOLDER_OBJECT) || (i == 0 && s.equals(STORE_DIR))) {
        throw new ObjectStoreException(Reason.INVALID_REQUEST, "the local store cannot hold key '" + key
            + "': segment '" + s + "' is empty, '.', '..', over 255 bytes or reserved; use S3 for such keys");
      }
    }
  }

  private static String newVersionId() {
    // S3 version ids are opaque strings; time-ordered here so that listings are easy to read.
    return String.format("%013d", System.currentTimeMillis()) + UUID.randomUUID().toString().replace("-", "").substring(0, 19);
  }

  private Path tempFile() {
    try {
      return Files.createTempFile(storeDir.resolve("tmp"), "put-", ".tmp");
    } catch (IOException e) {
      throw io("create a temporary file", e);
    }
  }

  private record Written(long size, byte[] md5, String checksum) {}

  private static Written copyCounting(InputStream in, Path target, ChecksumAlgorithm alg) {
    try (OutputStream out = Files.newOutputStream(target)) {
      return hash(in, out, alg);
    } catch (IOException e) {
      throw new ObjectStoreException(Reason.OTHER, "cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Copies {@code in} to {@code out}, computing its size, MD5 and (when {@code alg} is set) checksum. */
  private static Written hash(InputStream in, OutputStream out, ChecksumAlgorithm alg) throws IOException {
    MessageDigest md5 = md("MD5");
    Checksum crc = alg == null ? null : crcFor(alg);
    MessageDigest sha = alg == null || crc != null ? null : md(digestName(alg));
    byte[] buf = new byte[1 << 16];
    long size = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      md5.update(buf, 0, n);
      if (crc != null) crc.update(buf, 0, n);
      if (sha != null) sha.update(buf, 0, n);
      size += n;
    }
    String sum = crc != null ? Base64.getEncoder().encodeToString(crcBytes(crc))
        : sha != null ? Base64.getEncoder().encodeToString(sha.digest()) : null;
    return new Written(size, md5.digest(), sum);
  }

  private static Checksum crcFor(ChecksumAlgorithm a) {
    return switch (a) {
      case CRC32 -> new CRC32();
      case CRC32C -> new CRC32C();
      default -> null;
    };
  }

  private static byte[] crcBytes(Checksum c) {
    return ByteBuffer.allocate(4).putInt((int) c.getValue()).array();
  }

  private static String digestName(ChecksumAlgorithm a) {
    return a == ChecksumAlgorithm.SHA1 ? "SHA-1" : "SHA-256";
  }

  private static MessageDigest compositeDigest(ChecksumAlgorithm a) {
    // A composite checksum is the same algorithm over the concatenated part checksums.
    return a == ChecksumAlgorithm.CRC32 || a == ChecksumAlgorithm.CRC32C ? new CrcDigest(a) : md(digestName(a));
  }

  /** A CRC exposed as a MessageDigest, for composite checksums. */
  private static final class CrcDigest extends MessageDigest {
    private final Checksum crc;

    CrcDigest(ChecksumAlgorithm a) {
      super(a.name());
      this.crc = crcFor(a);
    }

    @Override protected void engineUpdate(byte input) { crc.update(input); }
    @Override protected void engineUpdate(byte[] input, int offset, int len) { crc.update(input, offset, len); }
    @Override protected byte[] engineDigest() { return crcBytes(crc); }
    @Override protected void engineReset() { crc.reset(); }
  }

  static MessageDigest md(String name) {
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] digest(InputStream in, String alg) throws IOException {
    MessageDigest d = md(alg);
    byte[] buf = new byte[1 << 16];
    int n;
    while ((n = in.read(buf)) > 0) d.update(buf, 0, n);
    return d.digest();
  }

  private static void move(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void moveIfExists(Path from, Path to) throws IOException {
    if (Files.exists(from)) move(from, to);
  }

  private void writeJsonAtomically(Path target, Object value) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = tempFile();
    JSON.writeValue(tmp.toFile(), value);
    move(tmp, target);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a leftover temporary file is harmless; tmp/ is only ever written, never read
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        try {
          Files.deleteIfExists(p);
        } catch (DirectoryNotEmptyException e) {
          // a concurrent writer added to it; leave it
        }
      }
    }
  }

  private ObjectStoreException io(String what, IOException e) {
    return new ObjectStoreException(Reason.OTHER, "cannot " + what + " in " + describe() + ": " + e, e);
  }
}
