package io.lakevault.cli;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.Settings;
import io.lakevault.core.pack.LocalKeyRing;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lakevault keys}: local key-encryption keys, the embedded default's stand-in for KMS. */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = {"Manage local key-encryption keys.",
        "Local key-encryption keys (local:NAME is <keys.local.dir>/NAME.key). On AWS, name a",
        "KMS key in the policy or archive.default-key instead."},
    subcommands = KeysCommand.Create.class)
final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a local key-encryption key.",
        "Create a new random local key. An existing key is never replaced: packs sealed with it",
          "would become unreadable."})
  static final class Create implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "local:NAME", description = "The key reference, e.g. local:default.")
    String ref;

    @Override
    public Integer call() {
      Main main = (Main) keys.spec.parent().userObject();
      Path dir = Path.of(main.config().get(Settings.KEYS_LOCAL_DIR));
      LocalKeyRing ring = new LocalKeyRing(dir);
      Path file = ring.file(ref);
      if (!ring.createIfMissing(ref)) {
        throw LakevaultException.usage(file + " exists already; it is kept (replacing a key loses the packs it sealed)");
      }
      spec.commandLine().getOut().printf("created %s for %s; back it up: without it the packs it seals cannot be read%n",
          file, ref);
      return Main.EXIT_OK;
    }
  }
}
