package io.lakevault.core.config;

import io.lakevault.core.LakevaultException;
import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The effective configuration of one run: a YAML file (optional) overlaid with {@code --conf key=value}
 * overrides. Immutable and serializable, so executors build their object stores from the same values.
 *
 * <p>Every key is checked when the configuration is built: an unknown key, or a value that does not
 * parse, fails at once with a message that names the key, where it was set, and what to write instead.
 */
public final class LakevaultConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The file used when {@code --config} is not given and the file exists in the working directory. */
  public static final Path DEFAULT_FILE = Path.of("conf", "lakevault.yaml");

  private final Map<String, String> values;   // explicit values only, text form
  private final Map<String, String> origins;  // key -> "file:line" or "--conf"
  private final String source;                // the file read, or null

  private LakevaultConfig(Map<String, String> values, Map<String, String> origins, String source) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.origins = Collections.unmodifiableMap(new LinkedHashMap<>(origins));
    this.source = source;
    validate();
  }

  /** Defaults only. */
  public static LakevaultConfig defaults() {
    return new LakevaultConfig(Map.of(), Map.of(), null);
  }

  /** From key/value pairs, as if each had been given with {@code --conf}. */
  public static LakevaultConfig of(Map<String, String> overrides) {
    return load(null, overrides);
  }

  /**
   * Loads the configuration the way the command does.
   *
   * @param file the {@code --config} file, or {@code null} for {@link #DEFAULT_FILE} when present
   * @param overrides {@code --conf} pairs, applied last, in order
   */
  public static LakevaultConfig load(Path file, Map<String, String> overrides) {
    Path toRead = file;
    if (toRead == null && Files.isRegularFile(DEFAULT_FILE)) {
      toRead = DEFAULT_FILE;
    }
    if (toRead == null) {
      Map<String, String> values = new LinkedHashMap<>();
      Map<String, String> origins = new LinkedHashMap<>();
      applyOverrides(values, origins, overrides);
      return new LakevaultConfig(values, origins, null);
    }
    if (!Files.isRegularFile(toRead)) {
      throw LakevaultException.usage("config file '" + toRead + "' does not exist or is not a file;"
          + " pass an existing YAML file with --config, or leave --config out to use the defaults");
    }
    byte[] yaml;
    try {
      yaml = Files.readAllBytes(toRead);
    } catch (IOException e) {
      throw LakevaultException.usage("config file '" + toRead + "' cannot be read: " + e.getMessage());
    }
    return load(toRead.toString(), yaml, overrides);
  }

  /**
   * Loads a configuration whose YAML was fetched from elsewhere (an {@code s3://} URI on EMR, where the
   * driver may run on any node and a local path would not exist).
   *
   * @param source the file's name in messages and in the {@code runs} table
   */
  public static LakevaultConfig load(String source, byte[] yaml, Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    try (Reader r = new java.io.InputStreamReader(new java.io.ByteArrayInputStream(yaml), StandardCharsets.UTF_8)) {
      readYaml(source, r, values, origins);
    } catch (IOException e) {
      throw LakevaultException.usage("config file '" + source + "' cannot be read: " + e.getMessage());
    }
    applyOverrides(values, origins, overrides);
    return new LakevaultConfig(values, origins, source);
  }

  /** An override with an empty value ({@code --conf key=}) puts the default back in force. */
  private static void applyOverrides(Map<String, String> values, Map<String, String> origins,
      Map<String, String> overrides) {
    overrides.forEach((k, v) -> {
      if (v.isEmpty()) {
        values.remove(k);
        origins.remove(k);
      } else {
        values.put(k, v);
        origins.put(k, "--conf");
      }
    });
  }

  /** Parses one {@code --conf} argument. */
  public static Map.Entry<String, String> parseOverride(String arg) {
    int eq = arg.indexOf('=');
    if (eq <= 0) {
      throw LakevaultException.usage("--conf '" + arg + "' is not of the form key=value,"
          + " e.g. --conf catalog.uri=s3://bucket/catalog");
    }
    return Map.entry(arg.substring(0, eq).trim(), arg.substring(eq + 1).trim());
  }

  private static void readYaml(String file, Reader r, Map<String, String> values, Map<String, String> origins) {
    Node root;
    try {
      root = new Yaml(new LoaderOptions()).compose(r);
    } catch (MarkedYAMLException e) {
      throw LakevaultException.usage("config file '" + file + "' is not valid YAML at line "
          + (e.getProblemMark().getLine() + 1) + ": " + e.getProblem());
    } catch (YAMLException e) {
      throw LakevaultException.usage("config file '" + file + "' cannot be read: " + e.getMessage());
    }
    if (root == null) {
      return; // an empty file means all defaults
    }
    if (!(root instanceof MappingNode m)) {
      throw LakevaultException.usage("config file '" + file + "' must be a mapping of settings"
          + " (key: value), not a " + root.getNodeId());
    }
    flatten(file, "", m, values, origins);
  }

  private static void flatten(String file, String prefix, MappingNode node, Map<String, String> values,
      Map<String, String> origins) {
    for (NodeTuple t : node.getValue()) {
      String where = file + ":" + (t.getKeyNode().getStartMark().getLine() + 1);
      if (!(t.getKeyNode() instanceof ScalarNode k)) {
        throw LakevaultException.usage("at " + where + ": keys must be plain names");
      }
      String key = prefix + k.getValue();
      Node v = t.getValueNode();
      if (v instanceof MappingNode child) {
        flatten(file, key + ".", child, values, origins);
      } else if (v instanceof ScalarNode s) {
        if ("tag:yaml.org,2002:null".equals(s.getTag().getValue())) {
          continue; // "key:" with no value leaves the default in force
        }
        values.put(key, s.getValue());
        origins.put(key, where);
      } else {
        throw LakevaultException.usage("at " + where + ": '" + key + "' must be a single value, not a list");
      }
    }
  }

  private void validate() {
    for (Map.Entry<String, String> e : values.entrySet()) {
      String key = e.getKey();
      if (key.startsWith(Settings.SPARK_PREFIX)) {
        continue;
      }
      Setting<?> s = Settings.all().get(key);
      if (s == null) {
        String hint = io.lakevault.core.Suggest.closest(key, Settings.all().keySet());
        throw LakevaultException.usage("unknown setting '" + key + "' (" + origins.get(key) + ")"
            + (hint == null ? "" : "; did you mean '" + hint + "'?")
            + " Every setting is listed in docs/configuration.md; spark.* keys go to Spark as they are.");
      }
      try {
        s.parser().apply(e.getValue());
      } catch (IllegalArgumentException ex) {
        throw LakevaultException.usage("setting '" + key + "' (" + origins.get(key) + ") is '"
            + e.getValue() + "', which " + ex.getMessage());
      }
    }
  }

  /** The effective value of a setting: explicit if given, else its default (possibly {@code null}). */
  public <T> T get(Setting<T> setting) {
    String text = values.get(setting.key());
    return text == null ? setting.defaultValue() : setting.parser().apply(text);
  }

  /** True when the setting was given explicitly. */
  public boolean isSet(Setting<?> setting) {
    return values.containsKey(setting.key());
  }

  /** {@code spark.*} keys, sorted, as given. */
  public Map<String, String> sparkProperties() {
    Map<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(Settings.SPARK_PREFIX)) out.put(k, v);
    });
    return out;
  }

  /** A copy with more overrides applied on top. */
  public LakevaultConfig with(Map<String, String> overrides) {
    Map<String, String> v = new LinkedHashMap<>(values);
    Map<String, String> o = new LinkedHashMap<>(origins);
    applyOverrides(v, o, overrides);
    return new LakevaultConfig(v, o, source);
  }

  /** Explicit values, in the order given; for the runs table and for passing to executors. */
  public Map<String, String> explicitValues() {
    return values;
  }

  /** The file the configuration was read from, or {@code null}. */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "LakevaultConfig" + values + (source == null ? "" : " from " + source);
  }
}
