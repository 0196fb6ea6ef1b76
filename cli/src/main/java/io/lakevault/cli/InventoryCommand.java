package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.inventory.InventoryJob;
import io.lakevault.inventory.InventoryResult;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault inventory}: S3 Inventory reports into the catalog. */
@Command(name = "inventory", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Ingest S3 Inventory reports into the catalog.",
        "Ingest S3 Inventory reports (CSV, ORC, Parquet; current or all versions) into the catalog,",
        "verifying manifest.checksum and every data file's size and MD5 first, and record what changed",
        "since the previous report of each configuration."})
final class InventoryCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--source", paramLabel = "URI",
      description = {"An inventory configuration prefix, s3://<destination-bucket>/<prefix>/<source-bucket>/<config-id>/,",
          "or one manifest.json; repeatable. Default: the inventory.sources setting."})
  List<String> sources;

  @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The newest complete report of that UTC day (default: the newest complete report).")
  String date;

  @Option(names = "--report", paramLabel = "YYYY-MM-DDTHH-MMZ", description = "Exactly this report folder.")
  String report;

  @Option(names = "--dry-run", description = "Verify and parse, print the counts, commit nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    if (date != null && report != null) {
      throw LakevaultException.usage("--date and --report both choose a report; give one of them");
    }
    LocalDate day;
    try {
      day = date == null ? null : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      throw LakevaultException.usage("--date '" + date + "' is not a date like 2024-07-01");
    }
    if (report != null && !report.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}Z")) {
      throw LakevaultException.usage("--report '" + report + "' is not a report folder name like 2024-07-01T00-00Z");
    }
    RunContext ctx = new RunContext(main.config());
    InventoryJob.Request request = new InventoryJob.Request(InventoryJob.sources(sources, ctx.config), day, report, dryRun);
    InventoryResult result = run(ctx, request, spec.commandLine().getParseResult().originalArgs());
    print(result, spec.commandLine().getOut());
    return Main.EXIT_OK;
  }

  static InventoryResult run(RunContext ctx, InventoryJob.Request request, List<String> args) {
    InventoryJob job = new InventoryJob(ctx.catalog, Clock.systemUTC());
    if (request.dryRun()) {
      return job.run(request, "dry-run");
    }
    return ctx.recordedWithId("inventory", args, InventoryResult::counts, InventoryResult::dataBytes,
        runId -> job.run(request, runId));
  }

  static void print(InventoryResult r, PrintWriter out) {
    out.printf("  %-20s %-22s %-7s %-8s %5s %10s %6s %9s %8s %8s%n", "source bucket", "configuration", "format",
        "versions", "files", "rows", "bad", "new", "changed", "deleted");
    for (InventoryResult.Report x : r.reports()) {
      out.printf("  %-20s %-22s %-7s %-8s %5d %,10d %,6d %,9d %,8d %,8d%n", x.sourceBucket(), x.configId(), x.format(),
          x.allVersions() ? "all" : "current", x.files(), x.rows(), x.badRows(), x.newVersions(), x.changed(), x.deleted());
    }
    out.printf("  %s: %,d reports, %,d rows, %,.1f MB of report data verified%s%n", r.dryRun() ? "dry run" : "ingested",
        r.reports().size(), r.rows(), r.dataBytes() / 1e6, r.dryRun() ? "; nothing committed" : " (run " + r.runId() + ")");
  }
}
