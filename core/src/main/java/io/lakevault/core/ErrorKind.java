package io.lakevault.core;

/**
 * Whose fault a failure is, which decides the process exit code and what the operator does next.
 *
 * <p>Exit codes are part of the command's contract (scripts and Airflow tasks branch on them) and
 * are documented in {@code docs/cli.md}.
 */
public enum ErrorKind {
  /** Bad arguments, bad configuration, bad selectors or policies: fix the command line or the file. */
  USAGE(2),
  /** Bad input data (a malformed inventory, a checksum mismatch): fix or replace the input. */
  INPUT(1),
  /** The object store refused or failed (S3 errors, missing objects, access denied). */
  STORE(1),
  /**
   * Another run holds the catalog's run lease (or took it over from this one): nothing was changed;
   * run again once that run has ended.
   */
  BUSY(4),
  /** A lakevault defect: report it with the stack trace. */
  INTERNAL(1);

  private final int exitCode;

  ErrorKind(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
