package io.lakevault.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakevault.access.S3Gateway;
import io.lakevault.aws.KeyResolvers;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.restore.Lookup;
import io.lakevault.spark.SharedSpark;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code serve-s3} over a copy of the demo's archive, read by the real clients: the AWS CLI and boto3
 * from the machine image, and Spark with S3A, every byte compared with the source version the catalog
 * names. The copy lets this test thaw a Deep Archive pack without changing the shared demo.
 */
class ServeS3Test {
  private static final String KEY_ID = "AKIDSERVES3TEST";
  private static final String SECRET = "serve-s3-test-secret-not-a-real-key";
  /** The demo's instantly readable class: customer-analytics, GLACIER_IR. */
  private static final String BUCKET = "acme-transactions";
  private static final String PREFIX = "region=us-west/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path dir;
  private static LakevaultConfig config;
  private static ObjectStore store;
  private static KeyResolvers keys;
  private static S3Gateway gateway;
  private static Lookup lookup;

  @BeforeAll
  static void serve() throws Exception {
    DemoCatalog demo = DemoCatalog.get();
    dir = Files.createTempDirectory("serve-s3-test");
    DemoCatalog.copy(demo.store(), dir.resolve("store"));
    config = LakevaultConfig.of(Map.of("store.local.root", dir.resolve("store").toString(),
        "keys.local.dir", demo.work.resolve("keys").toString()));
    store = ObjectStores.open(config);
    keys = KeyResolvers.from(config);
    gateway = new S3Gateway(new KernelCatalog(config), store, keys,
        new S3Gateway.Options("127.0.0.1", 0, false, Map.of(KEY_ID, SECRET), null, 8, 16), Clock.systemUTC()).start();
    lookup = new Lookup(config);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) gateway.close();
    if (keys != null) keys.close();
    if (store != null) store.close();
    DemoCatalog.delete(dir);
  }

  /** The live versions under a prefix now, as restore's own lookup chooses them: what a listing must show. */
  private static Map<String, Lookup.Version> expected(String bucket, String prefix, Instant asOf) {
    Map<String, Lookup.Version> out = new TreeMap<>();
    for (Lookup.Version v : lookup.current(new Lookup.Query(bucket, prefix, null, asOf, null, null))) {
      if (!v.disposed()) out.put(v.key(), v);
    }
    return out;
  }

  private static byte[] source(Lookup.Version v) throws IOException {
    try (InputStream in = store.get(new ObjectRef(v.bucket(), v.key(), v.versionId()))) {
      return in.readAllBytes();
    }
  }

  record Run(int code, String out, String err) {}

  private static Run aws(String... args) throws Exception {
    return awsAt(gateway, args);
  }

  private static Run awsAt(S3Gateway endpoint, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(io.lakevault.testing.Executables.of("aws"), "--endpoint-url", endpoint.url(), "--output", "json"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    env(pb);
    return run(pb);
  }

  private static void env(ProcessBuilder pb) {
    Map<String, String> env = pb.environment();
    env.put("AWS_ACCESS_KEY_ID", KEY_ID);
    env.put("AWS_SECRET_ACCESS_KEY", SECRET);
    env.put("AWS_DEFAULT_REGION", "us-east-1");
    env.put("AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString());
    env.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString());
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("PYTHONIOENCODING", "utf-8");
  }

  private static Run run(ProcessBuilder pb) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(pb.command() + " did not finish in 180 s");
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  /** `aws s3 ls` lines: date, time, size, key (keys may hold spaces). */
  private static Map<String, Long> listing(String out) {
    Map<String, Long> keys = new TreeMap<>();
    for (String line : out.split("\n")) {
      if (line.isBlank() || line.strip().startsWith("PRE ")) continue;
      String[] f = line.strip().split(" +", 4);
      keys.put(f[3], Long.parseLong(f[2]));
    }
    return keys;
  }

  @Test
  void theCliListsBucketsAndPagesThroughEveryKey() throws Exception {
    Run buckets = aws("s3", "ls");
    assertEquals(0, buckets.code(), buckets.err());
    TreeSet<String> names = new TreeSet<>();
    for (String line : buckets.out().split("\n")) if (!line.isBlank()) names.add(line.strip().split(" +")[2]);
    assertEquals(new TreeSet<>(new KernelCatalog(config).partitions(io.lakevault.spark.catalog.CatalogTable.OBJECTS,
        "bucket")), names);
    for (String bucket : names) {
      // Pages of 7 keys: every continuation token is followed.
      Run ls = aws("s3", "ls", "--recursive", "--page-size", "7", "s3://" + bucket + "/");
      assertEquals(0, ls.code(), ls.err());
      Map<String, Long> want = new TreeMap<>();
      expected(bucket, "", null).forEach((k, v) -> want.put(k, v.size()));
      assertEquals(want, listing(ls.out()), bucket);
    }
    // The tricky keys list as they are: spaces, +, %, unicode, emoji, markup.
    Map<String, Long> reports = listing(aws("s3", "ls", "--recursive", "s3://" + BUCKET + "/reports/").out());
    for (String k : List.of("reports/with space/q1 summary.json", "reports/plus+sign/a+b=c.json",
        "reports/percent%20encoded/100%.json", "reports/unicode/données/日本語/ñandú.json", "reports/emoji/📈 rally.json",
        "reports/markup/<script>alert(1)</script>.json")) {
      assertTrue(reports.containsKey(k), k + " in " + reports.keySet());
    }
    // A delimiter rolls keys up into prefixes, paged one entry at a time across them.
    for (String bucket : names) {
      Run top = aws("s3", "ls", "--page-size", "1", "s3://" + bucket + "/");
      assertEquals(0, top.code(), top.err());
      TreeSet<String> entries = new TreeSet<>();
      for (String line : top.out().split("\n")) {
        if (line.isBlank()) continue;
        String l = line.strip();
        entries.add(l.startsWith("PRE ") ? l.substring(4) : l.split(" +", 4)[3]);
      }
      TreeSet<String> want = new TreeSet<>();
      for (String k : expected(bucket, "", null).keySet()) want.add(k.contains("/") ? k.substring(0, k.indexOf('/') + 1) : k);
      assertEquals(want, entries, bucket);
    }
  }

  /**
   * More keys than one page holds at the clients' default page size (1,000): 1,500 copies of one ledger
   * file under new keys, appended to a second copy's objects table as the archive's dedup would catalog
   * identical objects (every row names the same pack entry), then listed and read without --page-size.
   */
  @Test
  void listingsPageAtTheDefaultPageSizeOverMoreThanAThousandKeys() throws Exception {
    Path manyDir = dir.resolve("many");
    DemoCatalog.copy(DemoCatalog.get().store(), manyDir.resolve("store"));
    String objects = manyDir.resolve("store/lakevault-catalog/catalog/objects").toString();
    SparkSession spark = SharedSpark.session();
    Lookup.Version one = expected(BUCKET, PREFIX, null).values().iterator().next();
    org.apache.spark.sql.Dataset<Row> row = spark.read().format("delta").load(objects)
        .where(org.apache.spark.sql.functions.col("bucket").equalTo(BUCKET)
            .and(org.apache.spark.sql.functions.col("key").equalTo(one.key()))
            .and(org.apache.spark.sql.functions.col("version_id").equalTo(one.versionId())));
    assertEquals(1, row.count());
    int n = 1500;
    // Two folders (for a delimiter listing) of zero-padded names, so their order is the numbers' order.
    spark.range(n).crossJoin(row.drop("key", "version_id").withColumnRenamed("bucket", "b"))
        .selectExpr("b AS bucket", "format_string('many/%s/obj-%04d.csv', IF(id % 2 = 0, 'even', 'odd'), id) AS key",
            "concat('v', id) AS version_id", "*")
        .drop("id", "b").select(row.columns()[0], java.util.Arrays.copyOfRange(row.columns(), 1, row.columns().length))
        .write().format("delta").mode("append").save(objects);
    LakevaultConfig manyConfig = LakevaultConfig.of(Map.of("store.local.root", manyDir.resolve("store").toString(),
        "keys.local.dir", DemoCatalog.get().work.resolve("keys").toString()));
    try (ObjectStore manyStore = ObjectStores.open(manyConfig);
         S3Gateway many = new S3Gateway(new KernelCatalog(manyConfig), manyStore, keys,
             new S3Gateway.Options("127.0.0.1", 0, false, Map.of(KEY_ID, SECRET), null, 8, 16), Clock.systemUTC()).start()) {
      TreeMap<String, Long> want = new TreeMap<>();
      for (int i = 0; i < n; i++) want.put(String.format("many/%s/obj-%04d.csv", i % 2 == 0 ? "even" : "odd", i), one.size());
      // One request returns the first 1,000 and a continuation token.
      Run first = awsAt(many, "s3api", "list-objects-v2", "--no-paginate", "--bucket", BUCKET, "--prefix", "many/");
      assertEquals(0, first.code(), first.err());
      JsonNode page = JSON.readTree(first.out());
      assertEquals(1000, page.get("Contents").size());
      assertTrue(page.get("IsTruncated").asBoolean() && page.has("NextContinuationToken"), first.out());
      assertEquals(want.firstKey(), page.get("Contents").get(0).get("Key").asText());
      // The CLI follows the tokens on its own: every key once, in order.
      Run ls = awsAt(many, "s3", "ls", "--recursive", "s3://" + BUCKET + "/many/");
      assertEquals(0, ls.code(), ls.err());
      assertEquals(want, listing(ls.out()));
      Run versions = awsAt(many, "s3api", "list-object-versions", "--bucket", BUCKET, "--prefix", "many/");
      assertEquals(0, versions.code(), versions.err());
      assertEquals(n, JSON.readTree(versions.out()).get("Versions").size());
      // Every row names the same entry: the bytes are the ledger file's.
      Path got = manyDir.resolve("obj-1499.csv");
      Run cp = awsAt(many, "s3", "cp", "s3://" + BUCKET + "/many/odd/obj-1499.csv", got.toString());
      assertEquals(0, cp.code(), cp.err());
      assertArrayEquals(source(one), Files.readAllBytes(got));
    }
  }

  @Test
  void syncAndCopyGiveEveryByteOfTheSourceVersions() throws Exception {
    Map<String, Lookup.Version> want = expected(BUCKET, PREFIX, null);
    assertTrue(want.size() > 20, "the demo archives the US-West ledger in GLACIER_IR: " + want.size());
    Path target = dir.resolve("synced");
    Run sync = aws("s3", "sync", "s3://" + BUCKET + "/" + PREFIX, target.toString());
    assertEquals(0, sync.code(), sync.err());
    TreeSet<String> got = new TreeSet<>();
    try (var files = Files.walk(target)) {
      files.filter(Files::isRegularFile).forEach(f -> got.add(PREFIX + target.relativize(f).toString()));
    }
    assertEquals(want.keySet(), got);
    for (Lookup.Version v : want.values()) {
      assertArrayEquals(source(v), Files.readAllBytes(target.resolve(v.key().substring(PREFIX.length()))), v.key());
    }
    Lookup.Version one = want.values().iterator().next();
    Run cp = aws("s3", "cp", "s3://" + BUCKET + "/" + one.key(), dir.resolve("one.csv").toString());
    assertEquals(0, cp.code(), cp.err());
    assertArrayEquals(source(one), Files.readAllBytes(dir.resolve("one.csv")));
  }

  @Test
  void versionsAndRangesThroughTheApi() throws Exception {
    Run versions = aws("s3api", "list-object-versions", "--bucket", BUCKET, "--prefix", PREFIX, "--page-size", "3");
    assertEquals(0, versions.code(), versions.err());
    JsonNode v = JSON.readTree(versions.out());
    TreeSet<String> listed = new TreeSet<>();
    for (JsonNode n : v.path("Versions")) listed.add(n.get("Key").asText() + "@" + n.get("VersionId").asText());
    for (JsonNode n : v.path("DeleteMarkers")) listed.add(n.get("Key").asText() + "@" + n.get("VersionId").asText());
    // Spark over the objects table: every version and marker under the prefix that is still archived.
    SparkSession spark = SharedSpark.session();
    TreeSet<String> want = new TreeSet<>();
    for (Row r : spark.read().format("delta").load(dir.resolve("store/lakevault-catalog/catalog/objects").toString())
        .where("bucket = '" + BUCKET + "' AND key LIKE '" + PREFIX + "%' AND disposed_at IS NULL")
        .select("key", "version_id").collectAsList()) {
      want.add(r.getString(0) + "@" + (r.isNullAt(1) ? "null" : r.getString(1)));
    }
    assertEquals(want, listed);
    Lookup.Version one = expected(BUCKET, PREFIX, null).values().iterator().next();
    Path part = dir.resolve("part.bin");
    Run get = aws("s3api", "get-object", "--bucket", BUCKET, "--key", one.key(), "--range", "bytes=10-99", part.toString());
    assertEquals(0, get.code(), get.err());
    byte[] all = source(one);
    assertArrayEquals(java.util.Arrays.copyOfRange(all, 10, 100), Files.readAllBytes(part));
    JsonNode meta = JSON.readTree(get.out());
    assertEquals("bytes 10-99/" + all.length, meta.get("ContentRange").asText());
    assertEquals("GLACIER_IR", meta.get("StorageClass").asText());
    assertEquals(one.versionId(), meta.get("VersionId").asText());
  }

  @Test
  void boto3ReadsPagesRangesAndGetsS3sErrors() throws Exception {
    Lookup.Version cold = coldVersion();
    Path script = Path.of("src/test/resources/serve_s3_boto3.py").toAbsolutePath();
    ProcessBuilder pb = new ProcessBuilder(io.lakevault.testing.Executables.of("python3"), script.toString(), gateway.url(), KEY_ID, SECRET, BUCKET, PREFIX,
        cold.bucket(), cold.key());
    env(pb);
    Run r = run(pb);
    assertEquals(0, r.code(), r.err());
    JsonNode out = JSON.readTree(r.out());
    Map<String, Lookup.Version> want = expected(BUCKET, PREFIX, null);
    TreeMap<String, Long> keys = new TreeMap<>();
    out.get("keys").fields().forEachRemaining(e -> keys.put(e.getKey(), e.getValue().asLong()));
    TreeMap<String, Long> wantKeys = new TreeMap<>();
    want.forEach((k, v) -> wantKeys.put(k, v.size()));
    assertEquals(wantKeys, keys);
    assertEquals((want.size() + 4) / 5, out.get("pages").asInt());
    Lookup.Version first = want.values().iterator().next();
    byte[] bytes = source(first);
    assertEquals(HexFormat.of().formatHex(bytes), out.get("first").get("hex").asText());
    assertEquals(first.versionId(), out.get("first").get("version").asText());
    assertEquals(first.contentType(), out.get("first").get("type").asText());
    assertEquals(first.userMetadata(), JSON.convertValue(out.get("first").get("metadata"), Map.class));
    assertEquals(HexFormat.of().formatHex(java.util.Arrays.copyOfRange(bytes, 3, 13)), out.get("range").get("hex").asText());
    assertEquals(bytes.length, out.get("head").get("length").asLong());
    assertEquals("GLACIER_IR", out.get("head").get("storage_class").asText());
    assertEquals("PreconditionFailed", out.get("if_match").get("code").asText());
    JsonNode errors = out.get("errors");
    assertEquals("InvalidObjectState", errors.get("cold").get("code").asText());
    assertTrue(errors.get("cold").get("message").asText().contains("bin/lakevault restore --bucket " + cold.bucket()),
        errors.get("cold").toString());
    assertEquals(416, errors.get("range").get("status").asInt());
    assertEquals("InvalidRange", errors.get("range").get("code").asText());
    assertEquals("NoSuchBucket", errors.get("bucket").get("code").asText());
    assertEquals("NoSuchKey", errors.get("key").get("code").asText());
    assertEquals("NoSuchVersion", errors.get("version").get("code").asText());
    assertEquals("AccessDenied", errors.get("put").get("code").asText());
    assertEquals("AccessDenied", errors.get("delete").get("code").asText());
    assertEquals("SignatureDoesNotMatch", errors.get("signature").get("code").asText());
    // A presigned URL works without the SDK.
    String url = out.get("presigned").asText();
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<byte[]> presigned = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, presigned.statusCode());
    assertArrayEquals(bytes, presigned.body());
    HttpResponse<String> v2 = http.send(HttpRequest.newBuilder(URI.create(out.get("presigned_v2").asText())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, v2.statusCode());
    assertTrue(v2.body().contains("Signature Version 2 is not accepted"), v2.body());
    // Unsigned requests get S3's XML error, never a stack trace.
    HttpResponse<String> unsigned = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/" + BUCKET)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, unsigned.statusCode());
    assertTrue(unsigned.body().startsWith("<?xml") && unsigned.body().contains("<Code>AccessDenied</Code>"), unsigned.body());
    assertFalse(unsigned.body().contains("Exception"), unsigned.body());
  }

  /** A version in a Deep Archive pack that no restore has thawed. */
  private static Lookup.Version coldVersion() {
    SparkSession spark = SharedSpark.session();
    String catalog = dir.resolve("store/lakevault-catalog/catalog/").toString();
    List<Row> rows = spark.read().format("delta").load(catalog + "/objects").alias("o")
        .join(spark.read().format("delta").load(catalog + "/packs").alias("p"), "pack_id")
        .where("p.storage_class = 'DEEP_ARCHIVE' AND o.disposed_at IS NULL AND NOT o.is_delete_marker")
        .select("o.bucket", "o.key", "p.uri", "p.version_id").collectAsList();
    for (Row r : rows) {
      io.lakevault.core.store.S3Uri u = io.lakevault.core.store.S3Uri.parse(r.getString(2));
      if (!store.head(new ObjectRef(u.bucket(), u.key(), r.getString(3))).readable()) {
        Lookup.Version current = expected(r.getString(0), r.getString(1), null).get(r.getString(1));
        if (current != null && current.packId() != null) return current;
      }
    }
    throw new AssertionError("the demo has no unthawed Deep Archive version to read");
  }

  @Test
  void aDeepArchiveVersionReadsOnceItsPackIsThawed() throws Exception {
    Lookup.Version cold = coldVersion();
    Path target = dir.resolve("cold.bin");
    Run before = aws("s3", "cp", "--force-glacier-transfer", "s3://" + cold.bucket() + "/" + cold.key(), target.toString());
    assertTrue(before.code() != 0 && before.err().contains("InvalidObjectState"), before.err());
    SparkSession spark = SharedSpark.session();
    Row pack = spark.read().format("delta").load(dir.resolve("store/lakevault-catalog/catalog/packs").toString())
        .where("pack_id = '" + cold.packId() + "'").select("uri", "version_id").first();
    io.lakevault.core.store.S3Uri u = io.lakevault.core.store.S3Uri.parse(pack.getString(0));
    store.requestRestore(new ObjectRef(u.bucket(), u.key(), pack.getString(1)), 1, RestoreTier.BULK);
    Run after = aws("s3", "cp", "--force-glacier-transfer", "s3://" + cold.bucket() + "/" + cold.key(), target.toString());
    assertEquals(0, after.code(), after.err());
    assertArrayEquals(source(cold), Files.readAllBytes(target));
  }

  @Test
  void theViewAsOfAnEarlierTimeShowsTheVersionsCurrentThen() throws Exception {
    Map<String, Lookup.Version> now = expected(BUCKET, PREFIX, null);
    // Halfway through the ledger's history: some keys did not exist yet.
    List<Instant> times = new ArrayList<>();
    for (Lookup.Version v : now.values()) times.add(v.lastModified());
    times.sort(null);
    Instant asOf = times.get(times.size() / 2);
    Map<String, Lookup.Version> then = expected(BUCKET, PREFIX, asOf);
    assertTrue(then.size() < now.size() && !then.isEmpty(), then.size() + " of " + now.size());
    try (S3Gateway past = new S3Gateway(new KernelCatalog(config), store, keys,
        new S3Gateway.Options("127.0.0.1", 0, true, Map.of(), asOf, 4, 4), Clock.systemUTC()).start()) {
      ProcessBuilder pb = new ProcessBuilder(io.lakevault.testing.Executables.of("aws"), "--endpoint-url", past.url(), "--no-sign-request", "s3", "sync",
          "s3://" + BUCKET + "/" + PREFIX, dir.resolve("past").toString());
      env(pb);
      Run sync = run(pb);
      assertEquals(0, sync.code(), sync.err());
      for (Lookup.Version v : then.values()) {
        assertArrayEquals(source(v), Files.readAllBytes(dir.resolve("past").resolve(v.key().substring(PREFIX.length()))));
      }
      try (var files = Files.walk(dir.resolve("past"))) {
        assertEquals(then.size(), files.filter(Files::isRegularFile).count());
      }
    }
  }

  @Test
  void theDemosPrintedCommandsWork() throws Exception {
    String out = DemoCatalog.get().result.out();
    String serve = out.lines().filter(l -> l.contains(" serve-s3 ")).findFirst().orElseThrow(() -> new AssertionError(out));
    assertTrue(serve.contains("--conf keys.local.dir=") && serve.contains("serve-s3 --anonymous"), serve);
    String ls = out.lines().map(String::strip).filter(l -> l.startsWith("aws s3 ls --endpoint-url http://127.0.0.1:9042 "))
        .findFirst().orElseThrow(() -> new AssertionError(out));
    // The same command against an endpoint serving the demo's archive as the printed line starts it.
    try (S3Gateway anonymous = new S3Gateway(new KernelCatalog(config), store, keys,
        new S3Gateway.Options("127.0.0.1", 0, true, Map.of(), null, 4, 4), Clock.systemUTC()).start()) {
      List<String> cmd = new ArrayList<>(List.of(ls.replace("http://127.0.0.1:9042", anonymous.url()).split(" ")));
      ProcessBuilder pb = new ProcessBuilder(cmd);
      env(pb);
      Run r = run(pb);
      assertEquals(0, r.code(), r.err());
      String url = cmd.get(cmd.size() - 1);
      String prefix = url.substring(url.indexOf('/', "s3://".length()) + 1);
      Map<String, Long> want = new TreeMap<>();
      expected(BUCKET, prefix, null).forEach((k, v) -> want.put(k, v.size()));
      assertEquals(want, listing(r.out()));
    }
  }

  @Test
  void sparkReadsTheLedgerThroughS3a() throws Exception {
    Map<String, Lookup.Version> want = expected(BUCKET, PREFIX, null);
    Path local = dir.resolve("ledger-source");
    for (Lookup.Version v : want.values()) {
      Path f = local.resolve(v.key().substring(PREFIX.length()));
      Files.createDirectories(f.getParent());
      Files.write(f, source(v));
    }
    SparkSession spark = SharedSpark.session();
    org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Map<String, String> s3a = Map.of("fs.s3a.bucket." + BUCKET + ".endpoint", gateway.url(),
        "fs.s3a.bucket." + BUCKET + ".path.style.access", "true",
        "fs.s3a.bucket." + BUCKET + ".access.key", KEY_ID, "fs.s3a.bucket." + BUCKET + ".secret.key", SECRET,
        "fs.s3a.bucket." + BUCKET + ".connection.ssl.enabled", "false",
        "fs.s3a.bucket." + BUCKET + ".aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.impl.disable.cache", "true");
    Map<String, String> before = new TreeMap<>();
    for (String k : s3a.keySet()) before.put(k, hadoop.get(k));
    s3a.forEach(hadoop::set);
    try {
      List<String> viaS3a = rows(spark, "s3a://" + BUCKET + "/" + PREFIX);
      List<String> viaSource = rows(spark, local.toString());
      assertFalse(viaSource.isEmpty());
      assertEquals(viaSource, viaS3a);
    } finally {
      before.forEach((k, v) -> {
        if (v == null) hadoop.unset(k); else hadoop.set(k, v);
      });
    }
  }

  private static List<String> rows(SparkSession spark, String path) {
    List<String> out = new ArrayList<>();
    for (Row r : spark.read().option("header", "true").option("recursiveFileLookup", "true").csv(path)
        .orderBy("txn_id").collectAsList()) {
      out.add(r.toString());
    }
    return out;
  }
}
