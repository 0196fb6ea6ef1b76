package io.lakevault.core.config;

import java.util.Objects;
import java.util.function.Function;

/**
 * One documented configuration key: its name, type, default and meaning.
 *
 * @param key dotted name, as written in YAML (nested or flat) and in {@code --conf key=value}
 * @param defaultText the default as a user would write it, or {@code null} when the setting is unset by default
 * @param description one sentence for {@code docs/configuration.md} and {@code conf/lakevault.yaml}
 * @param parser turns the text form into the typed value; throws {@link IllegalArgumentException} with a reason
 */
public record Setting<T>(String key, String defaultText, String description, String typeName,
    Function<String, T> parser) {

  public Setting {
    Objects.requireNonNull(key);
    Objects.requireNonNull(description);
    Objects.requireNonNull(parser);
  }

  /** The typed default, or {@code null} when unset by default. */
  public T defaultValue() {
    return defaultText == null ? null : parser.apply(defaultText);
  }
}
