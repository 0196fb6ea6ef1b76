package io.lakevault.cli;

import io.lakevault.core.config.Sizes;
import io.lakevault.core.restore.Selector;
import java.util.List;
import picocli.CommandLine.Option;

/** The selector options {@code restore} and {@code export} share (docs/restore.md, "Selecting"). */
final class SelectorOptions {
  @Option(names = "--bucket", paramLabel = "NAME", description = "Source bucket; repeatable.")
  List<String> buckets;
  @Option(names = "--prefix", paramLabel = "PREFIX", description = {"Key prefix, in every selected bucket, or",
      "s3://bucket/prefix for one bucket; repeatable."})
  List<String> prefixes;
  @Option(names = "--keys", paramLabel = "FILE|URI", description = "A file of keys, one per line: key or s3://bucket/key.")
  String keys;
  @Option(names = "--glob", paramLabel = "GLOB", description = "Keys matching a glob (* ** ? [..], as in policies); repeatable.")
  List<String> globs;
  @Option(names = "--class", paramLabel = "NAME", description = "Retention class; repeatable.")
  List<String> classes;
  @Option(names = "--rule", paramLabel = "ID", description = "Objects the policy rule with this id classified; repeatable.")
  List<String> rules;
  @Option(names = "--min-size", paramLabel = "SIZE", description = "At least this size (e.g. 1KiB).")
  String minSize;
  @Option(names = "--max-size", paramLabel = "SIZE", description = "At most this size.")
  String maxSize;
  @Option(names = "--modified-after", paramLabel = "TIME", description = "Versions last modified at or after this time.")
  String modifiedAfter;
  @Option(names = "--modified-before", paramLabel = "TIME", description = "Versions last modified before this time.")
  String modifiedBefore;
  @Option(names = "--as-of", paramLabel = "TIME", description = {"The version current at this ISO-8601 time (nothing where",
      "a delete marker was). Default: the latest archived version; export requires it."})
  String asOf;
  @Option(names = "--version-id", paramLabel = "ID", description = "Exactly this version; repeatable.")
  List<String> versionIds;
  @Option(names = "--all-versions", description = "Every archived version (up to --as-of when given).")
  boolean allVersions;

  Selector selector() {
    return new Selector(buckets, prefixes, keys, globs, classes, rules,
        size("--min-size", minSize), size("--max-size", maxSize),
        modifiedAfter == null ? null : Selector.parseTime("--modified-after", modifiedAfter),
        modifiedBefore == null ? null : Selector.parseTime("--modified-before", modifiedBefore),
        asOf == null ? null : Selector.parseTime("--as-of", asOf), versionIds, allVersions);
  }

  private static Long size(String option, String value) {
    if (value == null) return null;
    try {
      return Sizes.parse(value);
    } catch (IllegalArgumentException e) {
      throw io.lakevault.core.LakevaultException.usage(option + ": " + e.getMessage());
    }
  }
}
