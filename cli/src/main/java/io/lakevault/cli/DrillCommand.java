package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.drill.DrillPlan;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.drill.DrillJob;
import io.lakevault.drill.DrillReport;
import io.lakevault.drill.DrillResult;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault drill}: restore drills (docs/drills.md). */
@Command(name = "drill", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Prove that the archive restores, in the time each class promises.",
        "For each retention class, restores a seeded sample at each level (an object, several",
        "objects, a prefix, several prefixes, a bucket, several buckets) as of a random past",
        "time into drill.target, verifies every object's SHA-256 and the as-of selection",
        "against the catalog, records phases, requests, cost and whether the class's RTO was",
        "met in the drills table, then removes what it restored. Exit 3 while packs thaw: run",
        "the same command again; 1 when a level failed or missed its RTO. docs/drills.md"})
final class DrillCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--class", paramLabel = "NAME", description = "Drill this retention class; repeatable. Default: every class of the policy.")
  List<String> classes;
  @Option(names = "--levels", paramLabel = "LEVEL[,LEVEL...]", split = ",",
      description = "object, objects, prefix, prefixes, bucket, buckets or all (default).")
  List<String> levels;
  @Option(names = "--seed", paramLabel = "N", description = "Seed of the sample (the monthly DAG passes the month). Default: 1.")
  long seed = 1;
  @Option(names = "--tier", paramLabel = "TIER", description = "Bulk, Standard or Expedited for every class. Default: the cheapest tier that meets each class's RTO.")
  String tier;
  @Option(names = "--policy", paramLabel = "FILE|URI", description = "Policy whose classes and RTOs are drilled. Default: the classify.policy setting.")
  String policy;
  @Option(names = "--dry-run", description = "Print the sample, its estimated cost and thaw time; restore and record nothing.")
  boolean dryRun;
  @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here.")
  String report;

  @Override
  public Integer call() {
    List<DrillPlan.Level> parsed = DrillPlan.Level.parse(levels); // usage errors before Spark starts
    io.lakevault.core.store.RestoreTier t = tier == null ? null : VerifyCommand.tier(tier);
    DrillJob.target(main.config()); // before Spark starts
    String location = PolicyFiles.policyLocation(policy, main.config());
    if (location == null) throw LakevaultException.usage("say which policy's classes to drill: --policy or classify.policy");
    io.lakevault.core.policy.Policy p = PolicyParser.parse(location, PolicyFiles.read(location, main.config(), "policy"));
    RunContext ctx = new RunContext(main.config());
    DrillJob.Request req = new DrillJob.Request(classes, parsed, seed, t, dryRun, report, p, PolicyFiles.prices(ctx.config));
    DrillJob job = new DrillJob(ctx.catalog, Clock.systemUTC());
    DrillResult r = dryRun ? job.run(req, "dry-run")
        : ctx.recordedWithId("drill", spec.commandLine().getParseResult().originalArgs(),
            x -> Map.of("levels", (long) x.levels().size(), "passed", x.count(DrillPlan.Outcome.PASSED),
                "failed", x.count(DrillPlan.Outcome.FAILED), "rto_missed", x.count(DrillPlan.Outcome.RTO_MISSED),
                "thawing", x.count(DrillPlan.Outcome.THAWING)),
            x -> x.levels().stream().mapToLong(DrillResult.LevelResult::bytes).sum(), runId -> job.run(req, runId));
    spec.commandLine().getOut().print(DrillReport.text(r));
    spec.commandLine().getOut().flush();
    return switch (r.status()) {
      case "planned", "passed" -> Main.EXIT_OK;
      case "thawing" -> Main.EXIT_THAWING;
      default -> Main.EXIT_FAILURE;
    };
  }
}
