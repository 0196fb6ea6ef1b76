package io.lakevault.core.restore;

import io.lakevault.core.store.ChecksumAlgorithm;
import io.lakevault.core.store.MultipartOutputStream;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Limits;
import io.lakevault.core.store.S3Uri;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

/**
 * A bucket as restore target: each version back at its original bucket and key ({@link #original}), or
 * under one bucket and prefix ({@code <prefix><key>}, {@code <prefix><key>/<version id>} when every
 * version is restored). Objects keep their content type and user metadata, and are written with a
 * SHA-256 checksum, so a re-run recognises them without reading them. Objects up to
 * {@link #IN_MEMORY_LIMIT} are verified in memory before their PUT; larger ones stream into a multipart
 * upload that is aborted, leaving nothing, when the bytes fail their check.
 */
public final class StoreTarget implements RestoreTarget {
  public static final long IN_MEMORY_LIMIT = 16L << 20;
  private static final long PART_SIZE = 64L << 20;

  private final ObjectStore store;
  private final S3Uri base; // null: the original location
  private final boolean versions;

  private StoreTarget(ObjectStore store, S3Uri base, boolean versions) {
    this.store = store;
    this.base = base;
    this.versions = versions;
  }

  /** Each version back where it was archived from. */
  public static StoreTarget original(ObjectStore store, boolean versions) {
    return new StoreTarget(store, null, versions);
  }

  /** Under {@code s3://bucket/prefix}: the prefix is prepended to each key as written (add the '/' yourself). */
  public static StoreTarget under(ObjectStore store, S3Uri base, boolean versions) {
    return new StoreTarget(store, base, versions);
  }

  @Override
  public String locate(String bucket, String key, String versionId) {
    String k = (base == null ? key : base.key() + key) + (versions ? "/" + (versionId == null ? "null" : versionId) : "");
    if (k.isEmpty()) throw new UnsafeKeyException("an empty key cannot be written");
    if (k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 1024) {
      throw new UnsafeKeyException("key '" + k + "' is longer than S3's 1,024 bytes");
    }
    return new S3Uri(base == null ? bucket : base.bucket(), k).toString();
  }

  @Override
  public InputStream read(String location) {
    S3Uri u = S3Uri.parse(location);
    return store.get(new ObjectRef(u.bucket(), u.key(), null));
  }

  @Override
  public Existing head(String location) {
    S3Uri u = S3Uri.parse(location);
    try {
      ObjectMetadata m = store.head(new ObjectRef(u.bucket(), u.key(), null));
      String sha = m.checksums().get(ChecksumAlgorithm.SHA256);
      String hex = sha == null || sha.contains("-") ? null : HexFormat.of().formatHex(Base64.getDecoder().decode(sha));
      return new Existing(m.size(), m.lastModified(), m.eTag(), hex);
    } catch (ObjectStoreException e) {
      if (e.reason() == ObjectStoreException.Reason.NOT_FOUND) return null;
      throw e;
    }
  }

  @Override
  public boolean holds(String location, Existing existing, Wanted wanted) {
    if (existing.size() != wanted.size()) return false;
    if (existing.sha256() != null) return existing.sha256().equals(wanted.sha256());
    if (wanted.writtenTag() != null && wanted.writtenTag().equals(existing.tag())) return true;
    return wanted.sourceETag() != null && wanted.sourceETag().equals(existing.tag());
  }

  @Override
  public String write(String location, InputStream data, long size, String contentType, Map<String, String> userMetadata,
      Instant lastModified, boolean replace) throws IOException {
    S3Uri u = S3Uri.parse(location);
    PutOptions.Builder o = PutOptions.builder().contentType(contentType).userMetadata(userMetadata);
    if (size <= IN_MEMORY_LIMIT) {
      byte[] bytes = data.readAllBytes(); // reads to the end: the SHA-256 is checked before anything is sent
      return store.put(u.bucket(), u.key(), bytes, o.checksum(ChecksumAlgorithm.SHA256).build()).eTag();
    }
    MultipartOutputStream out = new MultipartOutputStream(store, u.bucket(), u.key(), o.build(),
        S3Limits.partSizeFor(size, PART_SIZE));
    try {
      data.transferTo(out);
    } catch (IOException | RuntimeException e) {
      out.abort();
      throw e;
    }
    out.close();
    return out.result().eTag();
  }

  @Override
  public void close() {
    store.close();
  }
}
