package io.lakevault.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Small control files (pack notes, reports, policies) written so that a reader sees all of a file or
 * none of it, whatever moment the writer is killed at.
 *
 * <p>On an object store (S3A, EMRFS) a created file becomes visible only when its stream closes, as one
 * PUT: writing it directly is already all or nothing. On a file system (the local store, HDFS) a created
 * file is visible while it is written, so the bytes go to a hidden sibling first and are renamed over
 * the name; a writer killed before the rename leaves only the hidden file, which readers skip
 * ({@link #isHidden}) and the next clean-up of the folder removes.
 */
public final class SmallFiles {
  private SmallFiles() {}

  /** Names that readers of control folders skip: temporaries of this class, Hadoop's {@code .crc} and {@code _SUCCESS}. */
  public static boolean isHidden(String name) {
    return name.startsWith(".") || name.startsWith("_");
  }

  /** Writes {@code bytes} as the whole of {@code p}, replacing what was there. */
  public static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
    String scheme = fs.getUri().getScheme();
    if ("s3a".equals(scheme) || "s3".equals(scheme) || "s3n".equals(scheme)) {
      try (OutputStream out = fs.create(p, true)) {
        out.write(bytes);
      }
      return;
    }
    Path tmp = new Path(p.getParent(), "." + p.getName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (OutputStream out = fs.create(tmp, false)) {
        out.write(bytes);
      }
      // rename(2) replaces an existing file atomically; Hadoop's rename refuses an existing target on
      // some file systems, and then the old file goes first (a reader in between sees none, never half).
      if (!fs.rename(tmp, p)) {
        fs.delete(p, false);
        if (!fs.rename(tmp, p)) throw new IOException("cannot rename " + tmp + " to " + p);
      }
    } finally {
      if (fs.exists(tmp)) fs.delete(tmp, false);
    }
  }
}
