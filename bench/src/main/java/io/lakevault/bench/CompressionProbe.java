package io.lakevault.bench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.lakevault.core.pack.EntrySource;
import io.lakevault.core.pack.PackDictionary;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackWriter;
import io.lakevault.core.store.LocalObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * What zstd costs the archive job, per kind of content: the benchmark lake's JSON logs and CSV
 * transactions compressed one frame per object as pack entries are (with a dictionary trained as the
 * job trains it, at level 1 and 3; without one at level 3), against one stream over the same objects
 * at level 3, which is what {@code zstd -3} does on each of its threads over the tar. One thread; the
 * median of {@code --runs}. Explains why the archive benchmark's pack tasks differ in speed: each task
 * is a range of keys, so the tasks of {@code logs/} and of {@code transactions/} compress different
 * content. Last, one pack of both kinds through {@link PackWriter}, its dictionary trained on the
 * first 8 MiB of JSON, as a pack spanning both prefixes would get: what each kind is stored as. Run
 * {@code bench/run ArchiveBench} once first: it writes the lake.
 *
 * <pre>bench/run CompressionProbe [--per-kind N] [--runs K] [--objects N] [--dir DIR]</pre>
 */
public final class CompressionProbe {
  private CompressionProbe() {}

  /** As the archive job samples for a pack's dictionary: the first members, up to 8 MiB. */
  private static final long SAMPLE_BYTES = 8L << 20;

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--objects", "200000", "--per-kind", "12000", "--runs", "5",
        "--dir", "/tmp/lakevault-bench-archive"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    Path root = Path.of(a.get("--dir")).resolve("lake-" + a.get("--objects"));
    int perKind = Integer.parseInt(a.get("--per-kind"));
    int runs = Integer.parseInt(a.get("--runs"));
    LocalObjectStore store = new LocalObjectStore(root.resolve("store"));
    List<String> keys = Files.readAllLines(root.resolve("manifest.bin")).stream().map(l -> l.split("\t")[0]).sorted()
        .toList();
    Map<String, List<byte[]>> kinds = new LinkedHashMap<>();
    for (String prefix : List.of("logs/", "transactions/")) {
      List<byte[]> objects = new ArrayList<>();
      kinds.put(prefix, objects);
      for (String key : keys) {
        if (objects.size() == perKind) break;
        if (key.startsWith(prefix)) objects.add(Files.readAllBytes(store.livePath(ArchiveBench.BUCKET, key)));
      }
      long bytes = objects.stream().mapToLong(o -> o.length).sum();
      List<byte[]> samples = samples(objects);
      long sampled = samples.stream().mapToLong(o -> o.length).sum();
      long t0 = System.nanoTime();
      byte[] dict = PackDictionary.train(samples, PackDictionary.DEFAULT_SIZE);
      double trainSecs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "%s: %,d objects, %.1f MB; dictionary of %,d bytes trained on %.1f MB in %.2f s%n",
          prefix, objects.size(), bytes / 1e6, dict.length, sampled / 1e6, trainSecs);
      report("  entries, dictionary, level 1 (the job's)", bytes, runs, () -> entries(objects, dict, 1));
      report("  entries, dictionary, level 3", bytes, runs, () -> entries(objects, dict, 3));
      report("  entries, no dictionary, level 3 (erasable classes')", bytes, runs, () -> entries(objects, null, 3));
      report("  entries, no dictionary, level 1", bytes, runs, () -> entries(objects, null, 1));
      report("  one stream, level 3 (zstd -3's work)", bytes, runs, () -> stream(objects, 3));
    }
    mixedPack(kinds);
  }

  /** The first members up to {@link #SAMPLE_BYTES}, as the job samples for a pack's dictionary. */
  private static List<byte[]> samples(List<byte[]> objects) {
    List<byte[]> samples = new ArrayList<>();
    long sampled = 0;
    for (byte[] o : objects) {
      if (sampled >= SAMPLE_BYTES) break;
      samples.add(o);
      sampled += o.length;
    }
    return samples;
  }

  /** One pack of every kind in turn, with the first kind's dictionary, written as the job writes packs. */
  private static void mixedPack(Map<String, List<byte[]>> kinds) throws Exception {
    List<byte[]> samples = samples(kinds.values().iterator().next());
    long sampled = samples.stream().mapToLong(b -> b.length).sum();
    byte[] dict = PackDictionary.train(samples, PackDictionary.DEFAULT_SIZE);
    // As PackTask opens a pack with a dictionary: level 1, no lock or keys (encryption is not what is measured).
    PackWriter.Options o = new PackWriter.Options(UUID.randomUUID(), Instant.now(), "probe", "probe", "DEEP_ARCHIVE",
        null, null, null, dict, 1, 8L << 20);
    Map<String, long[]> stored = new LinkedHashMap<>(); // original, stored, entries with the dictionary, entries
    long t0 = System.nanoTime();
    try (PackWriter w = new PackWriter(OutputStream.nullOutputStream(), o)) {
      int i = 0;
      for (Map.Entry<String, List<byte[]>> k : kinds.entrySet()) {
        long[] s = stored.computeIfAbsent(k.getKey(), x -> new long[4]);
        String ext = k.getKey().startsWith("logs") ? ".json" : ".csv";
        for (byte[] b : k.getValue()) {
          EntrySource src = new EntrySource("probe", k.getKey() + "part-" + i++ + ext, null, null, Instant.EPOCH,
              b.length, null, null, Map.of(), null);
          PackEntry e = w.add(src, b, null);
          s[0] += b.length;
          s[1] += e.storedLength();
          if (e.codec() == io.lakevault.core.pack.PackFormat.Codec.ZSTD_DICTIONARY) s[2]++;
          s[3]++;
        }
      }
      w.finish();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    long total = stored.values().stream().mapToLong(s -> s[0]).sum();
    System.out.printf(Locale.ROOT, "one pack of both kinds, the dictionary trained on the first %.1f MB of %s (%.1f MB/s):%n",
        sampled / 1e6, kinds.keySet().iterator().next(), total / 1e6 / secs);
    stored.forEach((k, s) -> System.out.printf(Locale.ROOT, "  %-14s ratio %.3f, %,d of %,d entries with the dictionary%n",
        k, (double) s[0] / s[1], s[2], s[3]));
  }

  interface Compress {
    long run() throws Exception;
  }

  private static void report(String what, long bytes, int runs, Compress c) throws Exception {
    double[] secs = new double[runs];
    long out = 0;
    c.run(); // warm-up: the JIT, and the pages of zstd's tables
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      out = c.run();
      secs[i] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(secs);
    double median = secs[runs / 2];
    System.out.printf(Locale.ROOT, "%-42s %6.1f MB/s  ratio %.3f%n", what, bytes / 1e6 / median, (double) bytes / out);
  }

  private static long entries(List<byte[]> objects, byte[] dict, int level) {
    long out = 0;
    byte[] buf = new byte[0];
    try (ZstdCompressCtx z = new ZstdCompressCtx().setLevel(level).setChecksum(false).setContentSize(true)) {
      if (dict != null) z.loadDict(dict);
      for (byte[] o : objects) {
        int bound = (int) Zstd.compressBound(o.length);
        if (buf.length < bound) buf = new byte[bound];
        out += z.compressByteArray(buf, 0, buf.length, o, 0, o.length);
      }
    }
    return out + (dict == null ? 0 : dict.length);
  }

  private static long stream(List<byte[]> objects, int level) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 << 20);
    try (ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(bytes, level)) {
      for (byte[] o : objects) z.write(o);
    }
    return bytes.size();
  }
}
