package io.lakevault.cli;

import io.lakevault.classify.ClassifyResult;
import io.lakevault.classify.ReportFormat;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.ArchiveReport;
import io.lakevault.archive.ArchiveResult;
import io.lakevault.core.config.Settings;
import io.lakevault.core.pack.LocalKeyRing;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.restore.RestoreJob;
import io.lakevault.restore.RestoreReport;
import io.lakevault.restore.RestoreResult;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import io.lakevault.generator.GeneratedLake;
import io.lakevault.generator.GeneratorOptions;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import io.lakevault.inventory.InventoryJob;
import io.lakevault.inventory.InventoryResult;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lakevault demo}: the whole pipeline, as far as it is built, on the embedded local store, from
 * a fresh folder. Each step prints what it did and where its output is.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run the whole pipeline on a generated sample lake.",
        "Generate a sample lake in a working folder and run the pipeline on it, as far as it is built.",
        "The folder is wiped first if an earlier demo made it; any other non-empty folder is refused."})
final class DemoCommand implements Callable<Integer> {
  static final String MARKER = ".lakevault-demo";

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", description = "Working folder (default: ${DEFAULT-VALUE}).")
  Path dir = Path.of("work", "demo");

  @Option(names = "--objects", paramLabel = "N", description = "Small objects in the sample lake (default: ${DEFAULT-VALUE}).")
  int objects = GeneratorOptions.DEFAULT_OBJECTS;

  @Option(names = "--large-objects", paramLabel = "K", description = "Objects over 100 MB (default: ${DEFAULT-VALUE}).")
  int largeObjects = 2;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    prepare(dir);
    Path store = dir.resolve("store").toAbsolutePath();
    Path keys = dir.resolve("keys").toAbsolutePath();
    LakevaultConfig config = main.config().with(Map.of(Settings.STORE_LOCAL_ROOT.key(), store.toString(),
        Settings.KEYS_LOCAL_DIR.key(), keys.toString()));
    long t0 = System.nanoTime();

    out.printf("lakevault demo in %s%n%n", dir.toAbsolutePath());
    out.printf("[1/8] generate: a sample lake and its S3 Inventory reports, on the local store at %s%n", store);
    RunContext ctx = new RunContext(config);
    GeneratedLake lake = GenerateCommand.generate(ctx, GeneratorOptions.defaults().withObjects(objects)
        .withLargeObjects(largeObjects, GeneratorOptions.DEFAULT_LARGE_BYTES), spec.commandLine().getParseResult().originalArgs());
    GenerateCommand.print(lake, config, out);

    out.printf("%n[2/8] catalog: Delta tables under %s%n", config.get(Settings.CATALOG_URI));
    ctx.catalog.ensureTables();
    for (CatalogTable t : CatalogTable.values()) {
      out.printf("  %-11s %s%n", t.tableName(), ctx.catalog.path(t).substring("file:".length()));
    }
    Row run = ctx.catalog.read(CatalogTable.RUNS).orderBy(org.apache.spark.sql.functions.col("started_at").desc()).first();
    out.printf("  runs:       %s %s %s, counts %s%n", run.getAs("run_id"), run.getAs("job"), run.getAs("status"),
        run.getJavaMap(run.fieldIndex("counts")));

    out.printf("%n[3/8] inventory: the six reports into the catalog, checksums verified%n");
    List<String> sources = lake.reports().stream().map(GeneratedLake.Report::configPrefixUri).toList();
    InventoryResult inventory = InventoryCommand.run(ctx, new InventoryJob.Request(sources, null, null, false),
        List.of("--source", "(the six generated configurations)"));
    InventoryCommand.print(inventory, out);
    out.printf("  tables:     %s, %s%n", CatalogTable.INVENTORY.tableName(), CatalogTable.INVENTORY_CHANGES.tableName());

    String policyLocation = config.get(Settings.CLASSIFY_POLICY);
    out.printf("%n[4/8] classify: the latest inventory through the retention policy %s%n", policyLocation);
    ClassifyResult classified = ClassifyCommand.run(ctx, PolicyFiles.classifyRequest(policyLocation, config, false, null),
        List.of("--policy", policyLocation));
    out.print(ReportFormat.text(classified).indent(2));
    out.printf("  table:      %s; why one object got its class: bin/lakevault explain s3://BUCKET/KEY%n",
        CatalogTable.CLASSIFIED.tableName());

    String key = config.get(Settings.ARCHIVE_DEFAULT_KEY);
    out.printf("%n[5/8] archive: the classified versions into packs under %s, sealed with %s%n",
        config.get(Settings.ARCHIVE_URI), key);
    if (LocalKeyRing.isLocal(key) && new LocalKeyRing(keys).createIfMissing(key)) {
      out.printf("  created the demo's key file %s%n", new LocalKeyRing(keys).file(key));
    }
    ArchiveResult archived = ArchiveCommand.run(ctx, new ArchiveJob.Request(List.of(), false, PolicyFiles.prices(config), null),
        List.of("(demo)"));
    out.print(ArchiveReport.text(archived).indent(2));
    out.printf("  tables:     %s, %s; the format of a pack: docs/pack-format.md%n", CatalogTable.OBJECTS.tableName(),
        CatalogTable.PACKS.tableName());
    int restoreExit = restoreAndExport(ctx, config, store, out);
    lifecycle(ctx, config, out);
    int erasureExit = erasure(ctx, config, store, out);

    out.printf("%nDone in %.0f s. Look around (the same catalog, with the commands you would use on S3):%n",
        (System.nanoTime() - t0) / 1e9);
    String lv = "bin/lakevault --conf store.local.root=" + store;
    out.printf("  %s find s3://%s/%s --limit 20%n", lv, DEMO_BUCKET, DEMO_PREFIX);
    out.printf("  %s versions s3://%s/reports/with\\ space/q1\\ summary.json%n", lv, DEMO_BUCKET);
    out.printf("  %s ui       # the auditor's desk in a browser: search, calendar, history, runs%n", lv);
    out.printf("  %s hold list%n", lv);
    out.printf("  %s expire --dry-run%n", lv);
    out.printf("  ls %s                      # one folder per bucket, the archive in lakevault-archive/%n", store);
    out.printf("  %s catalog purge --dry-run%n", lv);
    out.printf("  %s --conf keys.local.dir=%s serve-s3 --anonymous   # the archive as a read-only S3 endpoint; then:%n",
        lv, keys);
    out.printf("  aws s3 ls --endpoint-url http://127.0.0.1:9042 --no-sign-request --recursive s3://%s/%s%n", ERASE_BUCKET,
        ERASE_PREFIX);
    out.flush();
    return restoreExit != Main.EXIT_OK ? restoreExit : erasureExit;
  }

  private static final String ERASE_BUCKET = "acme-transactions";
  private static final String ERASE_PREFIX = "region=us-west/";

  /**
   * Step 8: an erasure request for one EU customer's object (class customer-analytics, erasable): its keys shredded
   * inside its locked pack, then the prefix restored and checked against the sources (the pack's other
   * members byte for byte; the erased object absent), then the catalog's files purged of it.
   */
  private int erasure(RunContext ctx, LakevaultConfig config, Path store, PrintWriter out) {
    out.printf("%n[8/8] erasure: one customer's object erased on request inside its locked pack, the catalog purged%n");
    org.apache.spark.sql.Dataset<Row> objects = ctx.catalog.read(CatalogTable.OBJECTS)
        .where(org.apache.spark.sql.functions.col("retention_class").equalTo("customer-analytics")
            .and(org.apache.spark.sql.functions.col("disposed_at").isNull()));
    // A key with one archived version, bytes of its own, in a pack shared with other objects.
    List<Row> victims = objects.groupBy("bucket", "key").agg(org.apache.spark.sql.functions.count("*").as("n"),
            org.apache.spark.sql.functions.first("version_id").as("v"), org.apache.spark.sql.functions.first("pack_id").as("p"),
            org.apache.spark.sql.functions.first("dedup_ref", true).as("d"))
        .where("n = 1 AND d IS NULL")
        .join(ctx.catalog.read(CatalogTable.PACKS).where("entries > 1").select(org.apache.spark.sql.functions.col("pack_id")),
            org.apache.spark.sql.functions.col("p").equalTo(org.apache.spark.sql.functions.col("pack_id")), "left_semi")
        .orderBy("key").limit(1).collectAsList();
    if (victims.isEmpty()) {
      out.printf("  nothing of class customer-analytics is archived (is it in %s?)%n", config.get(Settings.CLASSIFY_POLICY));
      return Main.EXIT_FAILURE;
    }
    Row v = victims.get(0);
    String uri = "s3://" + v.getString(0) + "/" + v.getString(1);
    Selector one = new Selector(List.of(), List.of(uri), null, List.of(), List.of(), List.of(), null, null, null, null, null,
        v.isNullAt(3) ? List.of() : List.of(v.getString(3)), false);
    io.lakevault.core.policy.Policy policy = io.lakevault.core.policy.PolicyParser.parse(config.get(Settings.CLASSIFY_POLICY),
        PolicyFiles.read(config.get(Settings.CLASSIFY_POLICY), config, "policy"));
    Map<String, Boolean> erasable = new java.util.LinkedHashMap<>();
    for (io.lakevault.core.policy.RetentionClass c : policy.classes().values()) erasable.put(c.name(), c.mayBeErased());
    io.lakevault.lifecycle.EraseJob job = new io.lakevault.lifecycle.EraseJob(ctx.catalog, java.time.Clock.systemUTC());
    out.printf("  the request names %s (the dry run and this line are the only output that names it)%n", uri);
    io.lakevault.lifecycle.EraseJob.Result erased = ctx.recordedWithId("erase", List.of("--request", "DEMO-DSR-1",
            "--selection-sha256", io.lakevault.lifecycle.EraseJob.selectionSha256(ctx.catalog, one)),
        x -> Map.of("versions_erased", x.versionsErased(), "keys_destroyed", x.keysDestroyed()), x -> 0L,
        runId -> job.run(new io.lakevault.lifecycle.EraseJob.Request("DEMO-DSR-1",
            "demo: a data subject's request under GDPR Art. 17", "lakevault demo", one, erasable, false, null), runId));
    out.print(io.lakevault.lifecycle.LifecycleReport.text(erased).indent(2));

    String prefix = "s3://" + ERASE_BUCKET + "/" + ERASE_PREFIX;
    Path restored = dir.resolve("erasure-restored").toAbsolutePath();
    Selector all = new Selector(List.of(), List.of(prefix), null, List.of(), List.of("customer-analytics"), List.of(), null, null,
        null, null, null, List.of(), false);
    RestoreResult r = RestoreCommand.run(ctx, new RestoreJob.Request(all, restored.toString(), RestoreTier.BULK, 1, false,
        false, true, Duration.ofHours(1), false, null, PolicyFiles.prices(config)), List.of("(demo)"));
    int[] check = compareRestored(store, restored, ERASE_BUCKET);
    boolean victimAbsent = !Files.exists(restored.resolve(ERASE_BUCKET).resolve(v.getString(1)));
    out.printf("  restored %s (class customer-analytics) into %s: %,d file(s) equal their source byte for byte, %,d differ;"
        + " the erased object %s%n", prefix, restored, check[0], check[1], victimAbsent ? "is not there" : "WAS RESTORED");

    io.lakevault.lifecycle.PurgeJob purge = new io.lakevault.lifecycle.PurgeJob(ctx.catalog, java.time.Clock.systemUTC());
    io.lakevault.lifecycle.PurgeJob.Result purged = ctx.recordedWithId("catalog-purge", List.of("(demo)"),
        x -> Map.of("requests", (long) x.requests().size(), "versions", x.versions()), x -> 0L,
        runId -> purge.run(new io.lakevault.lifecycle.PurgeJob.Request(false, null), runId));
    out.print(io.lakevault.lifecycle.LifecycleReport.text(purged).indent(2));
    out.printf("  tables:     erasures, erased_versions (no names): docs/lifecycle.md, \"Erasure\"%n");
    boolean ok = "completed".equals(erased.state()) && erased.versionsErased() == 1 && check[0] > 0 && check[1] == 0
        && victimAbsent && RestoreCommand.exitCode(r) == Main.EXIT_OK;
    return ok ? Main.EXIT_OK : Main.EXIT_FAILURE;
  }

  private static final String DEMO_BUCKET = "acme-trading-logs";
  private static final String DEMO_PREFIX = "app=settlement/";

  /**
   * Step 6: a prefix restored as of a past day into a new folder and checked, file by file, against
   * the source version that was current then; then the same versions exported with their manifests.
   */
  private int restoreAndExport(RunContext ctx, LakevaultConfig config, Path store, PrintWriter out) {
    Row span = ctx.catalog.read(CatalogTable.OBJECTS).where(org.apache.spark.sql.functions.col("bucket").equalTo(DEMO_BUCKET)
            .and(org.apache.spark.sql.functions.col("key").startsWith(DEMO_PREFIX)))
        .agg(org.apache.spark.sql.functions.min("last_modified_date"), org.apache.spark.sql.functions.max("last_modified_date"))
        .first();
    if (span.isNullAt(0)) {
      out.printf("%n[6/8] restore and export: nothing archived under s3://%s/%s%n", DEMO_BUCKET, DEMO_PREFIX);
      return Main.EXIT_FAILURE;
    }
    Instant first = span.getTimestamp(0).toInstant();
    Instant asOf = first.plus(Duration.between(first, span.getTimestamp(1).toInstant()).dividedBy(2))
        .truncatedTo(ChronoUnit.DAYS);
    String prefix = "s3://" + DEMO_BUCKET + "/" + DEMO_PREFIX;
    Selector selector = new Selector(List.of(), List.of(prefix), null, List.of(), List.of(), List.of(), null, null, null,
        null, asOf, List.of(), false);
    Path restored = dir.resolve("restored").toAbsolutePath();
    out.printf("%n[6/8] restore: %s as it was on %s into %s%n", prefix, asOf, restored);
    RestoreResult r = RestoreCommand.run(ctx, new RestoreJob.Request(selector, restored.toString(), RestoreTier.BULK, 1,
        false, false, true, Duration.ofHours(1), false, null, PolicyFiles.prices(config)), List.of("(demo)"));
    out.print(RestoreReport.text(r).indent(2));
    int[] check = checkAgainstSources(store, restored, asOf, DEMO_BUCKET, DEMO_PREFIX);
    out.printf("  checked against the generated lake: %,d file(s) equal, byte for byte, the source version current on %s;"
        + " %,d differ; %,d such version(s) not restored%n", check[0], asOf, check[1], check[2]);

    Path exported = dir.resolve("export").toAbsolutePath();
    out.printf("%n      export: the same versions, with manifests, into %s%n", exported);
    RestoreResult x = RestoreCommand.run(ctx, new RestoreJob.Request(selector, exported.toString(), RestoreTier.BULK, 1,
        false, false, true, Duration.ofHours(1), true, null, PolicyFiles.prices(config)), List.of("(demo)"));
    out.print(RestoreReport.text(x).indent(2));
    out.printf("  check it:   (cd %s && sha256sum -c manifest.sha256)%n", exported);
    out.printf("  search:     bin/lakevault --conf store.local.root=%s find %s --as-of %s%n", store, prefix, asOf);
    boolean ok = check[1] == 0 && check[2] == 0 && RestoreCommand.exitCode(r) == Main.EXIT_OK
        && RestoreCommand.exitCode(x) == Main.EXIT_OK;
    return ok ? Main.EXIT_OK : Main.EXIT_FAILURE;
  }

  /**
   * Step 7: a legal hold on the demo prefix, then retention expiry of the 90-day class with the clock moved
   * 100 days on (its packs' storage minimum served), then the hold released.
   */
  private static void lifecycle(RunContext ctx, LakevaultConfig config, PrintWriter out) {
    String prefix = "s3://" + DEMO_BUCKET + "/" + DEMO_PREFIX;
    out.printf("%n[7/8] lifecycle: a legal hold on %s, and retention expiry 100 days from now%n", prefix);
    Selector held = new Selector(List.of(), List.of(prefix), null, List.of(), List.of(), List.of(), null, null, null,
        null, null, List.of(), false);
    io.lakevault.lifecycle.HoldJob holds = new io.lakevault.lifecycle.HoldJob(ctx.catalog, java.time.Clock.systemUTC());
    io.lakevault.lifecycle.HoldJob.Result placed = ctx.recordedWithId("hold", List.of("place", "--case", "DEMO-1", "(demo)"),
        x -> Map.of("packs", x.packs(), "versions", x.versions()), x -> 0L,
        runId -> holds.place(new io.lakevault.lifecycle.HoldJob.PlaceRequest("DEMO-1",
            "demo: litigation over the settlement logs", "lakevault demo", held), runId));
    out.print(io.lakevault.lifecycle.LifecycleReport.text(placed).indent(2));
    java.time.Clock later = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofDays(100));
    io.lakevault.lifecycle.ExpireJob expire = new io.lakevault.lifecycle.ExpireJob(ctx.catalog, later);
    io.lakevault.lifecycle.ExpireJob.Result expired = ctx.recordedWithId("expire", List.of("(demo, clock +100 days)"),
        x -> Map.of("packs_deleted", x.deleted(), "versions_disposed", x.versionsDisposed()),
        io.lakevault.lifecycle.ExpireJob.Result::bytesDeleted,
        runId -> expire.run(new io.lakevault.lifecycle.ExpireJob.Request(List.of("operational-90d"), false,
            PolicyFiles.prices(config), null), runId));
    out.print(io.lakevault.lifecycle.LifecycleReport.text(expired).indent(2));
    io.lakevault.lifecycle.HoldJob.Result released = ctx.recordedWithId("hold", List.of("release", "--case", "DEMO-1",
        "(demo)"), x -> Map.of("packs_released", x.holds().done()), x -> 0L,
        runId -> holds.release(new io.lakevault.lifecycle.HoldJob.ReleaseRequest("DEMO-1", "demo over", "lakevault demo"),
            runId));
    out.print(io.lakevault.lifecycle.LifecycleReport.text(released).indent(2));
    out.printf("  tables:     holds, held_packs; objects.disposed_* for what expiry destroyed: docs/lifecycle.md%n");
  }

  /** {equal, different, missing}: each key's source version current at {@code asOf} against its restored file. */
  private static int[] checkAgainstSources(Path storeRoot, Path restored, Instant asOf, String bucket, String prefix) {
    int[] out = new int[3];
    try (LocalObjectStore store = new LocalObjectStore(storeRoot)) {
      java.util.Iterator<ObjectVersion> it = store.listVersions(bucket, prefix);
      String key = null;
      ObjectVersion current = null;
      while (true) {
        ObjectVersion v = it.hasNext() ? it.next() : null;
        if (key != null && (v == null || !v.key().equals(key))) {
          if (current != null && !current.isDeleteMarker()) compare(store, current, restored, bucket, out);
          current = null;
        }
        if (v == null) break;
        key = v.key();
        // Newest first within a key: the first version at or before asOf was current then.
        if (current == null && !v.lastModified().isAfter(asOf)) current = v;
      }
    }
    return out;
  }

  private static void compare(LocalObjectStore store, ObjectVersion v, Path restored, String bucket, int[] out) {
    Path f = restored.resolve(bucket).resolve(v.key());
    if (!Files.isRegularFile(f)) {
      out[2]++;
      return;
    }
    try (java.io.InputStream in = store.get(v.ref())) {
      out[java.util.Arrays.equals(in.readAllBytes(), Files.readAllBytes(f)) ? 0 : 1]++;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {equal, different}: each restored file of a bucket against its source's current version. */
  private static int[] compareRestored(Path storeRoot, Path restored, String bucket) {
    int[] out = new int[2];
    Path root = restored.resolve(bucket);
    try (LocalObjectStore store = new LocalObjectStore(storeRoot); Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String key = root.relativize(f).toString();
        try (java.io.InputStream in = store.get(new io.lakevault.core.store.ObjectRef(bucket, key, null))) {
          out[java.util.Arrays.equals(in.readAllBytes(), Files.readAllBytes(f)) ? 0 : 1]++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Empties a folder an earlier demo made; refuses to touch any other non-empty folder. */
  static void prepare(Path dir) {
    try {
      if (Files.isDirectory(dir)) {
        boolean empty;
        try (Stream<Path> s = Files.list(dir)) {
          empty = s.findAny().isEmpty();
        }
        if (!empty && !Files.exists(dir.resolve(MARKER))) {
          throw LakevaultException.usage("'" + dir + "' is not empty and was not made by lakevault demo;"
              + " pass --dir with a new or empty folder");
        }
        try (Stream<Path> s = Files.walk(dir)) {
          for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
            if (!p.equals(dir)) Files.delete(p);
          }
        }
      }
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(MARKER), "made by lakevault demo; the next demo run wipes this folder\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the demo folder " + dir, e);
    }
  }
}
