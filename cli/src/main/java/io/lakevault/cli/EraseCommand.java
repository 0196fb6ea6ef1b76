package io.lakevault.cli;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.restore.Selector;
import io.lakevault.lifecycle.EraseJob;
import io.lakevault.lifecycle.LifecycleReport;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault erase}: an erasure request (docs/lifecycle.md, "Erasure"). */
@Command(name = "erase", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Erase selected versions by destroying their keys.",
        "Erase archived versions inside their locked packs (crypto-shredding): each erased",
        "version's name key, and its content key unless a kept version shares the bytes, is",
        "removed from its pack's key file (through lifecycle.eraser-role), the older key-file",
        "versions deleted, and its objects row replaced by a record that names nothing.",
        "Held versions and classes that are not erasable are refused with the reason.",
        "Run --dry-run first: it lists what would be erased and what is refused, and why.",
        "Running the same request again finishes what a crash left; a completed one does nothing."})
final class EraseCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--request", paramLabel = "ID", required = true,
      description = "The request id, e.g. the ticket of the data subject's request (DSR-2026-0091).")
  String requestId;
  @Option(names = "--reason", paramLabel = "TEXT", required = true,
      description = "The legal ground, e.g. \"GDPR Art. 17(1)(a)\"; never the data subject's name.")
  String reason;
  @Option(names = "--by", paramLabel = "WHO", description = "Who asks (default: the caller's AWS identity; locally the OS user and host).")
  String by;
  @Option(names = "--policy", paramLabel = "FILE|URI", description = "Policy that says which classes are erasable (default: classify.policy).")
  String policyFile;
  @Option(names = "--dry-run", description = "List what would be erased and what is refused; change nothing, record nothing.")
  boolean dryRun;
  @Option(names = "--report", paramLabel = "FILE|URI", description = "Also write the JSON report here (it names no erased version).")
  String report;
  @Mixin SelectorOptions select;

  @Override
  public Integer call() {
    EraseJob.checkRequest(requestId, reason); // usage errors before Spark starts
    Selector selector = select.selector().validate();
    LakevaultConfig config = main.config();
    String location = PolicyFiles.policyLocation(policyFile, config);
    Policy policy = PolicyParser.parse(location, PolicyFiles.read(location, config, "policy"));
    Map<String, Boolean> erasable = new LinkedHashMap<>();
    for (RetentionClass c : policy.classes().values()) erasable.put(c.name(), c.mayBeErased());
    RunContext ctx = new RunContext(config);
    EraseJob.Request req = new EraseJob.Request(requestId, reason, by, selector, erasable, dryRun, report);
    EraseJob job = new EraseJob(ctx.catalog, Clock.systemUTC());
    EraseJob.Result r = dryRun ? job.run(req, "dry-run")
        : ctx.recordedWithId("erase", recordedArguments(EraseJob.selectionSha256(ctx.catalog, selector)),
            x -> Map.of("versions_erased", x.versionsErased(), "keys_destroyed", x.keysDestroyed(),
                "refused", x.refused().values().stream().mapToLong(Long::longValue).sum(), "problems", (long) x.problems().size()),
            x -> 0L, runId -> job.run(req, runId));
    PrintWriter out = spec.commandLine().getOut();
    out.print(LifecycleReport.text(r));
    out.flush();
    return r.problems().isEmpty() ? Main.EXIT_OK : Main.EXIT_FAILURE;
  }

  /**
   * The arguments the runs table keeps: the selection names the objects being erased, so only its
   * SHA-256 is kept (the same as {@code erasures.selector_sha256}).
   */
  private List<String> recordedArguments(String selectionSha256) {
    List<String> args = new ArrayList<>(List.of("--request", requestId, "--reason", reason));
    if (by != null) args.addAll(List.of("--by", by));
    if (report != null) args.addAll(List.of("--report", report));
    args.addAll(List.of("--selection-sha256", selectionSha256));
    return args;
  }
}
