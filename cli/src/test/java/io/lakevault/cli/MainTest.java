package io.lakevault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.LakevaultException;
import io.lakevault.spark.SharedSpark;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.lakevault.aws.S3ObjectStore;
import io.lakevault.aws.S3Settings;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import picocli.CommandLine;

@ExtendWith(MotoExtension.class)
class MainTest {
  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @BeforeAll
  static void spark() {
    SharedSpark.session(); // the command reuses the test JVM's local[2] session
  }

  /** Every command path, e.g. "policy lint". */
  static List<List<String>> commandPaths(CommandLine cl, List<String> prefix) {
    List<List<String>> out = new ArrayList<>();
    for (var e : cl.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) continue;
      List<String> p = new ArrayList<>(prefix);
      p.add(e.getKey());
      out.add(p);
      out.addAll(commandPaths(e.getValue(), p));
    }
    return out;
  }

  @Test
  void helpWorksForEveryCommand() {
    List<List<String>> paths = commandPaths(new CommandLine(new Main()), List.of());
    assertTrue(paths.size() >= 15, paths.toString());
    for (List<String> p : paths) {
      List<String> args = new ArrayList<>(p);
      args.add("--help");
      Result r = run(args.toArray(String[]::new));
      assertEquals(0, r.code(), p + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: lakevault " + String.join(" ", p)), r.out());
    }
    Result top = run("--help");
    assertEquals(0, top.code());
    assertTrue(top.out().contains("2  usage or configuration error"));
    // The command list shows each command's whole one-line summary, never a sentence cut off.
    String commands = top.out().substring(top.out().indexOf("Commands:"));
    commands = commands.substring(0, commands.indexOf("\n\n") < 0 ? commands.length() : commands.indexOf("\n\n"));
    for (String line : commands.lines().skip(1).toList()) {
      assertTrue(line.matches("  [a-z0-9-]+ .*\\.") || line.matches("  help .*"), "a cut summary: '" + line + "'");
    }
  }

  @Test
  void versionNamesTheStack() {
    Result r = run("--version");
    assertEquals(0, r.code());
    assertTrue(r.out().matches("(?s)lakevault \\S+\\RSpark 3\\.5\\.\\d+, Delta 3\\.3\\.\\d+, Scala 2\\.12.*"), r.out());
  }

  @Test
  void configurationErrorsExitWithTwoAndNameTheProblem() {
    Result bad = run("--conf", "archive.url=s3://x/y", "generate", "--dir", dir.toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("unknown setting 'archive.url' (--conf); did you mean 'archive.uri'?"), bad.err());

    Result missing = run("--config", dir.resolve("nope.yaml").toString(), "demo");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("nope.yaml' does not exist"), missing.err());

    Result noEquals = run("generate", "--conf", "catalog.uri");
    assertEquals(2, noEquals.code());
    assertTrue(noEquals.err().contains("is not of the form key=value"), noEquals.err());

    Result unknownCommand = run("pack");
    assertEquals(2, unknownCommand.code());

    Result badOption = run("generate", "--objects", "ten");
    assertEquals(2, badOption.code());
    assertTrue(badOption.err().contains("--objects"), badOption.err());
  }

  @Test
  void badSelectorsAreUsageErrorsNamingTheOption() {
    Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
    cases.put(List.of("restore", "--prefix", "a/"), "--to");
    cases.put(List.of("restore", "--to", "/tmp/x"), "say what to select");
    cases.put(List.of("restore", "--prefix", "a/", "--as-of", "yesterday", "--to", "/tmp/x"), "--as-of yesterday");
    cases.put(List.of("restore", "--version-id", "v1", "--as-of", "2024-01-01", "--to", "/tmp/x"), "--version-id");
    cases.put(List.of("restore", "--bucket", "Bad_Bucket", "--to", "/tmp/x"), "Bad_Bucket");
    cases.put(List.of("export", "--glob", "[a", "--to", "/tmp/x"), "--glob [a");
    cases.put(List.of("restore", "--prefix", "a/", "--min-size", "2MB", "--max-size", "1MB", "--to", "/tmp/x"), "--max-size");
    cases.put(List.of("restore", "--prefix", "a/", "--tier", "Fast", "--to", "/tmp/x"), "--tier Fast");
    cases.put(List.of("export", "--prefix", "s3://bkt/a/", "--to", "/tmp/x"), "export needs --as-of");
    cases.put(List.of("hold", "place", "--case", "C-1", "--reason", "r"), "say what to select");
    cases.put(List.of("hold", "place", "--case", "bad case", "--reason", "r", "--bucket", "bkt"), "is not a case id");
    cases.put(List.of("hold", "place", "--case", "C-1", "--bucket", "bkt"), "--reason");
    cases.put(List.of("drill", "--levels", "folder"), "--levels folder");
    cases.put(List.of("drill", "--tier", "Fast"), "--tier Fast");
    cases.put(List.of("drill"), "set drill.target");
    cases.put(List.of("--conf", "drill.target=original", "drill"), "drill.target");
    for (var c : cases.entrySet()) {
      Result r = run(c.getKey().toArray(String[]::new));
      assertEquals(2, r.code(), String.join(" ", c.getKey()) + ": " + r.err());
      assertTrue(r.err().contains(c.getValue()), String.join(" ", c.getKey()) + ": " + r.err());
    }
  }

  @Test
  void policyLintPrintsFileLineMessagesAndExitsTwoOnErrors() throws Exception {
    Result ok = run("policy", "lint", "../conf/policy.yaml");
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().contains("Rules, in the order they are tried"), ok.out());
    assertTrue(ok.out().contains("../conf/policy.yaml: 0 errors"), ok.out());
    Path bad = dir.resolve("bad-policy.yaml");
    Files.writeString(bad, "version: 1\nclasses:\n  a: {retain: 1y}\nrules:\n  - id: r\n    match: {prefx: x/}\n    class: b\n");
    Result r = run("policy", "lint", bad.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.out().contains(bad + ":6: error: unknown field 'prefx' in the match of rule 'r'; did you mean 'prefix'?"), r.out());
    assertTrue(r.out().contains(bad + ":7: error: rule 'r' assigns class 'b', which is not defined under 'classes'"), r.out());
    Result missing = run("policy", "lint", dir.resolve("nope.yaml").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("does not exist"), missing.err());
  }

  @Test
  void policiesAndPriceTablesAreReadFromS3(MotoServer moto) throws Exception {
    try (S3ObjectStore s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3))) {
      s3.createBucket("governance", false, false);
      s3.put("governance", "policies/lake.yaml", Files.readAllBytes(Path.of("../conf/policy.yaml")),
          io.lakevault.core.store.PutOptions.builder().build());
      String[] onS3 = {"--conf", "s3.endpoint=" + moto.endpoint(), "--conf", "s3.path-style=true"};
      Result ok = run(concat(onS3, "policy", "lint", "s3://governance/policies/lake.yaml"));
      assertEquals(0, ok.code(), ok.err());
      assertTrue(ok.out().contains("s3://governance/policies/lake.yaml: 0 errors"), ok.out());
      Result missing = run(concat(onS3, "policy", "lint", "s3://governance/policies/nope.yaml"));
      assertEquals(2, missing.code());
      assertTrue(missing.err().contains("policy s3://governance/policies/nope.yaml cannot be read"), missing.err());
      // A price table on S3 is read the same way; a bad one is refused with its location.
      s3.put("governance", "prices.yaml", "region: eu-west-1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          io.lakevault.core.store.PutOptions.builder().build());
      LakevaultException e = org.junit.jupiter.api.Assertions.assertThrows(LakevaultException.class,
          () -> PolicyFiles.prices(io.lakevault.core.config.LakevaultConfig.of(java.util.Map.of(
              "s3.endpoint", moto.endpoint(), "s3.path-style", "true", "classify.price-table", "s3://governance/prices.yaml"))));
      assertTrue(e.getMessage().startsWith("price table s3://governance/prices.yaml: 'currency' is missing"), e.getMessage());
    }
  }

  @Test
  void theConfigurationIsReadFromS3WithTheStoreTheOverridesDescribe(MotoServer moto) throws Exception {
    try (S3ObjectStore s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3))) {
      s3.createBucket("ops", false, false);
      s3.put("ops", "lakevault.yaml", "catalog:\n  uri: s3://acme-catalog/catalog\nclassify:\n  policy: s3://ops/policy.yaml\n"
          .getBytes(java.nio.charset.StandardCharsets.UTF_8), io.lakevault.core.store.PutOptions.builder().build());
      s3.put("ops", "bad.yaml", "catalog:\n  url: s3://x\n".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          io.lakevault.core.store.PutOptions.builder().build());
      String[] onS3 = {"--conf", "s3.endpoint=" + moto.endpoint(), "--conf", "s3.path-style=true"};
      Main main = new Main();
      new picocli.CommandLine(main).parseArgs(concat(onS3, "policy", "lint", "x.yaml", "--config", "s3://ops/lakevault.yaml"));
      io.lakevault.core.config.LakevaultConfig c = main.config();
      assertEquals("s3://acme-catalog/catalog", c.get(io.lakevault.core.config.Settings.CATALOG_URI));
      assertEquals("s3://ops/policy.yaml", c.get(io.lakevault.core.config.Settings.CLASSIFY_POLICY));
      assertEquals(moto.endpoint(), c.get(io.lakevault.core.config.Settings.S3_ENDPOINT), "--conf still wins");

      Result bad = run(concat(onS3, "--config", "s3://ops/bad.yaml", "policy", "lint", "../conf/policy.yaml"));
      assertEquals(2, bad.code());
      assertTrue(bad.err().contains("s3://ops/bad.yaml:2") && bad.err().contains("catalog.uri"), bad.err());
      Result missing = run(concat(onS3, "--config", "s3://ops/nope.yaml", "policy", "lint", "../conf/policy.yaml"));
      assertEquals(2, missing.code());
      assertTrue(missing.err().contains("config file s3://ops/nope.yaml cannot be read"), missing.err());
    }
  }

  @Test
  void thawingExitCodeReplacesOnlyTheThawingCode() {
    assertEquals(0, Main.exitCode(Main.EXIT_THAWING, 0));
    assertEquals(Main.EXIT_THAWING, Main.exitCode(Main.EXIT_THAWING, null));
    assertEquals(Main.EXIT_FAILURE, Main.exitCode(Main.EXIT_FAILURE, 0));
    assertEquals(Main.EXIT_OK, Main.exitCode(Main.EXIT_OK, 7));
    // A global option: accepted after the command name too.
    assertEquals(java.util.List.of("lakevault", "verify"), Main.parse("verify", "--sample", "2", "--thawing-exit-code", "0"));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void inventoryErrorsNameTheSourceAndExitNonZero() {
    Path store = dir.resolve("lake");
    Result none = run("--conf", "store.local.root=" + store, "inventory");
    assertEquals(2, none.code());
    assertTrue(none.err().contains("no inventory source"), none.err());

    Result both = run("inventory", "--source", "s3://a-bucket/p/", "--date", "2024-07-01", "--report", "2024-07-01T00-00Z");
    assertEquals(2, both.code());

    Result missing = run("--conf", "store.local.root=" + store, "--conf", "catalog.uri=s3://cat/alog",
        "generate", "--objects", "60", "--large-objects", "0", "--no-versions");
    assertEquals(0, missing.code(), missing.err());
    Result wrongDay = run("--conf", "store.local.root=" + store, "--conf", "catalog.uri=s3://cat/alog", "inventory",
        "--source", "s3://acme-inventory/inventory/acme-transactions/current-csv/", "--date", "2023-01-01");
    assertEquals(1, wrongDay.code());
    assertTrue(wrongDay.err().contains("no complete report of 2023-01-01 under s3://acme-inventory/inventory/acme-transactions/current-csv/"),
        wrongDay.err());

    Result ok = run("--conf", "store.local.root=" + store, "--conf", "catalog.uri=s3://cat/alog", "inventory",
        "--source", "s3://acme-inventory/inventory/acme-transactions/current-csv/");
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().contains("acme-transactions    current-csv"), ok.out());
  }

  @Test
  void generateWritesALakeAndRecordsItsRun() {
    Path store = dir.resolve("lake");
    Result r = run("--conf", "catalog.uri=s3://cat/alog", "generate", "--dir", store.toString(), "--objects", "120",
        "--large-objects", "0", "--no-versions");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("all-versions-csv"), r.out());
    assertTrue(Files.isRegularFile(store.resolve("acme-inventory/inventory/acme-transactions/current-csv/2024-07-01T00-00Z/manifest.checksum")));
    Row run = SharedSpark.session().read().format("delta").load(store.resolve("cat/alog/runs").toString()).first();
    assertEquals("generate", run.getAs("job"));
    assertEquals("SUCCEEDED", run.getAs("status"));
    assertEquals(0L, (long) run.<String, Long>getJavaMap(run.fieldIndex("counts")).get("delete_markers"));
  }

  @Test
  void generateRunsOnS3WithTheCatalogOnS3ThroughHadoop(MotoServer moto) throws Exception {
    try (S3ObjectStore s3 = new S3ObjectStore(new S3Settings(moto.endpoint(), MotoServer.REGION, true, 3))) {
      s3.createBucket("audit-catalog", false, false);
      Result r = run("--conf", "s3.endpoint=" + moto.endpoint(), "--conf", "s3.path-style=true",
          "--conf", "catalog.uri=s3://audit-catalog/lakevault", "generate", "--objects", "60", "--large-objects", "0");
      assertEquals(0, r.code(), r.err());
      assertTrue(s3.head(io.lakevault.core.store.ObjectRef.of("acme-inventory",
          "inventory/acme-trading-logs/all-versions-csv/2024-07-01T00-00Z/manifest.checksum")).size() == 32);
      Row run = SharedSpark.session().read().format("delta").load("s3://audit-catalog/lakevault/runs").first();
      assertEquals("SUCCEEDED", run.getAs("status"));

      // Inventory and classify against S3 too: the policy copy and the JSON report go through S3A.
      String[] onS3 = {"--conf", "s3.endpoint=" + moto.endpoint(), "--conf", "s3.path-style=true",
          "--conf", "catalog.uri=s3://audit-catalog/lakevault"};
      Result inv = run(concat(onS3, "inventory", "--source",
          "s3://acme-inventory/inventory/acme-sensor-blobs/all-versions-parquet/"));
      assertEquals(0, inv.code(), inv.err());
      // The demo policy, with the sensor class air-gapped: its packs go to another bucket through a role.
      Path airGapped = dir.resolve("air-gapped-policy.yaml");
      Files.writeString(airGapped, Files.readString(Path.of("../conf/policy.yaml")).replace(
          "    pack-size: 512 MiB\n", "    pack-size: 512 MiB\n    target:\n      uri: s3://vault-archive/packs\n"
              + "      role: arn:aws:iam::210987654321:role/lakevault-vault-writer\n"));
      Result cls = run(concat(onS3, "classify", "--policy", airGapped.toString()));
      assertEquals(0, cls.code(), cls.err());
      assertTrue(cls.out().contains("sensor-3y"), cls.out());
      java.util.List<String> reports = new java.util.ArrayList<>();
      s3.list("audit-catalog", "lakevault/reports/classify/").forEachRemaining(v -> reports.add(v.key()));
      assertEquals(1, reports.size(), reports.toString());
      java.util.List<String> policies = new java.util.ArrayList<>();
      s3.list("audit-catalog", "lakevault/policies/").forEachRemaining(v -> policies.add(v.key()));
      assertEquals(1, policies.size(), policies.toString());
      long rows = SharedSpark.session().read().format("delta").load("s3://audit-catalog/lakevault/classified").count();
      assertTrue(rows > 0);

      // Archive to S3, through the assumed role: packs in DEEP_ARCHIVE under Object Lock in the vault
      // bucket; a locked pack cannot be deleted.
      s3.createBucket("lakevault-archive", true, true);
      s3.createBucket("vault-archive", true, true);
      Path keys = dir.resolve("s3-keys");
      assertEquals(0, run("--conf", "keys.local.dir=" + keys, "keys", "create", "local:default").code());
      Result arc = run(concat(onS3, "--conf", "keys.local.dir=" + keys, "--conf", "sts.endpoint=" + moto.endpoint(), "archive"));
      assertEquals(0, arc.code(), arc.err());
      assertTrue(arc.out().contains("sensor-3y"), arc.out());
      java.util.List<io.lakevault.core.store.ObjectVersion> packs = new java.util.ArrayList<>();
      s3.list("vault-archive", "packs/").forEachRemaining(v -> { if (v.key().endsWith(".lvp")) packs.add(v); });
      assertTrue(!packs.isEmpty(), arc.out());
      for (var p : packs) {
        var head = s3.head(io.lakevault.core.store.ObjectRef.of("vault-archive", p.key()));
        assertEquals(io.lakevault.core.store.StorageClass.DEEP_ARCHIVE, head.storageClass(), p.key());
        assertEquals(io.lakevault.core.store.ObjectLockMode.GOVERNANCE, head.lockMode(), p.key());
        var refused = org.junit.jupiter.api.Assertions.assertThrows(io.lakevault.core.store.ObjectStoreException.class,
            () -> s3.delete(head.ref(), false));
        assertEquals(io.lakevault.core.store.ObjectStoreException.Reason.ACCESS_DENIED, refused.reason());
      }
      long archived = SharedSpark.session().read().format("delta").load("s3://audit-catalog/lakevault/objects").count();
      assertTrue(archived > 0);
      assertEquals(2, run("--conf", "keys.local.dir=" + keys, "keys", "create", "local:default").code(),
          "an existing key is never replaced");
    }
  }

  @Test
  void demoRunsToTheEndAndRefusesAForeignFolder() throws Exception {
    DemoCatalog demo = DemoCatalog.get(); // run once, shared with the desk's tests
    Path work = demo.work;
    Result r = demo.result;
    assertTrue(r.out().contains("[1/8] generate"), r.out());
    assertTrue(r.out().contains("[3/8] inventory"), r.out());
    assertTrue(r.out().contains("[4/8] classify"), r.out());
    assertTrue(r.out().contains("Cost to archive"), r.out());
    assertTrue(r.out().contains("finra-7y"), r.out());
    // explain, on the demo's catalog: the rule that decided and the conditions it checked.
    Result e = run("--conf", "store.local.root=" + work.resolve("store"), "--conf", "classify.policy=../conf/policy.yaml",
        "explain", "s3://acme-trading-logs/reports/with space/q1 summary.json");
    assertEquals(0, e.code(), e.err());
    assertTrue(e.out().contains("Decision: class finra-7y by rule 'reports'"), e.out());
    assertTrue(e.out().contains("DECIDES  reports"), e.out());
    Result absent = run("--conf", "store.local.root=" + work.resolve("store"), "--conf",
        "classify.policy=../conf/policy.yaml", "explain", "s3://acme-trading-logs/no/such/key");
    assertEquals(1, absent.code());
    assertTrue(absent.err().contains("is not in the latest inventory"), absent.err());
    assertTrue(r.out().contains("runs:"), r.out());
    assertTrue(r.out().contains("[5/8] archive"), r.out());
    assertTrue(r.out().matches("(?s).*Archived [\\d,]+ object versions .* into [\\d,]+ packs.*"), r.out());
    assertTrue(Files.isDirectory(work.resolve("store/lakevault-catalog/catalog/objects/_delta_log")));
    assertTrue(SharedSpark.session().read().format("delta").load(work.resolve("store/lakevault-catalog/catalog/objects")
        .toString()).count() > 0);
    // find and versions on the demo's catalog (read with Delta Kernel, no Spark session of their own).
    Result found = run("--conf", "store.local.root=" + work.resolve("store"), "find", "s3://acme-trading-logs/reports/",
        "--json");
    assertEquals(0, found.code(), found.err());
    assertTrue(found.out().contains("\"key\" : \"reports/with space/q1 summary.json\""), found.out());
    Result versions = run("--conf", "store.local.root=" + work.resolve("store"), "versions",
        "s3://acme-trading-logs/reports/with space/q1 summary.json");
    assertEquals(0, versions.code(), versions.err());
    assertTrue(versions.out().contains("CURRENT") && versions.out().contains("finra-7y"), versions.out());
    // Archiving again finds nothing new.
    Result again = run("--conf", "store.local.root=" + work.resolve("store"), "--conf", "keys.local.dir=" + work.resolve("keys"),
        "archive", "--dry-run");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("Nothing to archive"), again.out());
    // Step 7: a hold placed and released, and expiry of the 90-day class with the clock moved on.
    assertTrue(r.out().contains("[7/8] lifecycle"), r.out());
    assertTrue(r.out().contains("case DEMO-1 placed"), r.out());
    assertTrue(r.out().matches("(?s).*expire as of .*deleted [\\d,]+ pack\\(s\\).*"), r.out());
    assertTrue(r.out().contains("case DEMO-1 released"), r.out());
    Result list = run("--conf", "store.local.root=" + work.resolve("store"), "hold", "list", "--json");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().contains("\"case\" : \"DEMO-1\"") && list.out().contains("\"state\" : \"released\""), list.out());
    Result plan = run("--conf", "store.local.root=" + work.resolve("store"), "expire", "--dry-run");
    assertEquals(0, plan.code(), plan.err());
    assertTrue(plan.out().contains("expire (dry run: nothing deleted)"), plan.out());
    // catalog vacuum's plan: each table with its purpose; the demo's tables are younger than any retention.
    Result vacuum = run("--conf", "store.local.root=" + work.resolve("store"), "catalog", "vacuum", "--dry-run");
    assertEquals(0, vacuum.code(), vacuum.err());
    assertTrue(vacuum.out().matches("(?s).*\\nclassified +working +removed files kept 7d .*"), vacuum.out());
    assertTrue(vacuum.out().matches("(?s).*\\nobjects +audit +removed files kept 3653d .*"), vacuum.out());
    // Step 8: one erasable object erased, its neighbours restored byte for byte, the catalog purged.
    assertTrue(r.out().contains("[8/8] erasure"), r.out());
    assertTrue(r.out().contains("erasure request DEMO-DSR-1: completed"), r.out());
    assertTrue(r.out().matches("(?s).*restored s3://acme-transactions/region=us-west/ \\(class customer-analytics\\) into .*:"
        + " [1-9][\\d,]* file\\(s\\) equal their source byte for byte, 0 differ; the erased object is not there.*"), r.out());
    assertTrue(r.out().contains("catalog purge: 1 erasure request(s), 1 erased version(s)"), r.out());
    java.util.regex.Matcher named = java.util.regex.Pattern.compile("the request names s3://acme-transactions/(\\S+)")
        .matcher(r.out());
    assertTrue(named.find(), r.out());
    for (String t : List.of("objects", "inventory", "inventory_changes", "classified")) {
      String path = work.resolve("store/lakevault-catalog/catalog/" + t).toString();
      for (long v : List.of(0L, -1L)) {
        var d = v < 0 ? SharedSpark.session().read().format("delta").load(path)
            : SharedSpark.session().read().format("delta").option("versionAsOf", v).load(path);
        assertEquals(0, d.where(org.apache.spark.sql.functions.col("key").equalTo(named.group(1))).count(),
            t + (v < 0 ? "" : " as of version " + v) + " still lists the erased object after the purge");
      }
    }
    Result noCase = run("--conf", "store.local.root=" + work.resolve("store"), "hold", "release", "--case", "NOPE",
        "--reason", "x");
    assertEquals(2, noCase.code());
    assertTrue(noCase.err().contains("no case NOPE in the holds table"), noCase.err());
    // The closing lines name commands that work on this catalog, the desk among them.
    assertTrue(r.out().contains("store.local.root=" + work.resolve("store") + " ui "), r.out());
    // Running again starts afresh in the same folder: the demo's own folder, locked packs and all, is emptied
    // (the step every demo run begins with; the steps after it are the ones run above). On a copy: the
    // desk's tests read the demo's catalog too.
    Path copied = dir.resolve("demo-copy");
    DemoCatalog.copy(work, copied);
    DemoCommand.prepare(copied);
    try (java.util.stream.Stream<Path> left = Files.list(copied)) {
      assertEquals(List.of(copied.resolve(DemoCommand.MARKER)), left.toList());
    }

    Path foreign = dir.resolve("mine");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("notes.txt"), "precious");
    Result refused = run("demo", "--dir", foreign.toString());
    assertEquals(2, refused.code());
    assertTrue(refused.err().contains("not made by lakevault demo"), refused.err());
    assertEquals("precious", Files.readString(foreign.resolve("notes.txt")));
  }
}
