package io.lakevault.ops;

import static io.lakevault.ops.Ops.EMR;
import static io.lakevault.ops.Ops.ROOT;
import static io.lakevault.ops.Ops.awsJson;
import static io.lakevault.ops.Ops.render;
import static io.lakevault.ops.Ops.renderJson;
import static io.lakevault.ops.Ops.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakevault.cli.Main;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * emr/ as shipped: every template rendered with the example variables by emr/render, then handed to the
 * real AWS CLI against moto_server (which implements EMR, EMR Serverless, IAM and S3), and every step
 * checked to run a jar the build produces with arguments spark-submit and lakevault accept.
 */
@ExtendWith(MotoExtension.class)
class EmrDefinitionsTest {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(\\.\\.\\.)?}");
  private static final String EMR_JAR = "lakevault-emr.jar";

  private final MotoServer moto;
  @TempDir Path tmp;

  EmrDefinitionsTest(MotoServer moto) {
    this.moto = moto;
  }

  @Test
  void everyVariableHasAnExampleAndIsDocumented() throws IOException {
    Set<String> used = new TreeSet<>();
    for (Path t : templates()) {
      Matcher m = VARIABLE.matcher(Files.readString(t));
      while (m.find()) used.add(m.group(1));
    }
    Set<String> examples = Ops.exampleVariables().keySet();
    String readme = Files.readString(EMR.resolve("README.md"));
    for (String v : used) {
      assertTrue(examples.contains(v), v + " is used by a template but has no line in emr/variables.example.env");
      assertTrue(readme.contains("`" + v + "`"), v + " is not explained in emr/README.md");
    }
    Set<String> unused = new TreeSet<>(examples);
    unused.removeAll(used);
    assertTrue(unused.isEmpty(), "emr/variables.example.env sets variables no template uses: " + unused);
  }

  @Test
  void renderRefusesAnUnsetVariableAndNamesIt() {
    Ops.Result r = Ops.run(ROOT, Map.of(), List.of("python3", EMR.resolve("render").toString(),
        EMR.resolve("steps/daily.json").toString(), "LAKEVAULT_JAR=s3://a/lakevault-emr.jar"));
    assertEquals(1, r.exit(), r.err());
    assertTrue(r.err().contains("set LAKEVAULT_CONFIG"), r.err());
  }

  @Test
  void clusterConfigurationAndEveryStepAreAcceptedByTheAwsCli() throws IOException {
    String clusterId = awsJson(moto, tmp, "emr", "create-cluster", "--name", "lakevault", "--release-label", "emr-7.12.0",
        "--applications", "Name=Spark", "--instance-type", "m5.xlarge", "--instance-count", "3", "--use-default-roles",
        "--configurations", "file://" + EMR.resolve("cluster/configurations.json")).get("ClusterId").asText();
    JsonNode cluster = awsJson(moto, tmp, "emr", "describe-cluster", "--cluster-id", clusterId).get("Cluster");
    List<String> classifications = new ArrayList<>();
    cluster.get("Configurations").forEach(c -> classifications.add(c.get("Classification").asText()));
    assertTrue(classifications.containsAll(List.of("delta-defaults", "spark-defaults")), classifications.toString());

    int submitted = 0;
    for (String file : List.of("daily.json", "maintenance.json", "restore.json", "export.json", "drill.json", "erase.json")) {
      JsonNode steps = renderJson("steps/" + file, Map.of());
      Path rendered = tmp.resolve(file);
      Files.writeString(rendered, steps.toString());
      JsonNode ids = awsJson(moto, tmp, "emr", "add-steps", "--cluster-id", clusterId, "--steps", "file://" + rendered).get("StepIds");
      assertEquals(steps.size(), ids.size(), file);
      for (int i = 0; i < steps.size(); i++) {
        JsonNode got = awsJson(moto, tmp, "emr", "describe-step", "--cluster-id", clusterId, "--step-id", ids.get(i).asText())
            .get("Step");
        JsonNode want = steps.get(i);
        assertEquals(want.get("Name").asText(), got.get("Name").asText());
        assertEquals(want.get("ActionOnFailure").asText(), got.get("ActionOnFailure").asText());
        assertEquals("command-runner.jar", got.get("Config").get("Jar").asText());
        assertEquals(strings(want.get("Args")), strings(got.get("Config").get("Args")), file + " step " + i);
        submitted++;
      }
    }
    assertEquals(14, submitted);
  }

  /**
   * Several drivers on one catalog: the multi-writer configuration is the cluster's plus Delta's DynamoDB
   * log store and nothing else (so the two cannot drift), EMR accepts it, and the table it names is
   * created with the key Delta's log store reads (tablePath, fileName).
   */
  @Test
  void theMultiWriterConfigurationAddsOnlyDeltasDynamoDbLogStoreAndItsTableIsAccepted() throws IOException {
    JsonNode base = Ops.JSON.readTree(EMR.resolve("cluster/configurations.json").toFile());
    JsonNode multi = renderJson("cluster/configurations-multi-writer.json", Map.of());
    assertEquals(base.size(), multi.size());
    Map<String, String> vars = Ops.exampleVariables();
    for (int i = 0; i < base.size(); i++) {
      JsonNode b = base.get(i);
      JsonNode m = multi.get(i);
      assertEquals(b.get("Classification"), m.get("Classification"));
      if (!b.get("Classification").asText().equals("spark-defaults")) {
        assertEquals(b, m);
        continue;
      }
      Map<String, String> added = new java.util.TreeMap<>();
      m.get("Properties").fields().forEachRemaining(e -> {
        JsonNode was = b.get("Properties").get(e.getKey());
        if (was == null) added.put(e.getKey(), e.getValue().asText());
        else assertEquals(was, e.getValue(), e.getKey());
      });
      assertEquals(b.get("Properties").size() + added.size(), m.get("Properties").size());
      assertEquals(Map.of(
          "spark.delta.logStore.s3.impl", "io.delta.storage.S3DynamoDBLogStore",
          "spark.delta.logStore.s3a.impl", "io.delta.storage.S3DynamoDBLogStore",
          "spark.io.delta.storage.S3DynamoDBLogStore.ddb.tableName", vars.get("DELTA_LOG_TABLE"),
          "spark.io.delta.storage.S3DynamoDBLogStore.ddb.region", vars.get("REGION"),
          "spark.jars", vars.get("DELTA_DYNAMODB_JARS")), added);
    }
    Path rendered = tmp.resolve("multi.json");
    Files.writeString(rendered, multi.toString());
    String clusterId = awsJson(moto, tmp, "emr", "create-cluster", "--name", "lakevault-2", "--release-label", "emr-7.12.0",
        "--applications", "Name=Spark", "--instance-type", "m5.xlarge", "--instance-count", "3", "--use-default-roles",
        "--configurations", "file://" + rendered).get("ClusterId").asText();
    assertTrue(clusterId.startsWith("j-"), clusterId);

    Path table = tmp.resolve("table.json");
    Files.writeString(table, render("cluster/delta-log-table.json", Map.of()));
    awsJson(moto, tmp, "dynamodb", "create-table", "--cli-input-json", "file://" + table);
    JsonNode described = awsJson(moto, tmp, "dynamodb", "describe-table", "--table-name", vars.get("DELTA_LOG_TABLE")).get("Table");
    assertEquals("[{\"AttributeName\":\"tablePath\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"fileName\",\"KeyType\":\"RANGE\"}]",
        described.get("KeySchema").toString());
  }

  @Test
  void everyStepRunsTheBuiltJarWithArgumentsSparkSubmitAndLakevaultAccept() throws IOException {
    Path jar = ROOT.resolve("cli/target/" + EMR_JAR);
    assertTrue(Files.isRegularFile(jar), jar + " is missing: the build makes it in cli's package phase (mvn -B verify)");
    try (JarFile j = new JarFile(jar.toFile())) {
      assertNotNull(j.getEntry("io/lakevault/cli/Main.class"), "the EMR jar has no io.lakevault.cli.Main");
    }
    List<String> commands = new ArrayList<>();
    for (String file : List.of("daily.json", "maintenance.json", "restore.json", "export.json", "drill.json", "erase.json")) {
      for (JsonNode step : renderJson("steps/" + file, Map.of())) {
        List<String> args = strings(step.get("Args"));
        assertEquals("spark-submit", args.get(0));
        commands.add(String.join(" ", checkSparkSubmit(args.subList(1, args.size()))));
      }
    }
    assertEquals(List.of("lakevault inventory", "lakevault classify", "lakevault archive", "lakevault catalog purge",
        "lakevault catalog optimize", "lakevault catalog vacuum", "lakevault catalog vacuum", "lakevault verify", "lakevault expire", "lakevault expire", "lakevault restore", "lakevault export", "lakevault drill",
        "lakevault erase"),
        commands);
    // EMR Serverless: the same jar and class, the command as entry-point arguments.
    JsonNode run = renderJson("serverless/job-run.json", Map.of("LAKEVAULT_ARGS", "catalog optimize"));
    JsonNode submit = run.get("jobDriver").get("sparkSubmit");
    assertTrue(submit.get("entryPoint").asText().endsWith("/" + EMR_JAR));
    assertTrue(submit.get("sparkSubmitParameters").asText().contains("--class io.lakevault.cli.Main"));
    assertEquals(List.of("lakevault", "catalog", "optimize"), Main.parse(strings(submit.get("entryPointArguments")).toArray(String[]::new)));
  }

  /** spark-submit's own parser, as on the cluster (master yarn from EMR's spark-defaults); returns lakevault's command path. */
  private static List<String> checkSparkSubmit(List<String> args) {
    scala.collection.immutable.Map<String, String> env = scala.collection.immutable.Map$.MODULE$.<String, String>empty()
        .$plus(new scala.Tuple2<>("MASTER", "yarn")).$plus(new scala.Tuple2<>("HADOOP_CONF_DIR", ROOT.toString()));
    org.apache.spark.deploy.SparkSubmitArguments parsed = new org.apache.spark.deploy.SparkSubmitArguments(
        scala.collection.JavaConverters.asScalaBuffer(args).toList(), env);
    assertEquals("cluster", parsed.deployMode());
    assertEquals("io.lakevault.cli.Main", parsed.mainClass());
    assertTrue(parsed.primaryResource().endsWith("/" + EMR_JAR), parsed.primaryResource());
    List<String> lakevault = scala.collection.JavaConverters.seqAsJavaList(parsed.childArgs());
    assertEquals("--config", lakevault.get(0));
    return Main.parse(lakevault.toArray(String[]::new));
  }

  @Test
  void theEmrConfigurationTemplateIsAValidLakevaultConfiguration() {
    String yaml = render("lakevault.yaml", Map.of());
    LakevaultConfig c = LakevaultConfig.load("lakevault.yaml", yaml.getBytes(StandardCharsets.UTF_8), Map.of());
    assertEquals("s3://acme-catalog/catalog", c.get(io.lakevault.core.config.Settings.CATALOG_URI));
    assertFalse(c.isSet(io.lakevault.core.config.Settings.STORE_LOCAL_ROOT), "EMR must not use the local store");
  }

  @Test
  void serverlessApplicationAndJobRunAreAcceptedByTheAwsCli() throws IOException {
    Path app = tmp.resolve("application.json");
    Files.writeString(app, render("serverless/application.json", Map.of()));
    String appId = awsJson(moto, tmp, "emr-serverless", "create-application", "--cli-input-json", "file://" + app)
        .get("applicationId").asText();
    for (String job : List.of("inventory", "classify", "archive")) {
      Path run = tmp.resolve(job + ".json");
      Files.writeString(run, render("serverless/job-run.json",
          Map.of("SERVERLESS_APPLICATION_ID", appId, "LAKEVAULT_JOB", job, "LAKEVAULT_ARGS", job)));
      String runId = awsJson(moto, tmp, "emr-serverless", "start-job-run", "--cli-input-json", "file://" + run).get("jobRunId").asText();
      JsonNode got = awsJson(moto, tmp, "emr-serverless", "get-job-run", "--application-id", appId, "--job-run-id", runId).get("jobRun");
      assertEquals(List.of("--config", "s3://acme-ops/lakevault/lakevault.yaml", job),
          strings(got.get("jobDriver").get("sparkSubmit").get("entryPointArguments")));
    }
  }

  @Test
  void iamPoliciesAreAcceptedByIam() throws IOException {
    for (String policy : List.of("pipeline-role-policy", "restore-role-policy", "airgap-role-policy", "eraser-role-policy", "airflow-policy")) {
      Path p = tmp.resolve(policy + ".json");
      Files.writeString(p, render("iam/" + policy + ".json", Map.of()));
      JsonNode created = awsJson(moto, tmp, "iam", "create-policy", "--policy-name", "lakevault-" + policy,
          "--policy-document", "file://" + p).get("Policy");
      assertEquals("lakevault-" + policy, created.get("PolicyName").asText());
    }
    Path trust = tmp.resolve("trust.json");
    Files.writeString(trust, render("iam/airgap-role-trust.json", Map.of()));
    awsJson(moto, tmp, "iam", "create-role", "--role-name", "lakevault-vault-writer", "--assume-role-policy-document", "file://" + trust);
    Path bucketPolicy = tmp.resolve("bucket.json");
    Files.writeString(bucketPolicy, render("iam/archive-bucket-policy.json", Map.of()));
    awsJson(moto, tmp, "s3api", "create-bucket", "--bucket", "acme-archive");
    awsJson(moto, tmp, "s3api", "put-bucket-policy", "--bucket", "acme-archive", "--policy", "file://" + bucketPolicy);
    JsonNode stored = Ops.JSON.readTree(awsJson(moto, tmp, "s3api", "get-bucket-policy", "--bucket", "acme-archive").get("Policy").asText());
    assertEquals(4, stored.get("Statement").size());

    // The emulator checks syntax only; the guarantees on the archive are checked here: no role may
    // delete a pack outright or bypass its lock, and each names its actions (no wildcards).
    for (String policy : List.of("pipeline-role-policy", "restore-role-policy", "airgap-role-policy")) {
      boolean guarded = false;
      for (JsonNode s : renderJson("iam/" + policy + ".json", Map.of()).get("Statement")) {
        List<String> actions = strings(s.get("Action"));
        boolean onArchive = strings(s.get("Resource")).stream().anyMatch(r -> r.contains("acme-archive") || r.contains("acme-vault"));
        if (s.get("Effect").asText().equals("Allow")) {
          assertFalse(actions.stream().anyMatch(a -> a.endsWith("*")), policy + ": wildcard action in " + s);
          assertFalse(onArchive && (actions.contains("s3:DeleteObject") || actions.contains("s3:BypassGovernanceRetention")),
              policy + ": " + s);
        } else if (onArchive) {
          guarded |= actions.containsAll(List.of("s3:DeleteObject", "s3:BypassGovernanceRetention", "s3:PutBucketObjectLockConfiguration"));
        }
      }
      assertTrue(guarded, policy + " must deny deletes, lock bypass and lock changes on the archive explicitly");
      boolean keysGuarded = false;
      for (JsonNode s : renderJson("iam/" + policy + ".json", Map.of()).get("Statement")) {
        List<String> actions = strings(s.get("Action"));
        boolean onKeys = strings(s.get("Resource")).stream().anyMatch(r -> r.endsWith("/*.keys") || r.endsWith("/*"));
        if (s.get("Effect").asText().equals("Deny") && onKeys && actions.contains("s3:DeleteObjectVersion")) keysGuarded = true;
        if (s.get("Effect").asText().equals("Allow") && actions.contains("s3:DeleteObjectVersion")) {
          assertTrue(strings(s.get("Resource")).stream().allMatch(r -> r.endsWith("/*.lvp")),
              policy + " may delete pack versions (orphans) only: " + s);
        }
      }
      assertTrue(keysGuarded, policy + " must deny deleting key-file versions explicitly");
    }
  }

  /** Malformed IAM JSON is refused by the emulator too, so the check above can fail. */
  @Test
  void iamRefusesAMalformedPolicy() throws IOException {
    Path p = tmp.resolve("bad.json");
    Files.writeString(p, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Actions\":\"s3:GetObject\",\"Resource\":\"*\"}]}");
    Ops.Result r = Ops.aws(moto, tmp, "iam", "create-policy", "--policy-name", "bad", "--policy-document", "file://" + p);
    assertTrue(r.exit() != 0 && r.err().contains("MalformedPolicyDocument"), r.err());
  }

  private static List<Path> templates() throws IOException {
    try (Stream<Path> s = Files.walk(EMR)) {
      return s.filter(p -> !p.startsWith(EMR.resolve("src")) && !p.startsWith(EMR.resolve("target")))
          .filter(p -> p.toString().endsWith(".json") || p.getFileName().toString().equals("lakevault.yaml"))
          .sorted().toList();
    }
  }
}
