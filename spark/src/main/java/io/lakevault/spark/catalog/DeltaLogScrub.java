package io.lakevault.spark.catalog;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.lifecycle.PurgePlanner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A catalog table's files below Delta, for {@code catalog purge}: its data files (current and those only
 * older versions list), and its log, corrected after data files were rewritten in place. Driver side;
 * what it holds grows with the table's files and commits, never with rows.
 *
 * <p>The log's commit files are rewritten where they describe a rewritten file (new size, no statistics:
 * Delta's min/max statistics keep up to 32 characters of a key). Checkpoints and version checksums are
 * derived from the commits and hold the same statistics and sizes, so they are deleted and a new checkpoint
 * is written from the corrected commits. That needs every commit since version 0, which the catalog's
 * ten-year log retention keeps; a table whose early commits are gone is refused, not half-purged.
 */
public final class DeltaLogScrub {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaLogScrub.class);
  private static final Pattern COMMIT = Pattern.compile("\\d{20}\\.json");
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final Pattern DERIVED = Pattern.compile("\\d{20}\\.(crc|checkpoint\\..*parquet)|_last_checkpoint");

  private final SparkSession spark;
  private final String table;
  private final Path root;
  private final FileSystem fs;

  public DeltaLogScrub(SparkSession spark, String tablePath) {
    this.spark = spark;
    this.table = tablePath;
    this.root = new Path(tablePath);
    try {
      this.fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new LakevaultException(ErrorKind.STORE, "cannot open the catalog table " + tablePath + ": " + e.getMessage(), e);
    }
  }

  /** A data file of the table, with its path relative to the table (decoded) and its size. */
  public record DataFile(String relative, String path, long size) {}

  /**
   * Every Parquet data file under the table, whether the current version or only older ones list it (and
   * files no version lists, left by failed writes): all of them can hold an erased row.
   */
  public List<DataFile> dataFiles() throws IOException {
    List<DataFile> out = new ArrayList<>();
    if (!fs.exists(root)) return out;
    String base = root.toUri().getPath();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) {
      LocatedFileStatus st = it.next();
      String path = st.getPath().toUri().getPath();
      String rel = path.substring(base.length() + (base.endsWith("/") ? 0 : 1));
      if (rel.startsWith("_delta_log/") || !rel.endsWith(".parquet")) continue;
      if (st.getPath().getName().startsWith(".") || st.getPath().getName().startsWith("_")) continue;
      out.add(new DataFile(rel, st.getPath().toString(), st.getLen()));
    }
    return out;
  }

  /** A data file's partition values, from its path ({@code column=value} folders, Hive-escaped). */
  public static Map<String, String> partitionValues(String relative) {
    Map<String, String> out = new HashMap<>();
    String[] parts = relative.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      int eq = parts[i].indexOf('=');
      if (eq > 0) {
        out.put(org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils.unescapePathName(parts[i].substring(0, eq)),
            org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils.unescapePathName(parts[i].substring(eq + 1)));
      }
    }
    return out;
  }

  /** The table's commit files by version; refuses a log whose early commits were cleaned up. */
  private TreeMap<Long, FileStatus> commits() throws IOException {
    TreeMap<Long, FileStatus> out = new TreeMap<>();
    Path log = new Path(root, "_delta_log");
    if (!fs.exists(log)) return out;
    for (FileStatus st : fs.listStatus(log)) {
      if (COMMIT.matcher(st.getPath().getName()).matches()) {
        out.put(Long.parseLong(st.getPath().getName().substring(0, 20)), st);
      }
    }
    if (!out.isEmpty() && (out.firstKey() != 0 || out.lastKey() - out.firstKey() + 1 != out.size())) {
      throw new LakevaultException(ErrorKind.INPUT, "the Delta log of " + table + " lacks commits (it starts at version "
          + out.firstKey() + " and has " + out.size() + " of " + (out.lastKey() + 1) + "): catalog purge rewrites a log"
          + " only from version 0 on; nothing was changed. Restore the log's history or purge this table by hand"
          + " (docs/catalog.md, \"Purge\")");
    }
    return out;
  }

  /**
   * Refuses before anything is rewritten when the log cannot be corrected: early commits missing, or a
   * file to rewrite carries a deletion vector (its row numbers would point at other rows).
   */
  public void check(Set<String> toRewrite) throws IOException {
    for (FileStatus st : commits().values()) {
      for (String line : lines(st.getPath())) {
        if (PurgePlanner.hasDeletionVector(line, toRewrite)) {
          throw new LakevaultException(ErrorKind.INPUT, "a data file of " + table + " to purge has a deletion vector ("
              + st.getPath().getName() + "); catalog purge does not rewrite such files. Nothing was changed. Run"
              + " REORG TABLE ... APPLY (PURGE) on the table, then purge again");
        }
      }
    }
  }

  /**
   * Corrects the log after data files were rewritten: every file action whose size differs from the
   * file's size now, or whose file this purge rewrote, gets the new size and loses its statistics. Comparing
   * sizes also repairs a purge that died between rewriting files and correcting the log. Then the derived
   * files (checksums, checkpoints) are replaced by one new checkpoint when anything changed, or when the
   * table has no checkpoint although long enough to need one.
   *
   * @return how many commit files were rewritten
   */
  public int correct(Set<String> rewritten) throws IOException {
    Map<String, Long> sizes = new HashMap<>();
    for (DataFile f : dataFiles()) sizes.put(f.relative(), f.size());
    TreeMap<Long, FileStatus> commits = commits();
    Map<String, Long> fix = new HashMap<>();
    // First pass: which logged files need correcting (size differs, or rewritten by this purge; every action
    // of a file logs the same size, so each one is decided as it is read), and which commits name them: the
    // second pass reads only those.
    Set<Long> toRewrite = new java.util.HashSet<>();
    for (Map.Entry<Long, FileStatus> c : commits.entrySet()) {
      for (String line : lines(c.getValue().getPath())) {
        for (String[] action : actions(line)) {
          Long now = sizes.get(action[0]);
          if (now == null) continue; // vacuumed: nothing left to read
          if (rewritten.contains(action[0]) || (action[1] != null && Long.parseLong(action[1]) != now)) {
            fix.put(action[0], now);
            toRewrite.add(c.getKey());
          }
        }
      }
    }
    int changed = 0;
    for (Map.Entry<Long, FileStatus> c : commits.entrySet()) {
      if (!toRewrite.contains(c.getKey())) continue;
      List<String> in = lines(c.getValue().getPath());
      List<String> out = new ArrayList<>(in.size());
      boolean any = false;
      for (String line : in) {
        String s = PurgePlanner.scrubLogLine(line, fix);
        any |= s != line;
        out.add(s);
      }
      if (any) {
        write(c.getValue().getPath(), out);
        changed++;
      }
    }
    boolean hasCheckpoint = false;
    Path log = new Path(root, "_delta_log");
    if (fs.exists(log)) {
      for (FileStatus st : fs.listStatus(log)) hasCheckpoint |= st.getPath().getName().contains(".checkpoint.");
    }
    if (changed > 0 || (!hasCheckpoint && commits.size() > 10)) {
      for (FileStatus st : fs.listStatus(log)) {
        if (DERIVED.matcher(st.getPath().getName()).matches()) fs.delete(st.getPath(), false);
      }
      DeltaLog.clearCache();
      DeltaLog.forTable(spark, table).checkpoint();
      LOG.info("{}: {} commit file(s) corrected, checkpoint rewritten", table, changed);
    }
    return changed;
  }

  /** The file actions of a log line: {decoded relative path, logged size or null}. */
  private static List<String[]> actions(String line) {
    List<String[]> out = new ArrayList<>();
    if (!line.contains("\"path\"")) return out;
    com.fasterxml.jackson.databind.JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a Delta log line: " + e.getMessage(), e);
    }
    for (String kind : List.of("add", "remove", "cdc")) {
      com.fasterxml.jackson.databind.JsonNode a = node.get(kind);
      if (a != null && a.has("path")) {
        out.add(new String[] {PurgePlanner.decodedPath(a.get("path").asText()),
            a.hasNonNull("size") ? a.get("size").asText() : null});
      }
    }
    return out;
  }

  private List<String> lines(Path p) throws IOException {
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
      for (String l = r.readLine(); l != null; l = r.readLine()) out.add(l);
    }
    return out;
  }

  /** Replaces a commit file: on a local disk through a hidden copy renamed over it, on S3 by one PUT. */
  private void write(Path p, List<String> lines) throws IOException {
    boolean local = "file".equals(fs.getScheme());
    Path target = local ? new Path(p.getParent(), "." + p.getName() + ".purge") : p;
    try (OutputStream o = fs.create(target, true)) {
      o.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8)); // as Delta writes it: no final newline
    }
    if (local && !fs.rename(target, p)) throw new IOException("could not replace " + p + " by its corrected copy");
  }
}
