package io.lakevault.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.Times;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.store.S3Uri;
import io.lakevault.restore.Lookup;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault find} and {@code lakevault versions}: what the archive holds, in a terminal. */
final class LookupCommands {
  private LookupCommands() {}

  @Command(name = "find", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"List what the archive holds under a prefix, now or at a time.",
        "List the archived versions current now (or at --as-of) under a prefix, in key",
          "order: last-modified, size, class, retain-until, pack. docs/restore.md"})
  static final class Find implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "s3://BUCKET/PREFIX")
    String uri;
    @Option(names = "--as-of", paramLabel = "TIME", description = "What was current at this ISO-8601 time.")
    String asOf;
    @Option(names = "--limit", paramLabel = "N", description = "List at most N keys (default 1000); totals count all.")
    int limit = 1000;
    @Option(names = "--json", description = "JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      S3Uri u = S3Uri.parse(uri);
      if (limit < 1) throw LakevaultException.usage("--limit must be at least 1");
      Instant t = asOf == null ? null : Selector.parseTime("--as-of", asOf);
      // Delta Kernel reads the catalog: no SparkSession, so a lookup takes about a second, not tens.
      Lookup.Listing l = new Lookup(main.config()).find(u.bucket(), u.key(), t, limit);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uri", uri);
        m.put("as_of", Times.iso(t));
        m.put("objects", l.objects());
        m.put("bytes", l.bytes());
        m.put("truncated", l.truncated());
        m.put("versions", l.versions().stream().map(LookupCommands::json).toList());
        out.print(write(m));
      } else {
        out.printf(Locale.ROOT, "%s%s: %,d object(s), %s%n", uri, t == null ? "" : " as of " + t, l.objects(),
            Sizes.format(l.bytes()));
        if (!l.versions().isEmpty()) {
          out.printf(Locale.ROOT, "%-24s %10s  %-16s %-24s %s%n", "last modified", "size", "class", "retain until", "key");
        }
        for (Lookup.Version v : l.versions()) {
          out.printf(Locale.ROOT, "%-24s %10s  %-16s %-24s %s%s%n", v.lastModified(), Sizes.format(v.size()), v.retentionClass(),
              v.retainUntil(), v.key(), v.disposed() ? "  [disposed " + v.disposedAt() + ": retention ended]" : "");
        }
        if (l.truncated()) out.printf(Locale.ROOT, "... and %,d more (--limit)%n", l.objects() - l.versions().size());
      }
      out.flush();
      return Main.EXIT_OK;
    }
  }

  @Command(name = "versions", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Show every archived version of one key.",
        "Every archived version and delete marker of one key, newest first, with dates,",
          "sizes, classes, retention, SHA-256 and pack. docs/restore.md"})
  static final class Versions implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "s3://BUCKET/KEY")
    String uri;
    @Option(names = "--json", description = "JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      S3Uri u = S3Uri.parse(uri);
      if (u.key().isEmpty()) throw LakevaultException.usage(uri + " names no key; write s3://bucket/key");
      List<Lookup.Version> versions = new Lookup(main.config()).versions(u.bucket(), u.key());
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Object> list = new ArrayList<>();
        for (Lookup.Version v : versions) list.add(json(v));
        out.print(write(Map.of("uri", uri, "versions", list)));
      } else if (versions.isEmpty()) {
        out.printf("%s: the archive holds no version of this key%n", uri);
      } else {
        out.printf(Locale.ROOT, "%s: %d version(s)%n", uri, versions.size());
        out.printf(Locale.ROOT, "%-13s %-24s %10s  %-16s %-24s %-34s %s%n", "status", "last modified", "size", "class",
            "retain until", "version id", "sha256 / pack");
        for (Lookup.Version v : versions) {
          out.printf(Locale.ROOT, "%-13s %-24s %10s  %-16s %-24s %-34s %s%n",
              v.disposed() ? "DISPOSED" : v.status().name().replace('_', ' '),
              v.lastModified(), v.status() == Lookup.Status.DELETE_MARKER ? "-" : Sizes.format(v.size()), v.retentionClass(),
              v.retainUntil(), v.versionId(), v.disposed() ? "disposed " + v.disposedAt() + ": " + v.disposal()
                  : v.sha256() == null ? "-" : v.sha256().substring(0, 16) + "... " + v.packId()
                  + (v.deduplicated() ? " (dedup)" : ""));
        }
      }
      out.flush();
      return Main.EXIT_OK;
    }
  }

  private static Map<String, Object> json(Lookup.Version v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bucket", v.bucket());
    m.put("key", v.key());
    m.put("version_id", v.versionId());
    m.put("status", v.status().name());
    m.put("last_modified", Times.iso(v.lastModified()));
    m.put("size", v.size());
    m.put("retention_class", v.retentionClass());
    m.put("retain_until", Times.iso(v.retainUntil()));
    m.put("sha256", v.sha256());
    m.put("pack_id", v.packId());
    m.put("deduplicated", v.deduplicated());
    m.put("content_type", v.contentType());
    m.put("user_metadata", v.userMetadata());
    m.put("archived_at", Times.iso(v.archivedAt()));
    m.put("disposed_at", Times.iso(v.disposedAt()));
    m.put("disposal", v.disposal());
    return m;
  }

  private static String write(Object o) {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
