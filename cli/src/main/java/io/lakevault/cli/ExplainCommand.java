package io.lakevault.cli;

import io.lakevault.classify.InventoryLookup;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.policy.ObjectFacts;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyEvaluator;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.S3Uri;
import io.lakevault.kernel.KernelCatalog;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault explain}: which rule decides an object's retention, which others matched, and why. */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Show which policy rule decides an object's class, and why.",
        "Show which rule decides an object's retention class, and why: for each of its",
        "versions in the latest inventory, every rule in the order they are tried, each",
        "condition with the values compared, and the decision (class and retain-until,",
        "exclusion, or unmatched)."})
final class ExplainCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "s3://BUCKET/KEY", description = "The object, key as stored (not URL-encoded).")
  String uri;

  @Option(names = "--version-id", paramLabel = "ID", description = "Only this version (default: every version in the inventory).")
  String versionId;

  @Option(names = "--policy", paramLabel = "FILE|URI", description = "Policy YAML. Default: the classify.policy setting.")
  String policy;

  @Override
  public Integer call() {
    if (!S3Uri.isS3(uri)) throw LakevaultException.usage("'" + uri + "' is not an s3://bucket/key URI");
    S3Uri target = S3Uri.parse(uri);
    if (target.key().isEmpty()) throw LakevaultException.usage("'" + uri + "' names a bucket, not an object; add the key");
    LakevaultConfig config = main.config();
    String location = PolicyFiles.policyLocation(policy, config);
    Policy p = PolicyParser.parse(location, PolicyFiles.read(location, config, "policy"));
    // Delta Kernel reads one object's rows of the latest inventory: no SparkSession.
    InventoryLookup.Found found = new InventoryLookup(new KernelCatalog(config), config)
        .versions(target.bucket(), target.key(), versionId);
    List<ObjectFacts> rows = found.versions();
    if (rows.isEmpty()) {
      throw LakevaultException.input(uri + (versionId == null ? "" : " version " + versionId)
          + " is not in the latest inventory (" + found.reports().stream()
              .map(r -> r.configId() + "@" + r.reportTime()).collect(Collectors.joining(", "))
          + "); keys are case-sensitive and not URL-encoded here; a newer object needs a newer inventory report");
    }
    PolicyEvaluator evaluator = new PolicyEvaluator(p);
    Instant asOf = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("Policy %s (sha256 %s), as of %s%n", location, p.sha256().substring(0, 12), asOf);
    for (ObjectFacts o : rows) {
      PolicyEvaluator.Explanation e = evaluator.explain(o, asOf);
      out.printf("%n%s version %s%s%s: %s, last modified %s, %s%s%n", uri, o.versionId() == null ? "(none)" : o.versionId(),
          o.latest() ? " (current)" : " (noncurrent)", o.deleteMarker() ? " delete marker" : "",
          o.size() == null ? "no size" : Sizes.format(o.size()), o.lastModified(), o.storageClass(),
          o.encryptionStatus() == null ? "" : ", " + o.encryptionStatus());
      PolicyEvaluator.Decision d = e.decision();
      if (!d.matched()) {
        out.println("  Decision: UNMATCHED - no rule matches; it will not be archived.");
      } else if (d.retentionClass() == null) {
        out.printf("  Decision: EXCLUDE by rule '%s' (%s)%n", d.rule().id(), d.rule().excludeReason());
      } else {
        out.printf("  Decision: class %s by rule '%s'; retain until %s%n", d.retentionClass().name(), d.rule().id(),
            d.retainUntil());
      }
      int i = 1;
      for (PolicyEvaluator.RuleResult rr : e.rules()) {
        String mark = rr.matches() ? (d.matched() && rr.rule() == d.rule() ? "DECIDES" : "matches") : "-";
        out.printf("  %2d. %-8s %-28s priority %d -> %s%n", i++, mark, rr.rule().id(), rr.rule().priority(), rr.rule().action());
        for (PolicyEvaluator.Check c : rr.checks()) {
          out.printf("        %s %-14s %s%n", c.holds() ? "yes" : "NO ", c.condition(), c.detail());
        }
        if (rr.checks().isEmpty()) out.println("        yes (no conditions: matches everything)");
      }
      if (d.matched()) {
        List<String> alsoMatched = e.rules().stream().filter(rr -> rr.matches() && rr.rule() != d.rule())
            .map(rr -> rr.rule().id() + " (" + p.whyBefore(d.rule(), rr.rule()) + ")").toList();
        if (!alsoMatched.isEmpty()) out.println("  Also matched, but tried later: " + String.join("; ", alsoMatched));
      }
    }
    out.flush();
    return Main.EXIT_OK;
  }
}
