package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.policy.Policy;
import io.lakevault.core.policy.PolicyLinter;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.policy.PolicyProblem;
import io.lakevault.core.policy.RetentionClass;
import io.lakevault.core.policy.Rule;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault policy}: tools for policy files. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Tools for retention policy files.",
    subcommands = PolicyCommand.Lint.class)
final class PolicyCommand implements Runnable {
  @ParentCommand Main main;

  @Override
  public void run() {
    throw LakevaultException.usage("policy needs a subcommand: lint");
  }

  @Command(name = "lint", mixinStandardHelpOptions = true,
      description = {"Check a retention policy file.",
        "Check a policy without running anything: unknown fields, invalid patterns,",
          "unknown classes, rules shadowed by earlier ones (they never decide) and",
          "overlapping rules with different actions, each as FILE:LINE: severity: message.",
          "Prints the rules in the order they are tried. Exit 0 when there are no errors",
          "(warnings allowed), 2 when there are."})
  static final class Lint implements Callable<Integer> {
    @ParentCommand PolicyCommand parent;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE|URI", description = "Policy YAML (docs/policy.md); a local path or an s3:// URI.")
    String file;

    @Override
    public Integer call() {
      byte[] bytes = PolicyFiles.read(file, parent.main.config(), "policy");
      PolicyParser.Parsed parsed = PolicyParser.read(file, bytes);
      List<PolicyProblem> problems = new ArrayList<>(parsed.problems());
      if (parsed.ok()) problems.addAll(PolicyLinter.lint(parsed.policy()));
      problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
      PrintWriter out = spec.commandLine().getOut();
      for (PolicyProblem p : problems) out.println(p);
      long errors = problems.stream().filter(PolicyProblem::isError).count();
      long warnings = problems.size() - errors;
      if (parsed.ok()) printOrder(parsed.policy(), out);
      out.printf("%s: %d error%s, %d warning%s%n", file, errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
      out.flush();
      return errors > 0 ? Main.EXIT_USAGE : Main.EXIT_OK;
    }

    private static void printOrder(Policy policy, PrintWriter out) {
      out.println("Classes:");
      for (RetentionClass c : policy.classes().values()) {
        out.printf("  %-22s keep %-8s from %-13s %-13s lock %-10s %s, packs of %s%n", c.name(), c.retain(),
            c.anchor() == RetentionClass.Anchor.ARCHIVED ? "archive" : "last-modified", c.storageClass(),
            c.lockMode().toLowerCase(java.util.Locale.ROOT), c.encrypted() ? "encrypted" : "not encrypted",
            Sizes.format(c.packSize()));
      }
      out.println("Rules, in the order they are tried (first match decides):");
      int i = 1;
      for (Rule r : policy.precedence()) {
        out.printf("  %2d. %-28s priority %4d  line %4d  -> %-20s when %s%n", i++, r.id(), r.priority(), r.line(),
            r.action(), r.match().conditionNames().isEmpty() ? "always" : String.join(", ", r.match().conditionNames()));
      }
    }
  }
}
