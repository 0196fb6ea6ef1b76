package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Subcommands whose jobs are not built yet. Each declares the interface its issue specifies, so
 * {@code --help} already documents it, and refuses to run with a message saying so (exit 1).
 */
final class Unbuilt {
  private Unbuilt() {}

  abstract static class Base implements Callable<Integer> {
    abstract String what();

    @Override
    public Integer call() {
      throw LakevaultException.input(what() + " is not built yet; see the README's Status section"
          + " for what runs today (lakevault demo, lakevault generate)");
    }
  }

  abstract static class Selecting extends Base {
    @Option(names = "--bucket", paramLabel = "NAME", description = "Source bucket; repeatable.")
    List<String> buckets;
    @Option(names = "--prefix", paramLabel = "PREFIX", description = "Key prefix; repeatable.")
    List<String> prefixes;
    @Option(names = "--keys", paramLabel = "FILE", description = "One key per line.")
    Path keys;
    @Option(names = "--as-of", paramLabel = "TIME", description = "ISO-8601 instant: the versions current then.")
    String asOf;
    @Option(names = "--to", paramLabel = "URI", description = "Target: s3://bucket/prefix or a local folder.")
    String to;
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = "Find, thaw, extract, verify and write back archived objects.")
  static final class Restore extends Selecting {
    @Option(names = "--tier", paramLabel = "TIER", description = "Bulk, Standard or Expedited.")
    String tier;
    @Option(names = "--dry-run")
    boolean dryRun;

    @Override String what() { return "restore"; }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Export a versioned, checksummed set as of a time, with manifests, for auditors.")
  static final class Export extends Selecting {
    @Override String what() { return "export"; }
  }

  @Command(name = "find", mixinStandardHelpOptions = true, description = "List what the archive holds under a prefix.")
  static final class Find extends Base {
    @Parameters(paramLabel = "s3://BUCKET/PREFIX")
    String uri;
    @Option(names = "--as-of", paramLabel = "TIME")
    String asOf;
    @Option(names = "--json")
    boolean json;

    @Override String what() { return "find"; }
  }

  @Command(name = "versions", mixinStandardHelpOptions = true, description = "Every archived version of one key.")
  static final class Versions extends Base {
    @Parameters(paramLabel = "s3://BUCKET/KEY")
    String uri;
    @Option(names = "--json")
    boolean json;

    @Override String what() { return "versions"; }
  }
}
