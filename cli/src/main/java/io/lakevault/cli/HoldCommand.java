package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.lifecycle.HeldCases;
import io.lakevault.lifecycle.HoldJob;
import io.lakevault.lifecycle.LifecycleReport;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault hold place|release|list}: legal holds by case (docs/lifecycle.md). */
@Command(name = "hold", mixinStandardHelpOptions = true,
    description = {"Place, release and list legal holds by case.",
        "Legal holds by case: S3 legal hold on every pack and key file holding a selected",
        "version, recorded in the holds and held_packs tables (docs/lifecycle.md)."},
    subcommands = {HoldCommand.Place.class, HoldCommand.Release.class, HoldCommand.ListCases.class})
final class HoldCommand implements Runnable {
  @ParentCommand Main main;

  @Override
  public void run() {
    throw LakevaultException.usage("hold needs a subcommand: place, release or list");
  }

  @Command(name = "place", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Place a legal hold on the selected versions.",
        "Place a legal hold: record the case, then set S3's legal hold on every pack (and key",
          "file) holding a version the selection chooses. Versions archived later that it selects",
          "are held as they are packed. Running it again for an open case sets its holds again."})
  static final class Place implements Callable<Integer> {
    @ParentCommand HoldCommand parent;
    @Spec CommandSpec spec;
    @Option(names = "--case", paramLabel = "ID", required = true, description = "Case id, e.g. SEC-2026-0142.")
    String caseId;
    @Option(names = "--reason", paramLabel = "TEXT", required = true, description = "Why the data is held.")
    String reason;
    @Option(names = "--by", paramLabel = "WHO", description = "Who places it (default: the caller's AWS identity; locally the OS user and host).")
    String by;
    @Mixin SelectorOptions select;

    @Override
    public Integer call() {
      HoldJob.checkCase(caseId); // usage errors before Spark starts
      io.lakevault.core.restore.Selector selector = select.selector().validate();
      RunContext ctx = new RunContext(parent.main.config());
      HoldJob.PlaceRequest req = new HoldJob.PlaceRequest(caseId, reason, by, selector);
      HoldJob.Result r = ctx.recordedWithId("hold", spec.commandLine().getParseResult().originalArgs(),
          x -> Map.of("packs", x.packs(), "versions", x.versions(), "failed", x.holds().failed()), x -> 0L,
          runId -> new HoldJob(ctx.catalog, Clock.systemUTC()).place(req, runId));
      return print(spec, LifecycleReport.text(r), r.holds().failed());
    }
  }

  @Command(name = "release", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Release a legal hold.",
        "Release a case: record the release, then remove the S3 legal hold from its packs that",
          "no other open case holds. Running it again retries removals that failed."})
  static final class Release implements Callable<Integer> {
    @ParentCommand HoldCommand parent;
    @Spec CommandSpec spec;
    @Option(names = "--case", paramLabel = "ID", required = true, description = "The case to release.")
    String caseId;
    @Option(names = "--reason", paramLabel = "TEXT", required = true, description = "Why the hold ends.")
    String reason;
    @Option(names = "--by", paramLabel = "WHO", description = "Who releases it (default: the caller's AWS identity; locally the OS user and host).")
    String by;

    @Override
    public Integer call() {
      HoldJob.checkCase(caseId);
      RunContext ctx = new RunContext(parent.main.config());
      HoldJob.ReleaseRequest req = new HoldJob.ReleaseRequest(caseId, reason, by);
      HoldJob.Result r = ctx.recordedWithId("hold", spec.commandLine().getParseResult().originalArgs(),
          x -> Map.of("packs_released", x.holds().done(), "kept", x.keptForOtherCases(), "failed", x.holds().failed()),
          x -> 0L, runId -> new HoldJob(ctx.catalog, Clock.systemUTC()).release(req, runId));
      return print(spec, LifecycleReport.text(r), r.holds().failed());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Open and released cases, with the packs and versions each holds now.")
  static final class ListCases implements Callable<Integer> {
    @ParentCommand HoldCommand parent;
    @Spec CommandSpec spec;
    @Option(names = "--case", paramLabel = "ID", description = "Only this case.")
    String caseId;
    @Option(names = "--json", description = "JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      // Delta Kernel reads the two tables: no SparkSession for a listing.
      List<HoldJob.Case> cases = new HeldCases(new KernelCatalog(parent.main.config())).list(caseId);
      return print(spec, json ? LifecycleReport.json(cases) : LifecycleReport.text(cases), 0);
    }
  }

  private static int print(CommandSpec spec, String text, long failed) {
    PrintWriter out = spec.commandLine().getOut();
    out.print(text);
    out.flush();
    return failed > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
  }
}
