package io.lakevault.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The lakevault version, from the build. */
public final class Version {
  private static final Properties PROPS = load();
  private static final String VERSION = PROPS.getProperty("version", "unknown");

  private Version() {}

  public static String get() {
    return VERSION;
  }

  /** What the build was compiled against, e.g. {@code Spark 3.5.6, Delta 3.3.2, Scala 2.12}. */
  public static String stack() {
    return "Spark " + PROPS.getProperty("spark.version") + ", Delta " + PROPS.getProperty("delta.version")
        + ", Scala " + PROPS.getProperty("scala.version") + ", Java " + System.getProperty("java.version");
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in != null) p.load(in);
    } catch (IOException e) {
      // fall through with what was read: "unknown" is shown
    }
    return p;
  }
}
