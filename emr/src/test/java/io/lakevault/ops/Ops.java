package io.lakevault.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lakevault.testing.MotoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The repository's emr/ folder, its example variables, and the external tools the checks run. */
final class Ops {
  private Ops() {}

  static final ObjectMapper JSON = new ObjectMapper();
  /** The module folder is emr/; the repository root is its parent. */
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  static final Path EMR = ROOT.resolve("emr");

  record Result(int exit, String out, String err) {}

  /** The example values of every template variable (emr/variables.example.env). */
  static Map<String, String> exampleVariables() {
    Map<String, String> vars = new LinkedHashMap<>();
    for (String line : lines(EMR.resolve("variables.example.env"))) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) continue;
      int eq = l.indexOf('=');
      String v = l.substring(eq + 1);
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
      vars.put(l.substring(0, eq), v);
    }
    return vars;
  }

  /** Renders a template with emr/render (the tool users run), with the example values plus {@code extra}. */
  static String render(String template, Map<String, String> extra) {
    List<String> cmd = new ArrayList<>(List.of(io.lakevault.testing.Executables.of("python3"), EMR.resolve("render").toString(), EMR.resolve(template).toString()));
    Map<String, String> vars = new LinkedHashMap<>(exampleVariables());
    vars.putAll(extra);
    vars.forEach((k, v) -> cmd.add(k + "=" + v));
    return ok(run(ROOT, Map.of(), cmd));
  }

  static JsonNode renderJson(String template, Map<String, String> extra) {
    try {
      return JSON.readTree(render(template, extra));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The AWS CLI against the emulator, with no user configuration or credentials of this machine. */
  static Result aws(MotoServer moto, Path dir, String... args) {
    return awsAs(moto, dir, MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY, args);
  }

  /** The AWS CLI with the given access key (an IAM user of the emulator). */
  static Result awsAs(MotoServer moto, Path dir, String accessKey, String secretKey, String... args) {
    List<String> cmd = new ArrayList<>(List.of(io.lakevault.testing.Executables.of("aws"), "--endpoint-url", moto.endpoint(), "--region", MotoServer.REGION,
        "--output", "json"));
    cmd.addAll(List.of(args));
    return run(dir, Map.of("AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey,
        "AWS_CONFIG_FILE", dir.resolve("no-aws-config").toString(),
        "AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-aws-credentials").toString()), cmd);
  }

  static JsonNode awsJson(MotoServer moto, Path dir, String... args) {
    try {
      String out = ok(aws(moto, dir, args));
      return out.isBlank() ? JSON.createObjectNode() : JSON.readTree(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Result run(Path dir, Map<String, String> env, List<String> cmd) {
    try {
      Path out = Files.createTempFile("ops-out-", ".txt");
      Path err = Files.createTempFile("ops-err-", ".txt");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("timed out after 5 minutes: " + cmd);
      }
      Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      Files.delete(out);
      Files.delete(err);
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd.get(0) + " (the machine image provides python3 and the AWS CLI)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static String ok(Result r) {
    assertEquals(0, r.exit(), () -> "exit " + r.exit() + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
    return r.out();
  }

  static List<String> lines(Path p) {
    try {
      return Files.readAllLines(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
