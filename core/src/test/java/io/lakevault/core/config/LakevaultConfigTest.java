package io.lakevault.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakevaultConfigTest {
  @TempDir Path dir;

  private Path yaml(String text) throws IOException {
    Path f = dir.resolve("lakevault.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void defaultsApplyWhenNothingIsSet() {
    LakevaultConfig c = LakevaultConfig.defaults();
    assertEquals("s3://lakevault-catalog/catalog", c.get(Settings.CATALOG_URI));
    assertEquals("us-east-1", c.get(Settings.S3_REGION));
    assertEquals(Boolean.FALSE, c.get(Settings.S3_PATH_STYLE));
    assertEquals(Duration.ZERO, c.get(Settings.STORE_LOCAL_THAW_DELAY));
    assertNull(c.get(Settings.STORE_LOCAL_ROOT));
  }

  @Test
  void nestedAndFlatYamlKeysAndOverridesCombine() throws IOException {
    Path f = yaml("""
        catalog:
          uri: s3://my-catalog/tables/
        store.local.root: /tmp/lake
        store:
          local:
            thaw-delay: 2h
        spark:
          sql.shuffle.partitions: 8
        s3:
          region:
        """);
    Map<String, String> o = new LinkedHashMap<>();
    o.put("s3.path-style", "true");
    o.put("catalog.uri", "s3://override/catalog");
    LakevaultConfig c = LakevaultConfig.load(f, o);
    assertEquals("s3://override/catalog", c.get(Settings.CATALOG_URI));
    assertEquals("/tmp/lake", c.get(Settings.STORE_LOCAL_ROOT));
    assertEquals(Duration.ofHours(2), c.get(Settings.STORE_LOCAL_THAW_DELAY));
    assertEquals(Boolean.TRUE, c.get(Settings.S3_PATH_STYLE));
    assertEquals("us-east-1", c.get(Settings.S3_REGION), "an empty value leaves the default");
    assertEquals(Map.of("spark.sql.shuffle.partitions", "8"), c.sparkProperties());
  }

  @Test
  void unknownKeyNamesTheKeyTheLineAndTheClosestSetting() throws IOException {
    Path f = yaml("catalog:\n  uri: s3://a/b\ncatlog.uri: s3://x/y\n");
    LakevaultException e = assertThrows(LakevaultException.class, () -> LakevaultConfig.load(f, Map.of()));
    assertEquals(ErrorKind.USAGE, e.kind());
    assertTrue(e.getMessage().contains("unknown setting 'catlog.uri'"), e.getMessage());
    assertTrue(e.getMessage().contains("lakevault.yaml:3"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'catalog.uri'"), e.getMessage());

    e = assertThrows(LakevaultException.class, () -> LakevaultConfig.of(Map.of("archive.url", "s3://a/b")));
    assertTrue(e.getMessage().contains("'archive.url' (--conf)"), e.getMessage());
  }

  @Test
  void badValuesSayWhatToWrite() {
    LakevaultException e = assertThrows(LakevaultException.class,
        () -> LakevaultConfig.of(Map.of("store.local.thaw-delay", "soon")));
    assertTrue(e.getMessage().contains("'soon' is not a duration; write e.g. 90s"), e.getMessage());
    e = assertThrows(LakevaultException.class, () -> LakevaultConfig.of(Map.of("s3.max-attempts", "0")));
    assertTrue(e.getMessage().contains("must be between 1 and 100"), e.getMessage());
    e = assertThrows(LakevaultException.class, () -> LakevaultConfig.of(Map.of("catalog.uri", "/no/scheme")));
    assertTrue(e.getMessage().contains("is not a URI"), e.getMessage());
    // Issue 19, defect 7: a scheme no store serves was "an unexpected failure" at the first write.
    e = assertThrows(LakevaultException.class, () -> LakevaultConfig.of(Map.of("catalog.uri", "ftp://host/catalog")));
    assertTrue(e.getMessage().contains("catalog.uri") && e.getMessage().contains("has scheme 'ftp'; lakevault reads and writes"
        + " only s3://, s3a://, file:// here"), e.getMessage());
    e = assertThrows(LakevaultException.class, () -> LakevaultConfig.of(Map.of("archive.uri", "file:///tmp/packs")));
    assertTrue(e.getMessage().contains("has scheme 'file'; lakevault reads and writes only s3:// here"), e.getMessage());
  }

  @Test
  void missingOrMalformedFilesAreUsageErrors() throws IOException {
    LakevaultException e = assertThrows(LakevaultException.class,
        () -> LakevaultConfig.load(dir.resolve("absent.yaml"), Map.of()));
    assertEquals(ErrorKind.USAGE, e.kind());
    assertTrue(e.getMessage().contains("absent.yaml' does not exist"), e.getMessage());

    Path bad = yaml("catalog:\n  uri: [unclosed\n");
    e = assertThrows(LakevaultException.class, () -> LakevaultConfig.load(bad, Map.of()));
    assertTrue(e.getMessage().contains("is not valid YAML at line"), e.getMessage());

    Path list = yaml("catalog:\n  uri:\n    - a\n");
    e = assertThrows(LakevaultException.class, () -> LakevaultConfig.load(list, Map.of()));
    assertTrue(e.getMessage().contains("must be a single value"), e.getMessage());
  }

  @Test
  void anEmptyOverrideRestoresTheDefault() throws IOException {
    Path f = yaml("store:\n  local:\n    root: work/lake\n");
    LakevaultConfig c = LakevaultConfig.load(f, Map.of("store.local.root", ""));
    assertNull(c.get(Settings.STORE_LOCAL_ROOT));
    assertEquals("s3://x/y", c.with(Map.of("catalog.uri", "s3://x/y")).with(Map.of("store.local.root", "")).get(Settings.CATALOG_URI));
  }

  @Test
  void overrideArgumentsMustHaveAnEqualsSign() {
    LakevaultException e = assertThrows(LakevaultException.class, () -> LakevaultConfig.parseOverride("catalog.uri"));
    assertTrue(e.getMessage().contains("not of the form key=value"), e.getMessage());
    assertEquals(Map.entry("a.b", "c=d"), LakevaultConfig.parseOverride("a.b=c=d"));
  }

  @Test
  void durationsParseSimpleAndIsoForms() {
    assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
    assertEquals(Duration.ofDays(7), Durations.parse("7d"));
    assertEquals(Duration.ofMinutes(15), Durations.parse("PT15M"));
    assertEquals("7d", Durations.format(Duration.ofDays(7)));
    assertEquals("0s", Durations.format(Duration.ZERO));
  }
}
