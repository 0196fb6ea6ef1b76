package io.lakevault.core;

/** Command lines lakevault prints for people to paste. */
public final class Shell {
  private Shell() {}

  /** A POSIX shell word: as is when it holds nothing special, otherwise in single quotes. */
  public static String quote(String s) {
    if (!s.isEmpty() && s.matches("[A-Za-z0-9_./:=@%+,-]+")) return s;
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
