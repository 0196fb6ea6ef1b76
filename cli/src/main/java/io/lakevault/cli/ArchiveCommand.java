package io.lakevault.cli;

import io.lakevault.archive.ArchiveJob;
import io.lakevault.archive.ArchiveReport;
import io.lakevault.archive.ArchiveResult;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault archive}: classified object versions into packs, cataloged. */
@Command(name = "archive", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Pack classified versions into locked packs and catalog them.",
        "Pack the classified object versions not yet archived into compressed,",
        "encrypted packs in their class's storage class and Object Lock, and catalog",
        "every object and pack (docs/archive.md, docs/pack-format.md). Prints per class",
        "the packs, bytes, compression and cost against archiving one by one; the",
        "report is also written as JSON under <catalog.uri>/reports/archive/."})
final class ArchiveCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "Print the plan: packs, bytes and objects per class, and the cost; write nothing.")
  boolean dryRun;

  @Option(names = "--class", paramLabel = "NAME", description = "Only this retention class; repeatable.")
  List<String> classes;

  @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here.")
  String report;

  @Override
  public Integer call() {
    RunContext ctx = new RunContext(main.config());
    ArchiveJob.Request request = new ArchiveJob.Request(classes == null ? List.of() : classes, dryRun,
        PolicyFiles.prices(ctx.config), report);
    ArchiveResult result = run(ctx, request, spec.commandLine().getParseResult().originalArgs());
    spec.commandLine().getOut().print(ArchiveReport.text(result));
    spec.commandLine().getOut().flush();
    return result.unlockedPacks() > 0 ? Main.EXIT_UNLOCKED : Main.EXIT_OK;
  }

  static ArchiveResult run(RunContext ctx, ArchiveJob.Request request, List<String> args) {
    ArchiveJob job = new ArchiveJob(ctx.catalog, Clock.systemUTC());
    if (request.dryRun()) return job.run(request, "dry-run");
    return ctx.recordedWithId("archive", args,
        r -> Map.of("packs", r.packs(), "objects", r.objects(), "delete_markers", r.deleteMarkers(), "skipped", r.skipped(),
            "stored_bytes", r.storedBytes(), "unlocked", r.unlockedPacks()),
        ArchiveResult::originalBytes, runId -> job.run(request, runId));
  }
}
