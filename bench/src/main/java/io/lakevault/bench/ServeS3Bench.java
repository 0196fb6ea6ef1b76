package io.lakevault.bench;

import static org.apache.spark.sql.functions.col;

import io.lakevault.access.S3Gateway;
import io.lakevault.aws.KeyResolvers;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.S3Uri;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.spark.SparkSessions;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * serve-s3 (issue 25): GETs per second of 8 KiB objects and MB/s of 8 MiB objects read from
 * {@code serve-s3} by lakevault's own S3 client (AWS SDK v2, SigV4-signed, path-style), against the same
 * entries read straight from the packs on the local store (a pack reader opened once per pack, as the
 * endpoint caches them), with the same number of concurrent readers, in the same run.
 *
 * <pre>bench/run ServeS3Bench [--small 4000] [--large 24] [--threads 8] [--rounds 3] [--dir /tmp/lakevault-bench-serve]</pre>
 */
public final class ServeS3Bench {
  private static final String KEY_ID = "AKIDBENCH";
  private static final String SECRET = "bench-secret";

  record Entry(String key, String packId, int ordinal, long size) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("--small", "4000", "--large", "24", "--threads", "8",
        "--rounds", "3", "--dir", "/tmp/lakevault-bench-serve"));
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
    int small = Integer.parseInt(a.get("--small"));
    int large = Integer.parseInt(a.get("--large"));
    int threads = Integer.parseInt(a.get("--threads"));
    int rounds = Integer.parseInt(a.get("--rounds"));
    Path dir = Path.of(a.get("--dir"));
    Path root = dir.resolve("lake-" + small + "-" + large);
    Path manifest = root.resolve("manifest.bin");
    System.out.printf("serve-s3 benchmark: %d cores, heap %d MiB, %d concurrent readers%n",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, threads);
    if (!Files.exists(manifest)) generate(root, small, large, manifest);
    List<Row> rows = ArchiveBench.readManifest(manifest);
    LakevaultConfig config = ArchiveBench.lakeConfig(root, dir.resolve("keys"));
    SparkSession spark = SparkSessions.getOrCreate(config, "lakevault-bench-serve");
    Catalog catalog = new Catalog(spark, config);
    if (!catalog.exists(CatalogTable.OBJECTS) || catalog.read(CatalogTable.OBJECTS).count() != rows.size()) {
      // The archive benchmark's policy, in an instantly readable class.
      String policyText = ArchiveBench.POLICY.replace("DEEP_ARCHIVE", "GLACIER_IR");
      byte[] policyBytes = policyText.getBytes(StandardCharsets.UTF_8);
      Policy policy = PolicyParser.parse("bench-policy.yaml", policyBytes);
      ArchiveBench.archive(spark, config, root, rows, policy, policyBytes, 1);
    }
    List<Entry> smalls = new ArrayList<>();
    List<Entry> larges = new ArrayList<>();
    for (Row r : catalog.read(CatalogTable.OBJECTS).select("key", "pack_id", "entry_ordinal", "size")
        .orderBy(col("key")).collectAsList()) {
      Entry e = new Entry(r.getString(0), r.getString(1), r.getInt(2), r.getLong(3));
      (e.key().startsWith("small/") ? smalls : larges).add(e);
    }
    Map<String, ObjectRef> packs = new HashMap<>();
    for (Row r : catalog.read(CatalogTable.PACKS).select("pack_id", "uri", "version_id").collectAsList()) {
      S3Uri u = S3Uri.parse(r.getString(1));
      packs.put(r.getString(0), new ObjectRef(u.bucket(), u.key(), r.getString(2)));
    }
    Map<String, String> keyVersions = new HashMap<>();
    for (Row r : catalog.read(CatalogTable.PACKS).select("pack_id", "key_version_id").collectAsList()) {
      keyVersions.put(r.getString(0), r.getString(1));
    }
    spark.stop();
    System.out.printf("%,d objects of 8 KiB and %,d of 8 MiB in %d pack(s)%n", smalls.size(), larges.size(), packs.size());

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (ObjectStore local = ObjectStores.open(config); KeyResolvers keys = KeyResolvers.from(config)) {
      // Direct: one reader per pack, opened before timing, as the endpoint's cache holds them.
      Map<String, PackReader> readers = new HashMap<>();
      for (Map.Entry<String, ObjectRef> p : packs.entrySet()) {
        PackReader r = PackReader.open(RangeSource.of(local, p.getValue()), p.getValue().key());
        r.loadKeys(local, p.getValue(), keyVersions.get(p.getKey()), keys);
        readers.put(p.getKey(), r);
      }
      Reader direct = e -> {
        PackReader r = readers.get(e.packId());
        try (InputStream in = r.openEntry(r.entry(e.ordinal()))) {
          return in.transferTo(java.io.OutputStream.nullOutputStream());
        }
      };
      System.setProperty("aws.accessKeyId", KEY_ID);
      System.setProperty("aws.secretAccessKey", SECRET);
      try (S3Gateway gateway = new S3Gateway(new KernelCatalog(config), local, keys,
          new S3Gateway.Options("127.0.0.1", 0, false, Map.of(KEY_ID, SECRET), null, 32, 256), Clock.systemUTC()).start();
           ObjectStore client = ObjectStores.open(LakevaultConfig.of(Map.of("store.local.root", "", "s3.endpoint", gateway.url(),
               "s3.path-style", "true", "s3.region", "us-east-1", "s3.max-attempts", "1")))) {
        Reader served = e -> {
          try (InputStream in = client.get(new ObjectRef(ArchiveBench.BUCKET, e.key(), null))) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
          }
        };
        // One untimed pass each: JIT, the endpoint's pack cache, the page cache.
        time(pool, smalls, direct);
        time(pool, smalls, served);
        time(pool, larges, direct);
        time(pool, larges, served);
        for (String kind : List.of("8 KiB", "8 MiB")) {
          List<Entry> set = kind.equals("8 KiB") ? smalls : larges;
          double[] d = new double[rounds];
          double[] s = new double[rounds];
          long bytes = 0;
          for (Entry e : set) bytes += e.size();
          for (int i = 0; i < rounds; i++) {
            d[i] = time(pool, set, direct);
            s[i] = time(pool, set, served);
          }
          double dm = ArchiveBench.median(d);
          double sm = ArchiveBench.median(s);
          System.out.printf(Locale.ROOT, "%s objects, %,d GETs, median of %d: direct from packs %.2f s = %,.0f GET/s %,.1f MB/s;"
                  + " serve-s3 %.2f s = %,.0f GET/s %,.1f MB/s; serve-s3/direct %.2f%n", kind, set.size(), rounds, dm,
              set.size() / dm, bytes / dm / 1e6, sm, set.size() / sm, bytes / sm / 1e6, dm / sm);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  interface Reader {
    long read(Entry e) throws Exception;
  }

  /** Seconds to read every entry with the pool's threads; fails if any read returns the wrong length. */
  static double time(ExecutorService pool, List<Entry> entries, Reader reader) throws Exception {
    AtomicLong next = new AtomicLong();
    int n = ((java.util.concurrent.ThreadPoolExecutor) pool).getCorePoolSize();
    List<Callable<Void>> workers = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      workers.add(() -> {
        for (long i = next.getAndIncrement(); i < entries.size(); i = next.getAndIncrement()) {
          Entry e = entries.get((int) i);
          long got = reader.read(e);
          if (got != e.size()) throw new IllegalStateException(e.key() + ": read " + got + " of " + e.size() + " bytes");
        }
        return null;
      });
    }
    long t0 = System.nanoTime();
    for (Future<Void> f : pool.invokeAll(workers)) f.get();
    return (System.nanoTime() - t0) / 1e9;
  }

  static void generate(Path root, int small, int large, Path manifest) throws Exception {
    System.out.printf("generating %,d objects of 8 KiB and %,d of 8 MiB under %s (once)%n", small, large, root);
    LocalObjectStore store = new LocalObjectStore(root.resolve("store"));
    store.createBucket(ArchiveBench.BUCKET, true, false);
    Random r = new Random(2026);
    StringBuilder m = new StringBuilder();
    for (int i = 0; i < small + large; i++) {
      boolean big = i >= small;
      int size = big ? 8 << 20 : 8 << 10;
      String key = (big ? "large/part-" + (i - small) + ".csv" : "small/2026/" + (i % 12) + "/event-" + i + ".json");
      byte[] content = big ? ArchiveBench.csvRows(r, size) : ArchiveBench.jsonRecords(r, size);
      ObjectMetadata md = store.put(ArchiveBench.BUCKET, key, content, PutOptions.builder()
          .contentType(big ? "text/csv" : "application/json").build());
      m.append(key).append('\t').append(md.versionId()).append('\t').append(md.eTag()).append('\t').append(size)
          .append('\t').append(md.lastModified().toEpochMilli()).append('\n');
    }
    Files.writeString(manifest, m.toString());
  }
}
