package io.lakevault.core.policy;

/**
 * One finding about a policy file: where, what, and what to change.
 *
 * @param severity ERROR makes the policy unusable; WARNING is legal but probably not what was meant
 * @param line 1-based line in the file, or 0 when the problem is the whole file
 */
public record PolicyProblem(Severity severity, String source, int line, String message) {
  public enum Severity { ERROR, WARNING }

  public static PolicyProblem error(String source, int line, String message) {
    return new PolicyProblem(Severity.ERROR, source, line, message);
  }

  public static PolicyProblem warning(String source, int line, String message) {
    return new PolicyProblem(Severity.WARNING, source, line, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code file:line: error: message}, as compilers print it, so editors can jump to it. */
  @Override
  public String toString() {
    return source + (line > 0 ? ":" + line : "") + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
  }
}
