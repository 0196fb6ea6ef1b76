package io.lakevault.spark;

import static org.apache.spark.sql.functions.lit;

import io.lakevault.core.policy.KeyGlob;
import org.apache.spark.sql.Column;

/** Key tests as Spark columns, shared by the jobs that select objects by key (classify, restore). */
public final class KeyColumns {
  private KeyColumns() {}

  /** Common globs become string tests; the rest a regular expression anchored to the whole key. */
  public static Column glob(Column key, KeyGlob g) {
    return switch (g.shape()) {
      case EXACT -> key.equalTo(lit(g.literal()));
      case PREFIX -> key.startsWith(g.literal());
      case SUFFIX -> key.endsWith(g.literal());
      case SEGMENT -> key.startsWith(g.literal()).or(key.contains("/" + g.literal()));
      case PATTERN -> key.rlike("(?s)^(?:" + g.regex() + ")\\z");
    };
  }
}
