package io.lakevault.cli;

import io.lakevault.archive.CatalogRebuild;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.spark.catalog.CatalogLease;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault catalog}: catalog maintenance. */
@Command(name = "catalog", mixinStandardHelpOptions = true, description = "Catalog maintenance.",
    subcommands = {CatalogCommand.Rebuild.class, CatalogCommand.Optimize.class, CatalogCommand.Purge.class,
        CatalogCommand.Vacuum.class})
final class CatalogCommand implements Runnable {
  @ParentCommand Main main;

  @Override
  public void run() {
    throw LakevaultException.usage("catalog needs a subcommand: rebuild, optimize, purge or vacuum");
  }

  @Command(name = "rebuild", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Rebuild catalog rows from the packs themselves.",
        "Rebuild the objects and packs rows of every pack under a prefix from the packs",
          "themselves (their indexes), adding only rows the catalog lacks. Packs in GLACIER or",
          "DEEP_ARCHIVE are thawed first: the command requests the restores and exits 3; run it",
          "again once they are readable (docs/archive.md)."})
  static final class Rebuild implements Callable<Integer> {
    @ParentCommand CatalogCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--from-packs", paramLabel = "URI", required = true, description = "s3://bucket/prefix holding packs.")
    String from;

    @Option(names = "--tier", paramLabel = "TIER", description = "Restore tier for packs that need a thaw: Bulk (default), Standard, Expedited.")
    String tier = "Bulk";

    @Override
    public Integer call() {
      RestoreTier t = VerifyCommand.tier(tier);
      RunContext ctx = new RunContext(parent.main.config());
      CatalogRebuild.Result r = ctx.recordedWithId("catalog-rebuild", spec.commandLine().getParseResult().originalArgs(),
          x -> Map.of("packs", x.packs(), "objects", x.objects(), "added", x.added(), "erased", x.erased(),
              "thawing", (long) x.thawing().size()),
          x -> 0L, runId -> new CatalogRebuild(ctx.catalog).run(from, runId, t));
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT, "Read %,d pack(s) under %s: %,d object rows, %,d of them new to the catalog%n", r.packs(), from,
          r.objects(), r.added());
      if (r.erased() > 0) out.printf(Locale.ROOT, "  %,d erased entries (names shredded) stay out of the catalog%n", r.erased());
      for (String u : r.unreadable()) out.printf("  unreadable: %s%n", u);
      if (!r.thawing().isEmpty()) {
        out.printf(Locale.ROOT, "%,d pack(s) are being thawed; run the same command again once they are readable, e.g. %s%n",
            r.thawing().size(), r.thawing().get(0));
      }
      out.flush();
      if (!r.unreadable().isEmpty()) return Main.EXIT_FAILURE;
      return r.thawing().isEmpty() ? Main.EXIT_OK : Main.EXIT_THAWING;
    }
  }

  @Command(name = "optimize", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Cluster the objects table by key for fast lookups.",
        "Rewrite the objects table sorted by key in each bucket: every file then holds its own",
          "range of keys and its Parquet pages are in key order, so lookups by key (find, versions,",
          "restore, the ui) skip almost every file and page. Takes the run lease. Run it after",
          "archive runs, e.g. weekly (docs/restore.md)."})
  static final class Optimize implements Callable<Integer> {
    @ParentCommand CatalogCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      RunContext ctx = new RunContext(parent.main.config());
      // Under the run lease: the rewrite replaces every file of objects, so no archive, hold or expire run
      // may commit to it meanwhile.
      Map<String, Long> m = ctx.recordedWithId("catalog-optimize", spec.commandLine().getParseResult().originalArgs(),
          x -> x, x -> 0L, runId -> {
            try (CatalogLease lease = CatalogLease.acquire(ctx.catalog, runId, "catalog-optimize", Clock.systemUTC())) {
              return ctx.catalog.optimizeObjects();
            }
          });
      spec.commandLine().getOut().printf(Locale.ROOT, "objects: %,d file(s) rewritten into %,d%n",
          m.getOrDefault("files_removed", 0L), m.getOrDefault("files_added", 0L));
      spec.commandLine().getOut().flush();
      return Main.EXIT_OK;
    }
  }

  @Command(name = "purge", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Remove what completed erasure requests left in the catalog's files.",
        "erase removes an erased version's objects row from the current table; older table",
          "versions, inventory, inventory_changes and classified still hold its rows, and run",
          "arguments, selectors and reports may name it. purge rewrites those files in place (time",
          "travel then reads every version less exactly the erased rows), corrects the Delta logs,",
          "and marks the requests purged, reporting any finished after erasure.purge-within.",
          "Takes the run lease; the maintenance DAG runs it weekly (docs/lifecycle.md, \"Erasure\")."})
  static final class Purge implements Callable<Integer> {
    @ParentCommand CatalogCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--dry-run", description = "List the requests due, their deadlines and the files to rewrite; change nothing.")
    boolean dryRun;

    @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here (it names no erased object).")
    String report;

    @Override
    public Integer call() {
      RunContext ctx = new RunContext(parent.main.config());
      io.lakevault.lifecycle.PurgeJob job = new io.lakevault.lifecycle.PurgeJob(ctx.catalog, Clock.systemUTC());
      io.lakevault.lifecycle.PurgeJob.Request req = new io.lakevault.lifecycle.PurgeJob.Request(dryRun, report);
      io.lakevault.lifecycle.PurgeJob.Result r = dryRun ? job.run(req, "dry-run")
          : ctx.recordedWithId("catalog-purge", spec.commandLine().getParseResult().originalArgs(),
              x -> Map.of("requests", (long) x.requests().size(), "late", x.late(), "versions", x.versions(),
                  "files_rewritten", x.tables().stream().mapToLong(io.lakevault.lifecycle.PurgeJob.TableOutcome::filesRewritten)
                      .sum()),
              x -> 0L, runId -> job.run(req, runId));
      spec.commandLine().getOut().print(io.lakevault.lifecycle.LifecycleReport.text(r));
      spec.commandLine().getOut().flush();
      return Main.EXIT_OK;
    }
  }

  @Command(name = "vacuum", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Keep each catalog table's history as long as its purpose needs, delete the rest.",
        "Audit tables (objects, packs, runs, holds, erasures, restores, drills...) keep the files",
          "later commits removed for catalog.history-retention, so auditors can time-travel them;",
          "working tables (inventory, inventory_changes, inventory_quarantine, classified) for",
          "catalog.working-retention. Sets each table's retention properties, then runs Delta's",
          "VACUUM. A table whose history would become shorter than it is is refused (exit 1).",
          "Takes the run lease; the maintenance DAG runs it weekly, after a dry run (docs/catalog.md)."})
  static final class Vacuum implements Callable<Integer> {
    @ParentCommand CatalogCommand parent;
    @Spec CommandSpec spec;

    @Option(names = "--dry-run", description = "List each table's retention and the files VACUUM would delete; change nothing.")
    boolean dryRun;

    @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here.")
    String report;

    @Override
    public Integer call() {
      RunContext ctx = new RunContext(parent.main.config());
      io.lakevault.spark.catalog.CatalogVacuum job = new io.lakevault.spark.catalog.CatalogVacuum(ctx.catalog,
          Clock.systemUTC());
      io.lakevault.spark.catalog.CatalogVacuum.Request req = new io.lakevault.spark.catalog.CatalogVacuum.Request(dryRun,
          report);
      io.lakevault.spark.catalog.CatalogVacuum.Result r = dryRun ? job.run(req, "dry-run")
          : ctx.recordedWithId("catalog-vacuum", spec.commandLine().getParseResult().originalArgs(),
              x -> Map.of("tables", (long) x.tables().size(), "refused", x.refused(), "files_deleted", x.files()),
              io.lakevault.spark.catalog.CatalogVacuum.Result::bytes, runId -> job.run(req, runId));
      spec.commandLine().getOut().print(io.lakevault.spark.catalog.CatalogVacuum.text(r));
      spec.commandLine().getOut().flush();
      return r.refused() > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
    }
  }
}
