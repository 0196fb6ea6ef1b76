package io.lakevault.core.policy;

import java.io.Serializable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A glob over whole object keys. {@code *} matches any run of characters within one path segment
 * (no {@code /}), {@code **} matches across segments (including none: {@code logs/**}{@code /x} matches
 * {@code logs/x}), {@code ?} one character other than {@code /}, {@code [abc]} and {@code [a-z]} one
 * of a set ({@code [!abc]} negates), and {@code \} escapes the next character.
 *
 * <p>Besides the regular expression, a glob knows its shape, so common globs compile to cheap string
 * tests instead of a regular expression: {@code logs/**} is a prefix test, {@code **}{@code /*.tmp} and
 * {@code **.tmp} are suffix tests, {@code **}{@code /_temporary/**} is a path-segment test (the key starts
 * with {@code _temporary/} or contains {@code /_temporary/}), a glob with no wildcard is an equality.
 */
public final class KeyGlob implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How a glob can be tested. */
  public enum Shape { EXACT, PREFIX, SUFFIX, SEGMENT, PATTERN }

  private final String glob;
  private final String regex;
  private final String literalPrefix;
  private final Shape shape;
  private final String literal; // the string of an EXACT, PREFIX or SUFFIX test
  private transient Pattern pattern;

  private KeyGlob(String glob, String regex, String literalPrefix, Shape shape, String literal) {
    this.glob = glob;
    this.regex = regex;
    this.literalPrefix = literalPrefix;
    this.shape = shape;
    this.literal = literal;
  }

  /** Compiles a glob; throws {@link IllegalArgumentException} naming the problem. */
  public static KeyGlob compile(String glob) {
    if (glob.isEmpty()) throw new IllegalArgumentException("an empty glob matches only the empty key, which S3 does not allow");
    StringBuilder re = new StringBuilder("(?s)");
    StringBuilder run = new StringBuilder(); // literal characters not yet written to re
    StringBuilder prefix = new StringBuilder();
    boolean wild = false;
    int i = 0;
    int n = glob.length();
    while (i < n) {
      char c = glob.charAt(i);
      if (c == '\\') {
        if (i + 1 >= n) throw new IllegalArgumentException("glob '" + glob + "' ends with a lone backslash; write \\\\ for a backslash");
        char e = glob.charAt(i + 1);
        run.append(e);
        if (!wild) prefix.append(e);
        i += 2;
        continue;
      }
      if ((c == '*' || c == '?' || c == '[') && run.length() > 0) {
        re.append(Pattern.quote(run.toString()));
        run.setLength(0);
      }
      if (c == '*') {
        wild = true;
        if (i + 1 < n && glob.charAt(i + 1) == '*') {
          // "**/" also matches no segment at all, so "a/**/b" matches "a/b".
          if (i + 2 < n && glob.charAt(i + 2) == '/') {
            re.append("(?:.*/)?");
            i += 3;
          } else {
            re.append(".*");
            i += 2;
          }
        } else {
          re.append("[^/]*");
          i++;
        }
        continue;
      }
      if (c == '?') {
        wild = true;
        re.append("[^/]");
        i++;
        continue;
      }
      if (c == '[') {
        int end = glob.indexOf(']', i + 2);
        if (end < 0) throw new IllegalArgumentException("glob '" + glob + "' has a '[' with no closing ']' at position " + (i + 1)
            + "; write \\[ for a literal bracket");
        String set = glob.substring(i + 1, end);
        boolean negate = set.startsWith("!");
        if (negate) set = set.substring(1);
        re.append('[').append(negate ? "^/" : "").append(set.replace("\\", "\\\\").replace("[", "\\[").replace("&&", "\\&\\&")).append(']');
        wild = true;
        i = end + 1;
        continue;
      }
      run.append(c);
      if (!wild) prefix.append(c);
      i++;
    }
    if (run.length() > 0) re.append(Pattern.quote(run.toString()));
    String regex = re.toString();
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("glob '" + glob + "' is not valid: " + e.getDescription());
    }
    String lit = prefix.toString();
    Shape shape;
    String literal;
    if (!wild) {
      shape = Shape.EXACT;
      literal = lit;
    } else if (glob.equals(escapeLiteral(lit) + "**")) {
      shape = Shape.PREFIX;
      literal = lit;
    } else if (glob.startsWith("**") && isPlainSuffix(glob)) {
      String tail = glob.startsWith("**/*") ? glob.substring(4) : glob.substring(2);
      shape = Shape.SUFFIX;
      literal = tail;
    } else if (glob.startsWith("**/") && glob.endsWith("/**") && glob.length() > 6
        && isPlain(glob.substring(3, glob.length() - 3))) {
      shape = Shape.SEGMENT;
      literal = glob.substring(3, glob.length() - 2);
    } else {
      shape = Shape.PATTERN;
      literal = null;
    }
    return new KeyGlob(glob, regex, lit, shape, literal);
  }

  /** {@code **}{@code /*X} or {@code **X} where X has no wildcard, escape or slash: "the key ends with X". */
  private static boolean isPlainSuffix(String glob) {
    String tail = glob.startsWith("**/*") ? glob.substring(4) : glob.substring(2);
    return !tail.isEmpty() && tail.indexOf('/') < 0 && isPlain(tail);
  }

  private static boolean isPlain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == '\\') return false;
    }
    return true;
  }

  private static String escapeLiteral(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == '\\') b.append('\\');
      b.append(c);
    }
    return b.toString();
  }

  public boolean matches(String key) {
    return switch (shape) {
      case EXACT -> key.equals(literal);
      case PREFIX -> key.startsWith(literal);
      case SUFFIX -> key.endsWith(literal);
      case SEGMENT -> key.startsWith(literal) || key.contains("/" + literal);
      case PATTERN -> pattern().matcher(key).matches();
    };
  }

  private Pattern pattern() {
    if (pattern == null) pattern = Pattern.compile(regex);
    return pattern;
  }

  /** The glob as written. */
  public String glob() {
    return glob;
  }

  /** A Java regular expression matching exactly the keys the glob matches (anchor it to match the whole key). */
  public String regex() {
    return regex;
  }

  /** The characters every matching key starts with (possibly empty). */
  public String literalPrefix() {
    return literalPrefix;
  }

  public Shape shape() {
    return shape;
  }

  /** For EXACT, PREFIX, SUFFIX and SEGMENT (the segments with their trailing '/') shapes: the string to compare with; otherwise {@code null}. */
  public String literal() {
    return literal;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyGlob g && g.glob.equals(glob);
  }

  @Override
  public int hashCode() {
    return glob.hashCode();
  }

  @Override
  public String toString() {
    return glob;
  }
}
