package io.lakevault.testing;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A command of the machine image (the AWS CLI, python3) by its real path. Where the image installs them
 * through pyenv, the name on PATH is a shim, a shell script that finds the interpreter on every call: a
 * quarter of a second per call, against 0.4 s for {@code aws --version} itself, paid by each of the
 * suite's few hundred AWS CLI calls. Anything unexpected falls back to the plain name.
 */
public final class Executables {
  private static final Map<String, String> RESOLVED = new ConcurrentHashMap<>();

  private Executables() {}

  public static String of(String name) {
    return RESOLVED.computeIfAbsent(name, Executables::resolve);
  }

  private static String resolve(String name) {
    String path = System.getenv("PATH");
    if (path == null) return name;
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (!Files.isExecutable(p)) continue;
      if (!p.getParent().getFileName().toString().equals("shims")) return p.toString();
      try {
        Process which = new ProcessBuilder("pyenv", "which", name).redirectErrorStream(false).start();
        String real = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (which.waitFor(10, TimeUnit.SECONDS) && which.exitValue() == 0 && Files.isExecutable(Path.of(real))) return real;
      } catch (Exception e) {
        // The shim still works: use it.
      }
      return p.toString();
    }
    return name;
  }
}
