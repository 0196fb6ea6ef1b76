package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.kernel.KernelCatalog;
import io.lakevault.ui.Desk;
import io.lakevault.ui.DeskServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault ui}: the auditor's desk in a browser, and its JSON API (docs/api.md). */
@Command(name = "ui", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Serve the auditor's desk (search, calendar) in a browser.",
        "Serve the auditor's desk on loopback: search by prefix, glob, time, class and rule;",
        "a calendar of versions created and archived per day; each key's history; the exact",
        "restore and export command of a selection with its cost per tier; runs and holds.",
        "Read-only; reads the catalog with Delta Kernel (no Spark). JSON API: docs/api.md"})
final class UiCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", description = "Port to listen on (default 8042; 0: any free port).")
  int port = 8042;
  @Option(names = "--bind", paramLabel = "ADDR", description = {"Address to listen on (default 127.0.0.1). Anything",
      "else exposes the catalog's names to that network: the desk has no login."})
  String bind = "127.0.0.1";

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (port < 0 || port > 65535) throw LakevaultException.usage("--port " + port + " is not a port (0 to 65535)");
    Desk desk = new Desk(new KernelCatalog(main.config()), PolicyFiles.prices(main.config()));
    DeskServer server;
    try {
      server = new DeskServer(desk, bind, port);
    } catch (java.net.BindException e) {
      throw LakevaultException.usage("cannot listen on " + bind + ":" + port + " (" + e.getMessage()
          + "); another program has it: choose another --port, or 0 for any free port");
    }
    PrintWriter out = spec.commandLine().getOut();
    server.start();
    out.printf("lakevault ui: %s  (read-only; Ctrl-C stops it)%n", server.url());
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "lakevault-ui-stop"));
    stopped.await();
    return Main.EXIT_OK;
  }
}
