package io.lakevault.spark;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.store.S3Uri;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * Turns the {@code s3://} URIs users write into paths Hadoop can open. With {@code store.local.root}
 * set, {@code s3://bucket/key} is {@code file:<root>/bucket/key}, the same file the local object store
 * holds; otherwise the URI is kept ({@code s3://} is EMRFS on EMR, and S3A elsewhere, see
 * {@link SparkSessions}).
 */
public final class Locations implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String localRoot;

  public Locations(LakevaultConfig config) {
    String root = config.get(Settings.STORE_LOCAL_ROOT);
    this.localRoot = root == null ? null : Path.of(root).toAbsolutePath().normalize().toString();
  }

  public boolean isLocal() {
    return localRoot != null;
  }

  /** The Hadoop path of a URI; URIs that are not s3 (file:, hdfs:) pass through. */
  public String hadoopPath(String uri) {
    // file:///x and file:/x are one location, but Delta takes them for two: keep the form Hadoop qualifies to.
    if (uri.startsWith("file:///")) return "file:/" + uri.substring("file:///".length());
    if (!S3Uri.isS3(uri)) return uri;
    if (localRoot == null) return uri;
    S3Uri u = S3Uri.parse(uri);
    // "file:/abs/path", the form Hadoop qualifies paths to, so Delta sees one location, not two.
    return "file:" + Path.of(localRoot, u.bucket()).resolve(u.key());
  }
}
