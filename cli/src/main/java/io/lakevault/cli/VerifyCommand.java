package io.lakevault.cli;

import io.lakevault.archive.VerifyJob;
import io.lakevault.archive.VerifyReport;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.store.RestoreTier;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault verify}: re-read packs and check every byte against the catalog. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Re-read packs and check them against the catalog.",
        "Re-read packs and check the SHA-256 of each pack and of every entry against the",
        "catalog. Packs in GLACIER or DEEP_ARCHIVE are thawed first: the command requests the",
        "restores and exits 3; run it again once they are readable (docs/archive.md)."})
final class VerifyCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--packs", paramLabel = "ID", split = ",", description = "Only these pack ids (comma-separated or repeated).")
  List<String> packs;

  @Option(names = "--sample", paramLabel = "N", description = {"Check N packs chosen pseudo-randomly: the same N all day",
      "(so a re-run after the thaw checks the packs it thawed); --seed for another choice."})
  Integer sample;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the --sample choice (default: the UTC day number).")
  Long seed;

  @Option(names = "--tier", paramLabel = "TIER", description = "Restore tier for packs that need a thaw: Bulk (default), Standard, Expedited.")
  String tier = "Bulk";

  /** A {@code --tier} value, in any case. */
  static RestoreTier tier(String value) {
    try {
      return RestoreTier.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw LakevaultException.usage("--tier " + value + ": choose Bulk, Standard or Expedited");
    }
  }

  @Override
  public Integer call() {
    if (sample != null && sample < 1) throw LakevaultException.usage("--sample must be at least 1, not " + sample);
    RestoreTier t = tier(tier);
    RunContext ctx = new RunContext(main.config());
    List<String> ids = packs == null ? List.of() : packs;
    VerifyJob.Request req = seed == null ? new VerifyJob.Request(ids, sample, t) : new VerifyJob.Request(ids, sample, t, seed);
    VerifyJob.Result result = ctx.recordedWithId("verify", spec.commandLine().getParseResult().originalArgs(),
        r -> Map.of("verified", r.count(VerifyJob.State.VERIFIED), "corrupt", r.count(VerifyJob.State.CORRUPT),
            "missing", r.count(VerifyJob.State.MISSING), "thawing", r.count(VerifyJob.State.THAWING)),
        VerifyJob.Result::bytesRead, id -> new VerifyJob(ctx.catalog).run(req, id));
    PrintWriter out = spec.commandLine().getOut();
    out.print(VerifyReport.text(result));
    out.flush();
    if (result.count(VerifyJob.State.CORRUPT) + result.count(VerifyJob.State.MISSING) > 0) return Main.EXIT_FAILURE;
    if (result.count(VerifyJob.State.THAWING) > 0) {
      out.println("Restores were requested for the thawing packs; run the same command again once they are readable.");
      out.flush();
      return Main.EXIT_THAWING;
    }
    return Main.EXIT_OK;
  }
}
