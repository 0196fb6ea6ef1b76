package io.lakevault.cli;

import io.lakevault.lifecycle.ExpireJob;
import io.lakevault.lifecycle.LifecycleReport;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault expire}: retention expiry (docs/lifecycle.md). */
@Command(name = "expire", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Delete the packs whose retention ended, keeping the record.",
        "Delete the packs (and key files) whose every member's retention has ended, that no",
        "open legal hold covers, whose Object Lock has ended and whose storage class's minimum",
        "duration is served; mark their members disposed in the catalog (never remove them).",
        "Prints what it deleted and what it held back and why; the report is also written as",
        "JSON under <catalog.uri>/reports/expire/. Run --dry-run first."})
final class ExpireCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "Print what would be deleted and held back, and the cost freed; change nothing.")
  boolean dryRun;
  @Option(names = "--class", paramLabel = "NAME", description = "Only packs of this retention class; repeatable.")
  List<String> classes;
  @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here.")
  String report;

  @Override
  public Integer call() {
    RunContext ctx = new RunContext(main.config());
    ExpireJob.Request req = new ExpireJob.Request(classes, dryRun, PolicyFiles.prices(ctx.config), report);
    ExpireJob job = new ExpireJob(ctx.catalog, Clock.systemUTC());
    ExpireJob.Result r = dryRun ? job.run(req, "dry-run")
        : ctx.recordedWithId("expire", spec.commandLine().getParseResult().originalArgs(),
            x -> Map.of("packs_deleted", x.deleted(), "versions_disposed", x.versionsDisposed(),
                "problems", (long) x.problems().size()),
            ExpireJob.Result::bytesDeleted, runId -> job.run(req, runId));
    spec.commandLine().getOut().print(LifecycleReport.text(r));
    spec.commandLine().getOut().flush();
    return Main.EXIT_OK;
  }
}
