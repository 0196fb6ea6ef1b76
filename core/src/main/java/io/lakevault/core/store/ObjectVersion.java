package io.lakevault.core.store;

import java.io.Serializable;
import java.time.Instant;

/**
 * One entry of a listing. In a plain listing every entry is the current version
 * ({@code isLatest}, never a delete marker); a version listing also returns noncurrent versions and
 * delete markers, newest first within a key.
 */
public record ObjectVersion(String bucket, String key, String versionId, boolean isLatest,
    boolean isDeleteMarker, long size, String eTag, Instant lastModified, StorageClass storageClass)
    implements Serializable {

  public ObjectRef ref() {
    return new ObjectRef(bucket, key, versionId);
  }
}
