package io.lakevault.generator;

import io.lakevault.core.inventory.InventoryField;
import io.lakevault.core.inventory.InventoryFormat;
import io.lakevault.core.store.ChecksumAlgorithm;
import io.lakevault.core.store.MultipartOutputStream;
import io.lakevault.core.store.ObjectLockMode;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.PutOptions;
import io.lakevault.core.store.StorageClass;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a realistic sample data lake and its S3 Inventory reports: the embedded demo's input, the
 * test fixtures' and the benchmarks'.
 *
 * <p>Three source buckets: {@code acme-trading-logs} (JSON log lines, versioned), {@code acme-transactions}
 * (CSV, versioned, Object Lock, SSE-KMS on some), {@code acme-sensor-blobs} (binary readings,
 * unversioned, some in GLACIER); keys with spaces, {@code +}, {@code %}, unicode, deep prefixes, markup and one
 * of 1,024 bytes; some objects over 100 MB streamed as multipart uploads; new versions, deletes and
 * re-creates of some keys. Then two inventory configurations per bucket (one all-versions, one
 * current-version), rotating CSV, ORC and Parquet so that each format appears in both kinds.
 *
 * <p>On the local store, every write is dated by a {@link SimulatedClock} so the lake spans the
 * configured years; on S3 the store's own times apply.
 */
public final class LakeGenerator {
  private static final Logger LOG = LoggerFactory.getLogger(LakeGenerator.class);
  public static final String LOGS = "acme-trading-logs";
  public static final String TRANSACTIONS = "acme-transactions";
  public static final String BLOBS = "acme-sensor-blobs";
  public static final String INVENTORY = "acme-inventory";
  public static final String INVENTORY_PREFIX = "inventory";
  static final String OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
  private static final String[] SERVICES = {"order-router", "risk-engine", "market-data", "settlement", "scratch"};
  private static final String[] SYMBOLS = {"AAPL", "MSFT", "AMZN", "GOOG", "TSLA", "JPM", "XOM", "NVDA"};
  private static final String[] REGIONS = {"us-east", "us-west", "eu-central", "ap-south"};

  private final ObjectStore store;
  private final SimulatedClock clock;
  private final SparkSession spark;
  private final GeneratorOptions options;
  private final AtomicLong bytes = new AtomicLong();

  public LakeGenerator(ObjectStore store, SimulatedClock clock, SparkSession spark, GeneratorOptions options) {
    this.store = store;
    this.clock = clock;
    this.spark = spark;
    this.options = options;
  }

  /** The keys written with special characters, in every source bucket; tests look them up. */
  public static List<String> trickyKeys() {
    String deep = "deep/" + "nested-prefix-level-of-forty-characters/".repeat(24);
    String longKey = deep + "k".repeat(1024 - deep.getBytes(StandardCharsets.UTF_8).length);
    return List.of("reports/with space/q1 summary.json", "reports/plus+sign/a+b=c.json",
        "reports/percent%20encoded/100%.json", "reports/unicode/données/日本語/ñandú.json",
        "reports/emoji/📈 rally.json", longKey, "reports/folder-marker/",
        "reports/markup/<script>alert(1)</script>.json"); // pages must show it as text
  }

  public GeneratedLake generate() {
    store.createBucket(LOGS, true, false);
    store.createBucket(TRANSACTIONS, true, true);
    store.createBucket(BLOBS, false, false);
    store.createBucket(INVENTORY, false, false);

    Duration span = Duration.between(options.from(), options.to());
    Instant baseEnd = options.from().plus(span.multipliedBy(4).dividedBy(5));
    List<Planned> planned = new ArrayList<>();
    for (int i = 0; i < options.objects(); i++) {
      Instant t = options.from().plus(Duration.between(options.from(), baseEnd).multipliedBy(i).dividedBy(options.objects()));
      planned.add(plan(i, t));
    }
    LOG.info("writing {} objects", planned.size());
    parallel(planned, this::write);

    List<Planned> extra = new ArrayList<>();
    int n = 0;
    for (String bucket : List.of(LOGS, TRANSACTIONS, BLOBS)) {
      for (String key : trickyKeys()) {
        Random r = new Random(options.seed() + key.hashCode() + bucket.hashCode());
        byte[] body = key.endsWith("/") ? new byte[0] : jsonLog(r, 600, options.from());
        extra.add(new Planned(bucket, key, body, baseEnd.minus(Duration.ofDays(30 - n++)),
            PutOptions.builder().contentType(key.endsWith("/") ? "application/x-directory" : "application/json").build()));
      }
    }
    parallel(extra, this::write);
    for (int i = 0; i < options.largeObjects(); i++) {
      writeLarge(i, baseEnd.minus(Duration.ofDays(10 + i)));
    }
    if (options.versions()) {
      mutate(planned, baseEnd, options.to());
    }
    clock.clear();
    Instant scan = options.to().plus(Duration.ofDays(1));
    List<GeneratedLake.Report> reports = writeReports(scan);
    long objects = 0;
    long versions = 0;
    long markers = 0;
    for (String b : List.of(LOGS, TRANSACTIONS, BLOBS)) {
      for (Iterator<ObjectVersion> it = store.listVersions(b, ""); it.hasNext(); ) {
        ObjectVersion v = it.next();
        if (v.isDeleteMarker()) {
          markers++;
        } else {
          versions++;
          if (v.isLatest()) objects++;
        }
      }
    }
    return new GeneratedLake(List.of(LOGS, TRANSACTIONS, BLOBS), INVENTORY, objects, versions, markers, bytes.get(), reports);
  }

  // ------------------------------------------------------------------ objects

  private record Planned(String bucket, String key, byte[] body, Instant time, PutOptions options) {}

  private Planned plan(int i, Instant t) {
    Random r = new Random(options.seed() * 1_000_003L + i);
    ZonedDateTime z = t.atZone(ZoneOffset.UTC);
    int kind = i % 20;
    if (kind < 10) {
      String service = SERVICES[r.nextInt(SERVICES.length)];
      String key = String.format("app=%s/dt=%s/hour=%02d/%s-%06d.json", service,
          DateTimeFormatter.ISO_LOCAL_DATE.format(z), z.getHour(), service, i);
      PutOptions.Builder o = PutOptions.builder().contentType("application/json")
          .userMetadata("source-system", service).storageClass(r.nextInt(10) == 0 ? StorageClass.STANDARD_IA : StorageClass.STANDARD);
      if (r.nextInt(10) < 3) o.checksum(ChecksumAlgorithm.CRC32);
      return new Planned(LOGS, key, jsonLog(r, 500 + r.nextInt(7_500), t), t, o.build());
    } else if (kind < 17) {
      String region = REGIONS[r.nextInt(REGIONS.length)];
      String key = String.format("region=%s/year=%d/month=%02d/tx-%07d.csv", region, z.getYear(), z.getMonthValue(), i);
      PutOptions.Builder o = PutOptions.builder().contentType("text/csv").checksum(ChecksumAlgorithm.SHA256)
          .userMetadata("ledger", region);
      if (r.nextInt(5) == 0) {
        o.serverSideEncryption("aws:kms", "alias/acme-finance");
      } else {
        o.serverSideEncryption("AES256", null);
      }
      if (r.nextInt(10) == 0) {
        // FINRA-style WORM: seven years from creation.
        o.objectLock(ObjectLockMode.COMPLIANCE, t.atZone(ZoneOffset.UTC).plusYears(7).toInstant());
      }
      return new Planned(TRANSACTIONS, key, csvTransactions(r, 1_000 + r.nextInt(15_000), t), t, o.build());
    } else {
      String device = String.format("dev-%04d", r.nextInt(500));
      String key = String.format("device/%s/%d/%s.bin", device, t.toEpochMilli(), Integer.toHexString(i));
      int c = r.nextInt(100);
      StorageClass sc = c < 2 ? StorageClass.GLACIER : c < 8 ? StorageClass.INTELLIGENT_TIERING : StorageClass.STANDARD;
      return new Planned(BLOBS, key, sensorBlob(r, 1_000 + r.nextInt(31_000)), t, PutOptions.builder()
          .contentType("application/octet-stream").storageClass(sc).userMetadata("device", device).build());
    }
  }

  private void write(Planned p) {
    clock.set(p.time());
    store.put(p.bucket(), p.key(), p.body(), p.options());
    bytes.addAndGet(p.body().length);
  }

  private void writeLarge(int i, Instant t) {
    clock.set(t);
    String key = String.format("raw/large/capture-%02d.bin", i);
    Random r = new Random(options.seed() + 7919L * i);
    try (MultipartOutputStream out = new MultipartOutputStream(store, BLOBS, key, PutOptions.builder()
        .contentType("application/octet-stream").userMetadata("device", "bulk-capture").build(), 16L * 1024 * 1024)) {
      byte[] chunk = new byte[1 << 20];
      long left = options.largeObjectBytes();
      while (left > 0) {
        fillSensor(r, chunk);
        int n = (int) Math.min(chunk.length, left);
        out.write(chunk, 0, n);
        left -= n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write large object " + key, e);
    }
    bytes.addAndGet(options.largeObjectBytes());
  }

  /** New versions of 5% of the versioned keys, deletes of 2%, delete-then-recreate of 0.5%. */
  private void mutate(List<Planned> planned, Instant from, Instant to) {
    List<Runnable> changes = new ArrayList<>();
    Random r = new Random(options.seed() ^ 0x5DEECE66DL);
    List<Planned> versioned = planned.stream().filter(p -> !p.bucket().equals(BLOBS)).toList();
    Duration span = Duration.between(from, to);
    for (Planned p : versioned) {
      int dice = r.nextInt(1000);
      Instant t1 = from.plus(span.multipliedBy(r.nextInt(1000)).dividedBy(2000));
      Instant t2 = t1.plus(span.dividedBy(3));
      long seed = r.nextLong();
      if (dice < 50) {
        boolean third = dice < 17;
        changes.add(() -> {
          Random rr = new Random(seed);
          write(new Planned(p.bucket(), p.key(), body(p, rr, t1), t1, p.options()));
          if (third) write(new Planned(p.bucket(), p.key(), body(p, rr, t2), t2, p.options()));
        });
      } else if (dice < 70) {
        changes.add(() -> delete(p, t1));
      } else if (dice < 75) {
        changes.add(() -> {
          delete(p, t1);
          write(new Planned(p.bucket(), p.key(), body(p, new Random(seed), t2), t2, p.options()));
        });
      }
    }
    LOG.info("changing {} keys (new versions, deletes, re-creates)", changes.size());
    parallel(changes, Runnable::run);
  }

  private byte[] body(Planned p, Random r, Instant t) {
    return p.bucket().equals(LOGS) ? jsonLog(r, p.body().length + r.nextInt(512), t)
        : csvTransactions(r, p.body().length + r.nextInt(512), t);
  }

  private void delete(Planned p, Instant t) {
    clock.set(t);
    store.delete(ObjectRef.of(p.bucket(), p.key()));
  }

  private <T> void parallel(List<T> items, java.util.function.Consumer<T> action) {
    int threads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors() * 2));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      int chunk = Math.max(1, items.size() / (threads * 4));
      for (int from = 0; from < items.size(); from += chunk) {
        List<T> part = items.subList(from, Math.min(items.size(), from + chunk));
        fs.add(pool.submit(() -> {
          try {
            part.forEach(action);
          } finally {
            clock.clear();
          }
        }));
      }
      for (Future<?> f : fs) f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ content

  static byte[] jsonLog(Random r, int size, Instant start) {
    StringBuilder sb = new StringBuilder(size + 256);
    long ts = start.toEpochMilli();
    while (sb.length() < size) {
      ts += r.nextInt(2_000);
      String svc = SERVICES[r.nextInt(SERVICES.length)];
      sb.append("{\"ts\":\"").append(Instant.ofEpochMilli(ts)).append("\",\"level\":\"")
          .append(r.nextInt(20) == 0 ? "WARN" : "INFO").append("\",\"service\":\"").append(svc)
          .append("\",\"trace_id\":\"").append(Long.toHexString(r.nextLong())).append("\",\"user_id\":")
          .append(r.nextInt(100_000)).append(",\"latency_ms\":").append(r.nextInt(250)).append(",\"symbol\":\"")
          .append(SYMBOLS[r.nextInt(SYMBOLS.length)]).append("\",\"qty\":").append(100 * (1 + r.nextInt(50)))
          .append(",\"msg\":\"").append(r.nextBoolean() ? "order accepted" : "quote refreshed").append("\"}\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] csvTransactions(Random r, int size, Instant start) {
    StringBuilder sb = new StringBuilder(size + 256).append("txn_id,account,timestamp,amount,currency,counterparty,status\n");
    long ts = start.toEpochMilli();
    while (sb.length() < size) {
      ts += r.nextInt(60_000);
      sb.append(Long.toHexString(r.nextLong())).append(",ACC-").append(10_000 + r.nextInt(90_000)).append(',')
          .append(Instant.ofEpochMilli(ts)).append(',').append(r.nextInt(1_000_000) / 100.0).append(',')
          .append(r.nextInt(4) == 0 ? "EUR" : "USD").append(",CP-").append(r.nextInt(700)).append(',')
          .append(r.nextInt(50) == 0 ? "REVERSED" : "SETTLED").append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] sensorBlob(Random r, int size) {
    byte[] b = new byte[size];
    fillSensor(r, b);
    return b;
  }

  /** Sensor records: a timestamp and four slowly drifting float readings, as real telemetry compresses. */
  private static void fillSensor(Random r, byte[] b) {
    ByteBuffer buf = ByteBuffer.wrap(b);
    long t = r.nextInt(1 << 30);
    float a = r.nextFloat() * 100;
    float c = r.nextFloat() * 10;
    while (buf.remaining() >= 24) {
      t += 100;
      a += (r.nextInt(3) - 1) * 0.5f;
      c += (r.nextInt(3) - 1) * 0.25f;
      buf.putLong(t).putFloat(a).putFloat(c).putFloat(20.0f).putFloat(r.nextInt(4));
    }
    while (buf.hasRemaining()) buf.put((byte) 0);
  }

  // ------------------------------------------------------------------ inventory reports

  private static final List<InventoryField> ALL_OPTIONAL = java.util.Arrays.stream(InventoryField.values())
      .filter(InventoryField::optional).toList();
  private static final List<InventoryField> SOME_OPTIONAL = List.of(InventoryField.SIZE, InventoryField.LAST_MODIFIED_DATE,
      InventoryField.E_TAG, InventoryField.STORAGE_CLASS, InventoryField.ENCRYPTION_STATUS, InventoryField.CHECKSUM_ALGORITHM);

  /**
   * Delivers the six inventory reports of the lake as it is now, dated {@code scan}: what S3 would
   * deliver on a later day, for tests of change sets.
   */
  public List<GeneratedLake.Report> writeReports(Instant scan) {
    List<GeneratedLake.Report> out = new ArrayList<>();
    InventoryFormat[] formats = InventoryFormat.values();
    int i = 0;
    for (String bucket : List.of(LOGS, TRANSACTIONS, BLOBS)) {
      InventoryFormat all = formats[i % 3];
      InventoryFormat current = formats[(i + 2) % 3];
      out.add(report(bucket, "all-versions-" + all.name().toLowerCase(), all, true, ALL_OPTIONAL, scan));
      out.add(report(bucket, "current-" + current.name().toLowerCase(), current, false, SOME_OPTIONAL, scan));
      i++;
    }
    return out;
  }

  private GeneratedLake.Report report(String bucket, String configId, InventoryFormat format, boolean allVersions,
      List<InventoryField> fields, Instant scan) {
    List<Row> rows = new ArrayList<>();
    Iterator<ObjectVersion> it = allVersions ? store.listVersions(bucket, "") : store.list(bucket, "");
    while (it.hasNext()) {
      rows.add(row(it.next()));
    }
    int files = rows.size() > 5_000 ? 3 : 1;
    var spec = new InventoryReportWriter.Spec(bucket, configId, format, allVersions, fields, INVENTORY, INVENTORY_PREFIX,
        scan, files);
    // Slices of about 1,000 rows keep each task small (Spark warns above 1 MB a task; 2,000 rows of an
    // all-versions report with every optional field came to 1.3 MB).
    var rdd = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
        .parallelize(rows, Math.max(1, rows.size() / 1_000));
    String manifest = InventoryReportWriter.write(spark, store,
        spark.createDataFrame(rdd, InventoryReportWriter.rowSchema()), spec);
    LOG.info("wrote {} inventory report {} ({} rows)", format, manifest, rows.size());
    return new GeneratedLake.Report(bucket, configId, format, allVersions, manifest, rows.size(), files);
  }

  /** One inventory row, with the fields S3 would report for the version. */
  private Row row(ObjectVersion v) {
    Object[] values = new Object[InventoryField.values().length];
    values[InventoryField.BUCKET.ordinal()] = v.bucket();
    values[InventoryField.KEY.ordinal()] = v.key();
    values[InventoryField.VERSION_ID.ordinal()] = v.versionId();
    values[InventoryField.IS_LATEST.ordinal()] = v.isLatest();
    values[InventoryField.IS_DELETE_MARKER.ordinal()] = v.isDeleteMarker();
    values[InventoryField.LAST_MODIFIED_DATE.ordinal()] = Timestamp.from(v.lastModified());
    values[InventoryField.OBJECT_OWNER.ordinal()] = OWNER;
    values[InventoryField.OBJECT_ACCESS_CONTROL_LIST.ordinal()] = acl();
    if (v.isDeleteMarker()) {
      return RowFactory.create(values);
    }
    ObjectMetadata m;
    try {
      // The "null" version is the current one when listed as latest; asking for it by id is valid on S3
      // but refused by the emulator, so ask for the current version instead.
      boolean current = v.versionId() == null || ("null".equals(v.versionId()) && v.isLatest());
      m = store.head(new ObjectRef(v.bucket(), v.key(), current ? null : v.versionId()));
    } catch (ObjectStoreException e) {
      throw new IllegalStateException("the lake changed while its inventory was taken: " + e.getMessage(), e);
    }
    values[InventoryField.SIZE.ordinal()] = m.size();
    values[InventoryField.E_TAG.ordinal()] = m.eTag();
    values[InventoryField.STORAGE_CLASS.ordinal()] = m.storageClass().name();
    values[InventoryField.IS_MULTIPART_UPLOADED.ordinal()] = m.eTag() != null && m.eTag().contains("-");
    values[InventoryField.REPLICATION_STATUS.ordinal()] = null;
    values[InventoryField.ENCRYPTION_STATUS.ordinal()] = "aws:kms".equals(m.serverSideEncryption()) ? "SSE-KMS" : "SSE-S3";
    values[InventoryField.OBJECT_LOCK_RETAIN_UNTIL_DATE.ordinal()] =
        m.lockRetainUntil() == null ? null : Timestamp.from(m.lockRetainUntil());
    values[InventoryField.OBJECT_LOCK_MODE.ordinal()] = m.lockMode() == null ? null : m.lockMode().name();
    values[InventoryField.OBJECT_LOCK_LEGAL_HOLD_STATUS.ordinal()] = v.bucket().equals(TRANSACTIONS) ? (m.legalHold() ? "On" : "Off") : null;
    values[InventoryField.INTELLIGENT_TIERING_ACCESS_TIER.ordinal()] =
        m.storageClass() == StorageClass.INTELLIGENT_TIERING ? "FREQUENT" : null;
    values[InventoryField.BUCKET_KEY_STATUS.ordinal()] = "aws:kms".equals(m.serverSideEncryption()) ? "ENABLED" : "DISABLED";
    values[InventoryField.CHECKSUM_ALGORITHM.ordinal()] = m.checksums().isEmpty() ? null
        : m.checksums().keySet().iterator().next().name();
    values[InventoryField.LIFECYCLE_EXPIRATION_DATE.ordinal()] = v.key().startsWith("app=scratch/") && v.isLatest()
        ? Timestamp.from(v.lastModified().plus(Duration.ofDays(30))) : null;
    return RowFactory.create(values);
  }

  private static String acl() {
    String json = "{\"version\":\"2022-11-10\",\"status\":\"AVAILABLE\",\"grants\":[{\"canonicalId\":\"" + OWNER
        + "\",\"type\":\"CanonicalUser\",\"permission\":\"FULL_CONTROL\"}]}";
    return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
