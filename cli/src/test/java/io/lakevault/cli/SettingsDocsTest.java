package io.lakevault.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Setting;
import io.lakevault.core.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings table, conf/lakevault.yaml and Settings.java say the same thing. */
class SettingsDocsTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void docsListEverySettingWithItsDefault() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/configuration.md"));
    for (Setting<?> s : Settings.all().values()) {
      String def = s.defaultText() == null ? "unset" : "`" + s.defaultText() + "`";
      String row = "| `" + s.key() + "` | " + def + " | " + s.typeName() + " |";
      assertTrue(doc.contains(row), "docs/configuration.md lacks the row starting " + row);
    }
  }

  @Test
  void theShippedConfigNamesEverySettingAndLoads() throws IOException {
    Path conf = ROOT.resolve("conf/lakevault.yaml");
    String text = Files.readString(conf);
    for (Setting<?> s : Settings.all().values()) {
      String leaf = s.key().substring(s.key().lastIndexOf('.') + 1);
      assertTrue(text.contains(leaf + ":"), "conf/lakevault.yaml does not mention " + s.key());
    }
    LakevaultConfig c = LakevaultConfig.load(conf, Map.of());
    assertTrue(c.isSet(Settings.STORE_LOCAL_ROOT), "the shipped config is the embedded default");
  }
}
