package io.lakevault.core.policy;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import java.util.List;
import java.util.stream.Collectors;

/** A policy that cannot be used; carries every error found, not only the first. */
public final class PolicyException extends LakevaultException {
  private static final long serialVersionUID = 1L;
  private final List<PolicyProblem> problems;

  public PolicyException(List<PolicyProblem> problems) {
    super(ErrorKind.USAGE, summary(problems));
    this.problems = List.copyOf(problems);
  }

  public List<PolicyProblem> problems() {
    return problems;
  }

  private static String summary(List<PolicyProblem> problems) {
    long errors = problems.stream().filter(PolicyProblem::isError).count();
    return "the policy has " + errors + (errors == 1 ? " error" : " errors")
        + " (run 'lakevault policy lint' for the full list):\n"
        + problems.stream().filter(PolicyProblem::isError).map(PolicyProblem::toString).collect(Collectors.joining("\n"));
  }
}
