package io.lakevault.ops;

import static io.lakevault.ops.Ops.EMR;
import static io.lakevault.ops.Ops.ROOT;
import static io.lakevault.ops.Ops.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lakevault.cli.Main;
import io.lakevault.testing.MotoExtension;
import io.lakevault.testing.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAGs in emr/airflow/. Airflow cannot be installed here, so the files are compiled, then
 * imported against a stand-in (emr/src/test/python/airflow_stub) that records the DAGs they build and
 * refuses arguments the real operators do not take; the restore DAG's polling logic runs against
 * moto_server's EMR.
 */
@ExtendWith(MotoExtension.class)
class AirflowDagsTest {
  private static final Path DAGS = EMR.resolve("airflow");
  private static final Path PYTHON_TESTS = EMR.resolve("src/test/python");
  private static final Map<String, String> NO_BYTECODE = Map.of("PYTHONDONTWRITEBYTECODE", "1");

  private final MotoServer moto;
  @TempDir Path tmp;

  AirflowDagsTest(MotoServer moto) {
    this.moto = moto;
  }

  @Test
  void dagFilesCompile() throws IOException {
    for (Path f : dagFiles()) {
      Ops.ok(Ops.run(ROOT, NO_BYTECODE, List.of("python3", "-c",
          "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
          f.toString(), tmp.resolve(f.getFileName() + "c").toString())));
    }
  }

  @Test
  void dailyRunsInventoryClassifyArchiveOneRunAtATimeWithTheShippedSteps() {
    JsonNode dag = structure().get("lakevault_daily");
    assertEquals(1, dag.get("args").get("max_active_runs").asInt());
    assertFalse(dag.get("args").get("catchup").asBoolean());
    JsonNode tasks = dag.get("tasks");
    assertEquals(List.of("inventory", "classify", "archive"), order(tasks));
    // The same steps as emr/steps/daily.json, with the Variables as the jar and config.
    JsonNode shipped = Ops.renderJson("steps/daily.json",
        Map.of("LAKEVAULT_JAR", "{{ var.value.lakevault_jar }}", "LAKEVAULT_CONFIG", "{{ var.value.lakevault_config }}"));
    int i = 0;
    for (String id : List.of("inventory", "classify", "archive")) {
      JsonNode t = tasks.get(id).get("args");
      assertEquals("EmrAddStepsOperator", tasks.get(id).get("operator").asText());
      assertTrue(t.get("wait_for_completion").asBoolean(), id + ": a retry must resubmit the step, so the task waits for it");
      assertTrue(t.get("retries").asInt() >= 1, id);
      assertEquals("alert", t.get("on_failure_callback").get("callable").asText(), id);
      assertEquals("{{ var.value.lakevault_cluster_id }}", t.get("job_flow_id").asText());
      JsonNode step = t.get("steps").get(0);
      JsonNode want = shipped.get(i++);
      assertEquals(want.get("Name").asText(), step.get("Name").asText());
      assertEquals(strings(want.get("Args")), strings(step.get("HadoopJarStep").get("Args")), id);
      assertEquals("command-runner.jar", step.get("HadoopJarStep").get("Jar").asText());
    }
  }

  @Test
  void maintenanceOptimizesThenVerifiesTheSameSampleAfterItThaws() {
    JsonNode tasks = structure().get("lakevault_maintenance").get("tasks");
    assertEquals(List.of("catalog_purge", "catalog_optimize", "catalog_vacuum_plan", "catalog_vacuum", "expire_plan", "expire",
        "verify_request", "wait_for_thaw", "verify_check"), order(tasks));
    assertEquals(List.of("lakevault", "catalog", "vacuum"), parse(tasks.get("catalog_vacuum_plan")));
    assertEquals(List.of("lakevault", "catalog", "vacuum"), parse(tasks.get("catalog_vacuum")));
    assertTrue(lakevaultArgs(tasks.get("catalog_vacuum_plan")).contains("--dry-run"), "the plan is a dry run");
    assertFalse(lakevaultArgs(tasks.get("catalog_vacuum")).contains("--dry-run"));
    assertEquals(List.of("lakevault", "expire"), parse(tasks.get("expire_plan")));
    assertEquals(List.of("lakevault", "expire"), parse(tasks.get("expire")));
    assertTrue(lakevaultArgs(tasks.get("expire_plan")).contains("--dry-run"), "the plan is a dry run");
    assertFalse(lakevaultArgs(tasks.get("expire")).contains("--dry-run"));
    List<String> request = lakevaultArgs(tasks.get("verify_request"));
    List<String> check = lakevaultArgs(tasks.get("verify_check"));
    assertEquals(List.of("catalog", "optimize"), lakevaultArgs(tasks.get("catalog_optimize")).subList(2, 4));
    assertTrue(String.join(" ", request).endsWith("--thawing-exit-code 0"), request.toString());
    assertEquals(check, request.subList(0, request.size() - 2), "the check must re-run the request's command, same seed");
    assertTrue(check.contains("--seed"));
    JsonNode wait = tasks.get("wait_for_thaw").get("args");
    assertEquals("reschedule", wait.get("mode").asText());
    assertTrue(wait.get("delta").get("seconds").asDouble() >= 48 * 3600, "Deep Archive Bulk thaws take up to 48 h");
    assertEquals(List.of("lakevault", "catalog", "optimize"), parse(tasks.get("catalog_optimize")));
    assertEquals(List.of("lakevault", "catalog", "purge"), parse(tasks.get("catalog_purge")));
    assertEquals(List.of("lakevault", "verify"), parse(tasks.get("verify_request")));
    assertEquals(List.of("lakevault", "verify"), parse(tasks.get("verify_check")));
  }

  /** Issue 23: a monthly drill, requested then checked after the thaw with the same command and seed; a failure alerts. */
  @Test
  void drillsRunMonthlyAndTheCheckResumesTheSameDrillAfterTheThaw() {
    JsonNode dag = structure().get("lakevault_drill");
    assertEquals("0 9 1 * *", dag.get("args").get("schedule").asText());
    assertEquals(1, dag.get("args").get("max_active_runs").asInt());
    JsonNode tasks = dag.get("tasks");
    assertEquals(List.of("drill_plan", "drill_request", "wait_for_thaw", "drill_check"), order(tasks));
    for (String id : List.of("drill_plan", "drill_request", "drill_check")) {
      assertEquals(List.of("lakevault", "drill"), parse(tasks.get(id)), id);
      assertEquals("alert", tasks.get(id).get("args").get("on_failure_callback").get("callable").asText(), id);
    }
    List<String> request = lakevaultArgs(tasks.get("drill_request"));
    List<String> check = lakevaultArgs(tasks.get("drill_check"));
    assertTrue(String.join(" ", request).endsWith("--thawing-exit-code 0"), request.toString());
    assertEquals(check, request.subList(0, request.size() - 2), "the check must re-run the request's command, same seed");
    assertTrue(lakevaultArgs(tasks.get("drill_plan")).contains("--dry-run"));
    assertFalse(check.contains("--thawing-exit-code"), "a drill still thawing at the check fails and alerts");
    assertTrue(tasks.get("wait_for_thaw").get("args").get("delta").get("seconds").asDouble() >= 48 * 3600);
  }

  @Test
  void holdsAreTriggeredWithACaseASelectorAndAnAction() {
    JsonNode dag = structure().get("lakevault_hold");
    assertTrue(dag.get("args").get("schedule").isNull(), "triggered, never scheduled");
    assertEquals(1, dag.get("args").get("max_active_runs").asInt());
    Set<String> names = new TreeSet<>();
    dag.get("args").get("params").fieldNames().forEachRemaining(names::add);
    assertEquals(Set.of("action", "by", "case", "reason", "selector"), names);
    assertEquals(List.of("place", "release"), strings(dag.get("args").get("params").get("action").get("enum")));
    assertEquals(List.of("command", "hold"), order(dag.get("tasks")));
  }

  @Test
  void erasureIsTriggeredWithARequestAndRunsADryRunThenTheErasureAsTheEraser() throws IOException {
    JsonNode dag = structure().get("lakevault_erase");
    assertTrue(dag.get("args").get("schedule").isNull(), "triggered, never scheduled");
    assertEquals(1, dag.get("args").get("max_active_runs").asInt());
    Set<String> names = new TreeSet<>();
    dag.get("args").get("params").fieldNames().forEachRemaining(names::add);
    assertEquals(Set.of("by", "reason", "request", "selector"), names);
    assertEquals(List.of("command", "dry_run", "erase"), order(dag.get("tasks")));
    String source = Files.readString(DAGS.resolve("lakevault_erase.py"));
    assertTrue(source.contains("\"lakevault_eraser_role_arn\""), "the steps run as the eraser role");
  }

  @Test
  void restoreIsTriggeredWithParamsAndPollsUntilThawed() {
    JsonNode dag = structure().get("lakevault_restore");
    assertTrue(dag.get("args").get("schedule").isNull(), "triggered, never scheduled");
    JsonNode params = dag.get("args").get("params");
    Set<String> names = new TreeSet<>();
    params.fieldNames().forEachRemaining(names::add);
    assertEquals(Set.of("as_of", "days", "export", "overwrite", "selectors", "tier", "to"), names);
    assertEquals(List.of("Bulk", "Standard", "Expedited"), strings(params.get("tier").get("enum")));
    JsonNode tasks = dag.get("tasks");
    assertEquals(List.of("command", "plan", "thaw_and_extract", "report"), order(tasks));
    JsonNode sensor = tasks.get("thaw_and_extract");
    assertEquals("task.sensor", sensor.get("operator").asText());
    assertEquals("reschedule", sensor.get("args").get("mode").asText(), "a thaw takes hours: the sensor must not hold a worker");
    assertTrue(sensor.get("args").get("timeout").asDouble() >= 48 * 3600);
  }

  @Test
  void restoreCommandLinesAreOnesLakevaultAccepts() throws IOException {
    String script = "import json, sys; sys.path[:0] = sys.argv[1:3]; import lakevault_common as c; print(json.dumps("
        + "[c.restore_args({'selectors': '--prefix s3://acme-trading-logs/app=settlement/ --glob \"**/*.json\"',"
        + " 'as_of': '2026-06-30T00:00:00Z', 'to': 's3://acme-restores/case/', 'tier': 'Bulk', 'days': 3,"
        + " 'export': e, 'overwrite': True}) for e in (False, True)]))";
    JsonNode lines = Ops.JSON.readTree(Ops.ok(Ops.run(ROOT, NO_BYTECODE, List.of("python3", "-c", script,
        PYTHON_TESTS.resolve("airflow_stub").toString(), DAGS.toString()))));
    for (JsonNode l : lines) {
      List<String> args = new ArrayList<>(List.of("--config", "s3://acme-ops/lakevault.yaml"));
      args.addAll(strings(l));
      args.addAll(List.of("--thawing-exit-code", "0", "--report", "s3://acme-catalog/catalog/reports/x.json"));
      List<String> path = Main.parse(args.toArray(String[]::new));
      assertEquals(List.of("lakevault", l.get(0).asText()), path);
      Main.parse(concat(args, "--dry-run"));
    }
  }

  @Test
  void restorePollingLogicAgainstTheEmrEmulator() {
    String cluster = Ops.awsJson(moto, tmp, "emr", "create-cluster", "--name", "lakevault", "--release-label", "emr-7.12.0",
        "--applications", "Name=Spark", "--instance-type", "m5.xlarge", "--instance-count", "1", "--use-default-roles")
        .get("ClusterId").asText();
    Map<String, String> env = new HashMap<>(NO_BYTECODE);
    env.putAll(Map.of("AWS_ENDPOINT_URL", moto.endpoint(), "AWS_DEFAULT_REGION", MotoServer.REGION,
        "AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY,
        "AWS_CONFIG_FILE", tmp.resolve("none").toString(), "AWS_SHARED_CREDENTIALS_FILE", tmp.resolve("none").toString(),
        "AIRFLOW_VAR_LAKEVAULT_CLUSTER_ID", cluster,
        "AIRFLOW_VAR_LAKEVAULT_JAR", "s3://acme-ops/lakevault/lakevault-emr.jar",
        "AIRFLOW_VAR_LAKEVAULT_CONFIG", "s3://acme-ops/lakevault/lakevault.yaml",
        "AIRFLOW_VAR_LAKEVAULT_REPORTS_URI", "s3://acme-catalog/catalog/reports"));
    Ops.Result r = Ops.run(PYTHON_TESTS, env, List.of("python3", "-m", "unittest", "-v", "test_restore_logic"));
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("Ran 8 tests") && !r.err().contains("skipped"), r.err());
  }

  private JsonNode structure() {
    try {
      return Ops.JSON.readTree(Ops.ok(Ops.run(ROOT, NO_BYTECODE,
          List.of("python3", PYTHON_TESTS.resolve("dag_structure.py").toString(), DAGS.toString()))));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Tasks in dependency order; asserts the order is total (each task waits for the one before it). */
  private static List<String> order(JsonNode tasks) {
    List<String> out = new ArrayList<>();
    Set<String> left = new TreeSet<>();
    tasks.fieldNames().forEachRemaining(left::add);
    while (!left.isEmpty()) {
      List<String> ready = left.stream().filter(t -> out.containsAll(strings(tasks.get(t).get("upstream")))).toList();
      assertEquals(1, ready.size(), () -> "after " + out + " these tasks could run side by side: " + ready);
      String next = ready.get(0);
      if (!out.isEmpty()) {
        assertTrue(strings(tasks.get(next).get("upstream")).contains(out.get(out.size() - 1)), next + " must wait for " + out);
      }
      out.add(next);
      left.remove(next);
    }
    return out;
  }

  /** The lakevault arguments of an EmrAddStepsOperator task: everything after the jar. */
  private static List<String> lakevaultArgs(JsonNode task) {
    List<String> args = strings(task.get("args").get("steps").get(0).get("HadoopJarStep").get("Args"));
    return args.subList(args.indexOf("{{ var.value.lakevault_jar }}") + 1, args.size());
  }

  /** What Airflow renders the templated arguments to, for a run on 2026-11-22 with no Variables overridden. */
  private static final Map<String, String> RENDERED = Map.of(
      "{{ var.value.lakevault_config }}", "s3://acme-ops/lakevault/lakevault.yaml",
      "{{ var.value.get('lakevault_verify_sample', '4') }}", "4",
      "{{ ds_nodash }}", "20261122",
      "{{ logical_date.strftime('%Y%m') }}", "202611");

  private static List<String> parse(JsonNode task) {
    List<String> args = lakevaultArgs(task).stream().map(a -> RENDERED.getOrDefault(a, a)).toList();
    args.forEach(a -> assertFalse(a.contains("{{"), "a template the test does not know: " + a));
    return Main.parse(args.toArray(String[]::new));
  }

  private static String[] concat(List<String> a, String... b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }

  private static List<Path> dagFiles() throws IOException {
    try (Stream<Path> s = Files.list(DAGS)) {
      return s.filter(p -> p.toString().endsWith(".py")).sorted().toList();
    }
  }
}
