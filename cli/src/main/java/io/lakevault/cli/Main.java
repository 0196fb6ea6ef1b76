package io.lakevault.cli;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.Version;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.store.S3Uri;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code lakevault} command: parses arguments and hands over to a job. No logic lives here.
 *
 * <p>Exit codes (docs/cli.md): 0 success; 1 failure; 2 usage or configuration error; 3 thawing; 4 busy;
 * 5 archived with packs left unlocked.
 */
@Command(name = "lakevault", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = "Archive S3 data lakes into packed, encrypted Glacier Deep Archive objects, tracked in a Delta catalog.",
    footerHeading = "%nExit codes:%n",
    footer = {"  0  success", "  1  failure (the message says what failed and what to do)",
        "  2  usage or configuration error",
        "  3  thaw in progress: packs are being restored from Glacier; run the same command again later",
        "  4  busy: another run holds the catalog's run lease; run again once it has ended",
        "  5  archived, but some packs are not locked yet: the report says why; every later run retries", "", "Docs: README.md, docs/cli.md, docs/configuration.md"},
    subcommands = {
        DemoCommand.class, GenerateCommand.class,
        InventoryCommand.class, ClassifyCommand.class, PolicyCommand.class, ExplainCommand.class,
        ArchiveCommand.class, KeysCommand.class, VerifyCommand.class, RestoreCommand.Restore.class, RestoreCommand.Export.class,
        LookupCommands.Find.class, LookupCommands.Versions.class, UiCommand.class, ServeS3Command.class, HoldCommand.class, ExpireCommand.class, EraseCommand.class, DrillCommand.class, CatalogCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;
  /** Archived data is being thawed (restore requested, not finished): run the same command again later. */
  public static final int EXIT_THAWING = 3;
  /** The run archived and cataloged everything, but some packs or key files could not be locked yet. */
  public static final int EXIT_UNLOCKED = 5;

  @Option(names = "--config", paramLabel = "FILE|URI", scope = ScopeType.INHERIT,
      description = "YAML settings file, or its s3:// URI (default: conf/lakevault.yaml when it exists).")
  String configFile;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", scope = ScopeType.INHERIT,
      description = "Override one setting; repeatable; applied after --config.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--thawing-exit-code", paramLabel = "N", scope = ScopeType.INHERIT,
      description = {"Exit with N instead of 3 while packs thaw (0 for schedulers that cannot tell exit codes",
          "apart, such as EMR steps; they read the status from the JSON report instead)."})
  Integer thawingExitCode;

  private LakevaultConfig config;

  /** The effective configuration, loaded once, on first use, so --help never needs a valid file. */
  LakevaultConfig config() {
    if (config == null) {
      Map<String, String> o = new LinkedHashMap<>();
      for (String s : overrides) {
        Map.Entry<String, String> e = LakevaultConfig.parseOverride(s);
        o.put(e.getKey(), e.getValue());
      }
      config = configFile != null && S3Uri.isS3(configFile)
          ? LakevaultConfig.load(configFile, PolicyFiles.read(configFile, LakevaultConfig.of(o), "config file"), o)
          : LakevaultConfig.load(configFile == null ? null : Path.of(configFile), o);
    }
    return config;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "a subcommand is required");
  }

  public static void main(String[] args) {
    int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    // Under spark-submit --deploy-mode cluster (EMR steps, EMR Serverless) the driver runs inside the YARN
    // application master, which marks the application FAILED when the user class calls System.exit,
    // even with 0: a success must return normally there. Failures still exit with their code.
    if (code == EXIT_OK && "cluster".equals(System.getProperty("spark.submit.deployMode"))) return;
    System.exit(code);
  }

  /** Runs the command line and returns the exit code; used by main and by tests. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Main main = new Main();
    CommandLine cl = new CommandLine(main);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      LakevaultException lv = find(ex);
      if (lv != null) {
        err.println("lakevault " + line.getCommandName() + ": error: " + lv.getMessage());
        return lv.kind().exitCode();
      }
      err.println("lakevault " + line.getCommandName() + ": unexpected failure (a lakevault bug; please report it"
          + " with this trace):");
      ex.printStackTrace(err);
      return ErrorKind.INTERNAL.exitCode();
    });
    return exitCode(cl.execute(args), main.thawingExitCode);
  }

  /** The process's exit code: a command's own, except "thawing" when {@code --thawing-exit-code} replaces it. */
  static int exitCode(int code, Integer thawingExitCode) {
    return code == EXIT_THAWING && thawingExitCode != null ? thawingExitCode : code;
  }

  /**
   * Parses a command line without running anything and returns its command path (e.g. [lakevault,
   * catalog, optimize]); throws picocli's ParameterException naming an unknown command or option or a
   * missing required one. The checks of emr/ use it on every step's arguments.
   */
  public static List<String> parse(String... args) {
    return new CommandLine(new Main()).parseArgs(args).asCommandLineList().stream()
        .map(CommandLine::getCommandName).toList();
  }

  private static LakevaultException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof LakevaultException lv) return lv;
    }
    return null;
  }

  /** {@code lakevault --version}. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"lakevault " + Version.get(), Version.stack()};
    }
  }
}
