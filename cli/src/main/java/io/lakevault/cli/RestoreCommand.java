package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.Durations;
import io.lakevault.restore.Extracted;
import io.lakevault.restore.RestoreJob;
import io.lakevault.restore.RestoreReport;
import io.lakevault.restore.RestoreResult;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code lakevault restore} and {@code lakevault export}: one job, two front doors. Exit 3 means packs
 * are thawing: run the same command again (docs/restore.md).
 */
final class RestoreCommand {
  private RestoreCommand() {}

  abstract static class Base implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;
    @Mixin SelectorOptions select;

    @Option(names = "--to", required = true, paramLabel = "URI", description = {"s3://bucket/prefix, `original` (each",
        "version back at its bucket and key), or a local folder."})
    String to;
    @Option(names = "--tier", paramLabel = "TIER", description = "Thaw tier for cold packs: Bulk (default), Standard, Expedited.")
    String tier = "Bulk";
    @Option(names = "--days", paramLabel = "N", description = "Days the thawed copies of packs are kept (default 3).")
    int days = 3;
    @Option(names = "--wait", description = "Wait for thaws (polling, with backoff) instead of exiting with code 3.")
    boolean waitForThaw;
    @Option(names = "--wait-timeout", paramLabel = "DURATION", description = "With --wait, give up after this long (default 72h).")
    String waitTimeout = "72h";
    @Option(names = "--dry-run", description = "Print the plan, cost and time per tier; request and write nothing.")
    boolean dryRun;
    @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here.")
    String report;

    abstract boolean export();

    boolean overwrite() {
      return false;
    }

    @Override
    public Integer call() {
      Duration timeout;
      try {
        timeout = Durations.parse(waitTimeout);
      } catch (IllegalArgumentException e) {
        throw LakevaultException.usage("--wait-timeout: " + e.getMessage());
      }
      io.lakevault.core.restore.Selector selector = select.selector().validate(); // usage errors before Spark starts
      if (export() && selector.asOf() == null) {
        throw LakevaultException.usage("export needs --as-of: an auditor's set is what existed at a stated time");
      }
      io.lakevault.core.store.RestoreTier t = VerifyCommand.tier(tier);
      RunContext ctx = new RunContext(main.config());
      RestoreJob.Request req = new RestoreJob.Request(selector, to, t, days, dryRun,
          overwrite(), waitForThaw, timeout, export(), report, PolicyFiles.prices(ctx.config));
      RestoreResult r = run(ctx, req, spec.commandLine().getParseResult().originalArgs());
      PrintWriter out = spec.commandLine().getOut();
      out.print(RestoreReport.text(r));
      out.flush();
      return exitCode(r);
    }
  }

  /** Runs a restore or export as a recorded run (a dry run is not recorded). */
  static RestoreResult run(RunContext ctx, RestoreJob.Request req, List<String> args) {
    RestoreJob job = new RestoreJob(ctx.catalog, Clock.systemUTC());
    if (req.dryRun()) return job.run(req, "dry-run");
    return ctx.recordedWithId(req.export() ? "export" : "restore", args,
        x -> Map.of("objects", x.objects(), "restored", x.objectsIn(Extracted.State.RESTORED),
            "present", x.objectsIn(Extracted.State.PRESENT), "failed", x.objectsIn(Extracted.State.FAILED),
            "packs_thawing", x.packs("THAWING"), "packs_done", x.packs("DONE")),
        RestoreResult::bytesRestored, runId -> job.run(req, runId));
  }

  /** 1 when any selected version was not written, 3 while packs thaw, else 0. */
  static int exitCode(RestoreResult r) {
    return switch (r.status()) {
      case "planned", "done" -> Main.EXIT_OK;
      case "thawing" -> Main.EXIT_THAWING;
      default -> Main.EXIT_FAILURE;
    };
  }

  @Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Restore archived versions, as of any time.",
        "Find archived versions in the catalog, thaw only the packs that hold them, read",
          "only their byte ranges, verify every object's SHA-256 and write it back with its",
          "content type and user metadata. Exit 3: packs are thawing, run the same command",
          "again (it resumes the same request). docs/restore.md"})
  static final class Restore extends Base {
    @Option(names = "--overwrite", description = "Replace a different object at the target even when it is newer.")
    boolean overwrite;

    @Override
    boolean export() {
      return false;
    }

    @Override
    boolean overwrite() {
      return overwrite;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Export the versions of a time, with manifests for auditors.",
        "Export the versions that existed at --as-of (required), verified, with manifest.csv,",
          "manifest.json and manifest.sha256 (bucket, key, version id, last-modified, size,",
          "SHA-256, class, pack): the set auditors ask for. Same inputs, byte-identical",
          "manifests. Exit 3: packs are thawing, run again. docs/restore.md"})
  static final class Export extends Base {
    @Override
    boolean export() {
      return true;
    }
  }
}
