package io.lakevault.archive;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.spark.HadoopConf;
import io.lakevault.spark.SmallFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where an archive run notes each pack before it uploads a byte of it:
 * {@code <catalog.uri>/staging/archive-packs/<run id>/<pack id>}, holding the pack's class and URI.
 *
 * <p>A pack that no commit catalogs (its task failed, was retried or lost a speculative race, or the
 * driver died) is then found from the notes of its run, not by listing the archive: housekeeping lists
 * the notes of earlier runs, reads those whose packs the catalog does not list, deletes those packs, and
 * drops the notes; a run that completes does the same with its own notes. The cost is one small write
 * per pack and a listing per run (one request per thousand notes on S3); a note is read only for a pack
 * left uncataloged, which only a failure leaves. It does not grow with the archive, which holds millions
 * of packs after a few years.
 */
final class PackJournal implements Serializable {
  private static final long serialVersionUID = 1L;
  static final String FOLDER = "/staging/archive-packs";

  /**
   * A noted pack.
   *
   * @param retentionClass the pack's class, or {@code null} when the note is damaged
   * @param uri the pack's URI, or {@code null} when the note is damaged
   */
  record Note(String run, String packId, String retentionClass, String uri) {
    /**
     * A note that does not read as {@code <class><TAB><pack uri>}: written by a version that wrote notes
     * in place and was killed mid-write, or damaged since. Its pack, if one was uploaded, is found by
     * its id.
     */
    boolean damaged() {
      return uri == null;
    }
  }

  /** The journal folder as Hadoop opens it. */
  private final String root;
  private final HadoopConf hadoop;

  /**
   * @param root {@code <catalog.uri>/staging/archive-packs} as Hadoop opens it
   */
  PackJournal(String root, HadoopConf hadoop) {
    this.root = root;
    this.hadoop = hadoop;
  }

  /** Notes a pack about to be uploaded; the upload must not start unless this returned. */
  void note(String run, String packId, String retentionClass, String packUri) {
    Path p = new Path(new Path(root, run), packId);
    try {
      // All or nothing: a note cut short by a kill would name no pack, and every later run would stop on it.
      SmallFiles.write(fs(p), p, (retentionClass + "\t" + packUri + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot note pack " + packUri + " in " + p + " before uploading it ("
          + e.getMessage() + "); nothing of it was uploaded", e);
    }
  }

  /**
   * The runs with notes, and the pack ids they noted, in run order: from listings only (a note is named
   * after its pack), so a sweep reads the contents of just the notes whose packs no commit cataloged.
   */
  Map<String, List<String>> runs() {
    Map<String, List<String>> out = new TreeMap<>();
    Path r = new Path(root);
    try {
      FileSystem fs = fs(r);
      if (!fs.exists(r)) return out;
      for (FileStatus run : fs.listStatus(r)) {
        if (run.isDirectory()) out.put(run.getPath().getName(), packIds(run.getPath().getName()));
      }
    } catch (IOException e) {
      throw failed(r, e);
    }
    return out;
  }

  /** The pack ids one run noted: a listing of its folder, no note read. */
  List<String> packIds(String run) {
    List<String> out = new ArrayList<>();
    Path dir = new Path(root, run);
    try {
      FileSystem fs = fs(dir);
      if (!fs.exists(dir)) return out;
      for (FileStatus f : fs.listStatus(dir)) {
        if (f.isFile() && !SmallFiles.isHidden(f.getPath().getName())) out.add(f.getPath().getName());
      }
    } catch (IOException e) {
      throw failed(dir, e);
    }
    return out;
  }

  /** One note, read: its pack's class and URI, or a damaged note naming only the pack id. */
  Note read(String run, String packId) {
    Path p = new Path(new Path(root, run), packId);
    try (InputStream in = fs(p).open(p)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      String[] fields = text.endsWith("\n") ? text.strip().split("\t", 2) : new String[0];
      boolean whole = fields.length == 2 && !fields[0].isEmpty() && fields[1].startsWith("s3://")
          && fields[1].endsWith("/" + packId + ".lvp");
      return whole ? new Note(run, packId, fields[0], fields[1]) : new Note(run, packId, null, null);
    } catch (IOException e) {
      throw failed(p, e);
    }
  }

  /** Drops one note, once its pack is cataloged or deleted. */
  void drop(Note n) {
    Path p = new Path(new Path(root, n.run()), n.packId());
    try {
      fs(p).delete(p, false);
    } catch (IOException e) {
      throw failed(p, e);
    }
  }

  /** Drops a run's notes, all in one recursive delete (bulk deletes on S3), once each is dealt with. */
  void dropRun(String run) {
    Path dir = new Path(root, run);
    try {
      fs(dir).delete(dir, true);
    } catch (IOException e) {
      throw failed(dir, e);
    }
  }

  private FileSystem fs(Path p) throws IOException {
    return p.getFileSystem(hadoop.get());
  }

  private static LakevaultException failed(Path p, IOException e) {
    return new LakevaultException(ErrorKind.STORE, "cannot read or update the pack notes in " + p + ": " + e.getMessage(), e);
  }
}
