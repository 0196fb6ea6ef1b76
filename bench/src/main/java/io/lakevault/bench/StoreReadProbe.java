package io.lakevault.bench;

import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What reading the archive benchmark's lake costs on the local store, against reading the same files
 * with no store in between: each object opened and read whole by {@code --threads} threads, through a
 * stream ({@code open}) and with {@code readAll} as the archive job's readers do, alternating
 * {@code --runs} times. Run {@code bench/run ArchiveBench} once
 * first: it writes the lake.
 *
 * <pre>bench/run StoreReadProbe [--objects N] [--threads T] [--runs K] [--dir DIR]</pre>
 */
public final class StoreReadProbe {
  private StoreReadProbe() {}

  public static void main(String[] args) throws Exception {
    java.util.Map<String, String> a = new java.util.LinkedHashMap<>(java.util.Map.of("--objects", "200000",
        "--threads", "4", "--runs", "3", "--dir", "/tmp/lakevault-bench-archive"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    Path root = Path.of(a.get("--dir")).resolve("lake-" + a.get("--objects"));
    int threads = Integer.parseInt(a.get("--threads"));
    List<String[]> objects = new ArrayList<>();
    for (String line : Files.readAllLines(root.resolve("manifest.bin"))) objects.add(line.split("\t"));
    LocalObjectStore store = new LocalObjectStore(root.resolve("store"));
    System.out.printf(Locale.ROOT, "%,d objects, %d threads%n", objects.size(), threads);
    for (int run = 1; run <= Integer.parseInt(a.get("--runs")); run++) {
      double files = time(objects, threads, o -> Files.readAllBytes(store.livePath(ArchiveBench.BUCKET, o[0])).length);
      double viaStore = time(objects, threads, o -> {
        try (ObjectStore.ObjectContent c = store.open(new ObjectRef(ArchiveBench.BUCKET, o[0], o[1]));
            InputStream in = c.stream()) {
          return in.readAllBytes().length;
        }
      });
      double whole = time(objects, threads, o -> store.readAll(new ObjectRef(ArchiveBench.BUCKET, o[0], o[1]),
          Integer.parseInt(o[3])).bytes().length);
      System.out.printf(Locale.ROOT, "run %d: the files alone %.2f s (%.1f us an object), through the store: a stream"
          + " %.2f s (%.1f us an object), read whole %.2f s (%.1f us an object)%n", run, files,
          files * 1e6 / objects.size(), viaStore, viaStore * 1e6 / objects.size(), whole, whole * 1e6 / objects.size());
    }
  }

  interface Read {
    long read(String[] object) throws Exception;
  }

  private static double time(List<String[]> objects, int threads, Read read) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicLong bytes = new AtomicLong();
    long t0 = System.nanoTime();
    List<Future<?>> fs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      fs.add(pool.submit(() -> {
        for (int i = first; i < objects.size(); i += threads) bytes.addAndGet(read.read(objects.get(i)));
        return null;
      }));
    }
    for (Future<?> f : fs) f.get();
    pool.shutdown();
    return (System.nanoTime() - t0) / 1e9;
  }
}
