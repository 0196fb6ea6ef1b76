package io.lakevault.cli;

import io.lakevault.classify.ClassifyJob;
import io.lakevault.classify.ClassifyResult;
import io.lakevault.classify.ReportFormat;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault classify}: the latest inventory through the retention policy into the classified table. */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Classify the latest inventory with a retention policy.",
        "Give every object version of the latest inventory a retention class (or",
        "exclude it) by the policy's rules and write the classified table. Prints per",
        "class the objects, bytes, size histogram and the cost of archiving them as-is",
        "against packed; the report is also written as JSON under",
        "<catalog.uri>/reports/classify/."})
final class ClassifyCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--policy", paramLabel = "FILE|URI", description = "Policy YAML (docs/policy.md). Default: the classify.policy setting.")
  String policy;

  @Option(names = "--dry-run", description = "Classify and report; write nothing to the catalog.")
  boolean dryRun;

  @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here.")
  String report;

  @Override
  public Integer call() {
    RunContext ctx = new RunContext(main.config());
    ClassifyJob.Request request = PolicyFiles.classifyRequest(PolicyFiles.policyLocation(policy, ctx.config), ctx.config,
        dryRun, report);
    ClassifyResult result = run(ctx, request, spec.commandLine().getParseResult().originalArgs());
    spec.commandLine().getOut().print(ReportFormat.text(result));
    spec.commandLine().getOut().flush();
    return Main.EXIT_OK;
  }

  static ClassifyResult run(RunContext ctx, ClassifyJob.Request request, List<String> args) {
    ClassifyJob job = new ClassifyJob(ctx.catalog, Clock.systemUTC());
    if (request.dryRun()) return job.run(request, "dry-run");
    return ctx.recordedWithId("classify", args, ClassifyResult::counts,
        r -> r.total("ARCHIVE").bytes(), runId -> job.run(request, runId));
  }
}
