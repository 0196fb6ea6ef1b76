package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.generator.GeneratedLake;
import io.lakevault.generator.GeneratorOptions;
import io.lakevault.generator.LakeGenerator;
import io.lakevault.generator.SimulatedClock;
import io.lakevault.spark.Locations;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lakevault generate}: writes a realistic sample lake and its S3 Inventory reports. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Write a sample lake and its S3 Inventory reports.",
        "Write a realistic sample lake and its S3 Inventory reports (CSV, ORC, Parquet; current and all versions).",
        "With --dir, into a local store rooted there; otherwise into the configured store (local or S3)."})
final class GenerateCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", description = "Local store root to write to (sets store.local.root).")
  Path dir;

  @Option(names = "--objects", paramLabel = "N", description = "Small objects to write (default: ${DEFAULT-VALUE}).")
  int objects = GeneratorOptions.DEFAULT_OBJECTS;

  @Option(names = "--no-versions", description = "Write each key once: no new versions, deletes or re-creates.")
  boolean noVersions;

  @Option(names = "--large-objects", paramLabel = "K", description = "Objects over 100 MB, streamed in parts (default: ${DEFAULT-VALUE}).")
  int largeObjects = 2;

  @Option(names = "--large-object-size", paramLabel = "BYTES", description = "Size of each large object (default: ${DEFAULT-VALUE}).")
  long largeObjectSize = GeneratorOptions.DEFAULT_LARGE_BYTES;

  @Option(names = "--from", paramLabel = "TIME", description = "Time of the first object, ISO-8601 (default: 2019-01-01T00:00:00Z).")
  String from = "2019-01-01T00:00:00Z";

  @Option(names = "--to", paramLabel = "TIME", description = "Time of the last change (default: 2024-06-30T00:00:00Z); reports are dated a day later.")
  String to = "2024-06-30T00:00:00Z";

  @Option(names = "--seed", paramLabel = "N", description = "Seed, for a reproducible lake (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Override
  public Integer call() {
    LakevaultConfig config = main.config();
    if (dir != null) {
      config = config.with(Map.of(Settings.STORE_LOCAL_ROOT.key(), dir.toString()));
    }
    GeneratorOptions options;
    try {
      options = new GeneratorOptions(objects, !noVersions, largeObjects, largeObjectSize, Instant.parse(from),
          Instant.parse(to), seed);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw LakevaultException.usage(e.getMessage());
    }
    GeneratedLake lake = generate(new RunContext(config), options, spec.commandLine().getParseResult().originalArgs());
    print(lake, config, spec.commandLine().getOut());
    return Main.EXIT_OK;
  }

  static GeneratedLake generate(RunContext ctx, GeneratorOptions options, List<String> args) {
    return ctx.recorded("generate", args, GenerateCommand::counts, GeneratedLake::bytes, () -> {
      SimulatedClock clock = new SimulatedClock();
      try (ObjectStore store = ctx.openStore(clock)) {
        return new LakeGenerator(store, clock, ctx.spark, options).generate();
      }
    });
  }

  static Map<String, Long> counts(GeneratedLake lake) {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("objects", lake.objects());
    m.put("versions", lake.versions());
    m.put("delete_markers", lake.deleteMarkers());
    m.put("reports", (long) lake.reports().size());
    return m;
  }

  static void print(GeneratedLake lake, LakevaultConfig config, PrintWriter out) {
    Locations where = new Locations(config);
    out.printf("  source buckets:   %s%n", String.join(", ", lake.sourceBuckets()));
    out.printf("  objects:          %,d current objects, %,d versions, %,d delete markers, %,.1f MB written%n",
        lake.objects(), lake.versions(), lake.deleteMarkers(), lake.bytes() / 1e6);
    out.printf("  inventory reports in s3://%s/%s/ (%d):%n", lake.inventoryBucket(), LakeGenerator.INVENTORY_PREFIX,
        lake.reports().size());
    out.printf("    %-20s %-22s %-8s %-13s %8s %6s%n", "source bucket", "configuration", "format", "versions", "rows", "files");
    for (GeneratedLake.Report r : lake.reports()) {
      out.printf("    %-20s %-22s %-8s %-13s %,8d %6d%n", r.sourceBucket(), r.configId(), r.format().manifestName(),
          r.allVersions() ? "all" : "current", r.rows(), r.files());
    }
    GeneratedLake.Report first = lake.reports().get(0);
    out.printf("  a manifest:       %s%n", first.manifestUri());
    if (where.isLocal()) {
      out.printf("                    (on disk: %s)%n", where.hadoopPath(first.manifestUri()).substring("file:".length()));
    }
  }
}
