package io.lakevault.restore;

import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.restore.FolderTarget;
import io.lakevault.core.restore.RestoreTarget;
import io.lakevault.core.restore.StoreTarget;
import io.lakevault.core.store.S3Uri;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * A {@code --to} value, parsed on the driver and opened in each task: {@code original} (each version
 * back at its bucket and key), {@code s3://bucket/prefix}, or a local folder (a path, or {@code file:}).
 * A local folder is on the machine the tasks run on: in Spark local mode, this machine; on a cluster,
 * use an S3 target.
 *
 * @param versions every version restored: each is written below its key, named by its version id
 */
public record TargetSpec(Kind kind, String location, boolean versions) implements Serializable {
  public enum Kind { ORIGINAL, STORE, FOLDER }

  public static TargetSpec parse(String to, boolean versions) {
    if (to == null || to.isBlank()) throw LakevaultException.usage("--to is required: s3://bucket/prefix, original, or a local folder");
    if (to.equals("original")) return new TargetSpec(Kind.ORIGINAL, to, versions);
    if (S3Uri.isS3(to)) {
      S3Uri u = S3Uri.parse(to);
      String key = u.key().isEmpty() || u.key().endsWith("/") ? u.key() : u.key() + "/";
      return new TargetSpec(Kind.STORE, new S3Uri(u.bucket(), key).toString(), versions);
    }
    String path = to.startsWith("file:") ? java.net.URI.create(to).getPath() : to;
    if (to.contains("://") && !to.startsWith("file:")) {
      throw LakevaultException.usage("--to " + to + ": use s3://bucket/prefix, original, or a local folder");
    }
    return new TargetSpec(Kind.FOLDER, Path.of(path).toAbsolutePath().normalize().toString(), versions);
  }

  public RestoreTarget open(LakevaultConfig config) {
    return switch (kind) {
      case ORIGINAL -> StoreTarget.original(ObjectStores.open(config), versions);
      case STORE -> StoreTarget.under(ObjectStores.open(config), S3Uri.parse(location), versions);
      case FOLDER -> new FolderTarget(Path.of(location), versions);
    };
  }

  /** The location of a file beside the objects (an export's manifests). */
  String file(String name) {
    return switch (kind) {
      case ORIGINAL -> throw new IllegalStateException("no files beside objects restored to their original location");
      case STORE -> location + name;
      case FOLDER -> Path.of(location).resolve(name).toString();
    };
  }

  /** A location relative to the target, as manifests list it. */
  String relative(String location) {
    String base = kind == Kind.FOLDER ? this.location + "/" : this.location;
    return location.startsWith(base) ? location.substring(base.length()) : location;
  }
}
