package io.lakevault.core;

import java.util.Collection;

/** "Did you mean" for messages: the known word closest to a misspelt one. */
public final class Suggest {
  private Suggest() {}

  /** The candidate closest to {@code word} by edit distance, or {@code null} when none is close. */
  public static String closest(String word, Collection<String> candidates) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String k : candidates) {
      int d = editDistance(word, k);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return bestD <= Math.max(2, word.length() / 4) ? best : null;
  }

  /** {@code "; did you mean 'x'?"} or the empty string. */
  public static String didYouMean(String word, Collection<String> candidates) {
    String c = closest(word, candidates);
    return c == null ? "" : "; did you mean '" + c + "'?";
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
