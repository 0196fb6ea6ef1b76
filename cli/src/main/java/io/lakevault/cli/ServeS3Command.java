package io.lakevault.cli;

import io.lakevault.access.S3Gateway;
import io.lakevault.aws.KeyResolvers;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.restore.Selector;
import io.lakevault.core.s3api.SigV4;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.kernel.KernelCatalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault serve-s3}: the archive as a read-only S3 endpoint (docs/instant-access.md). */
@Command(name = "serve-s3", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Serve the archive as a read-only S3 endpoint, as of any time.",
        "Serve the archive to S3 clients (AWS CLI, boto3, Spark S3A; path-style): ListBuckets,",
        "ListObjects(V2), ListObjectVersions, HeadObject, GetObject with Range, as the source",
        "buckets were at --as-of. Objects in instantly readable packs (GLACIER_IR, STANDARD_IA,",
        "STANDARD) stream at once; Deep Archive ones answer InvalidObjectState naming the",
        "restore command. Requests are checked with SigV4 against serve-s3.credentials.",
        "Docs: docs/instant-access.md"})
final class ServeS3Command implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--as-of", paramLabel = "TIME", description = {"Show the buckets as they were at this ISO-8601 time",
      "(default: now, following new archive runs)."})
  String asOf;
  @Option(names = "--port", paramLabel = "N", description = "Port to listen on (default 9042; 0: any free port).")
  int port = 9042;
  @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default 127.0.0.1).")
  String bind = "127.0.0.1";
  @Option(names = "--anonymous", description = {"Also serve unsigned requests (aws --no-sign-request). Loopback only:",
      "anyone who can connect reads the archive."})
  boolean anonymous;
  @Option(names = "--threads", paramLabel = "N", description = "Requests served at once (default 32).")
  int threads = 32;
  @Option(names = "--open-packs", paramLabel = "N", description = {"Packs whose index and keys stay in memory",
      "(default 256): a read of an open pack is one range GET."})
  int openPacks = 256;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (port < 0 || port > 65535) throw LakevaultException.usage("--port " + port + " is not a port (0 to 65535)");
    if (threads < 1 || openPacks < 1) throw LakevaultException.usage("--threads and --open-packs must be at least 1");
    LakevaultConfig config = main.config();
    Instant time = asOf == null ? null : Selector.parseTime("--as-of", asOf);
    Map<String, String> credentials = Map.of();
    String file = config.get(Settings.SERVE_S3_CREDENTIALS);
    if (file != null) {
      try {
        credentials = SigV4.loadCredentials(Path.of(file));
      } catch (IOException | IllegalArgumentException e) {
        throw LakevaultException.usage("cannot read serve-s3.credentials " + file + ": " + e.getMessage()
            + "; it holds 'ACCESS_KEY_ID SECRET_ACCESS_KEY' lines");
      }
    }
    ObjectStore store = ObjectStores.open(config);
    KeyResolvers keys = KeyResolvers.from(config);
    S3Gateway gateway;
    try {
      gateway = new S3Gateway(new KernelCatalog(config), store, keys,
          new S3Gateway.Options(bind, port, anonymous, credentials, time, threads, openPacks), Clock.systemUTC());
    } catch (java.net.BindException e) {
      store.close();
      keys.close();
      throw LakevaultException.usage("cannot listen on " + bind + ":" + port + " (" + e.getMessage()
          + "); another program has it: choose another --port, or 0 for any free port");
    }
    PrintWriter out = spec.commandLine().getOut();
    gateway.start();
    out.printf("lakevault serve-s3: %s  (read-only, %s; Ctrl-C stops it)%n", gateway.url(),
        time == null ? "the archive now" : "the archive as of " + io.lakevault.core.Times.iso(time));
    out.printf("  aws s3 ls --endpoint-url %s%s s3://%n", gateway.url(), anonymous ? " --no-sign-request" : "");
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      gateway.close();
      keys.close();
      try {
        store.close();
      } catch (Exception e) {
        // stopping anyway
      }
      stopped.countDown();
    }, "lakevault-serve-s3-stop"));
    stopped.await();
    return Main.EXIT_OK;
  }
}
