package io.lakevault.aws;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.store.LocalObjectStore;
import io.lakevault.core.store.ObjectStore;
import java.nio.file.Path;
import java.time.Clock;

/** Opens the store a configuration names: the local store when {@code store.local.root} is set, else S3. */
public final class ObjectStores {
  private ObjectStores() {}

  /** The local store's time in this JVM (thaw delays, lock expiry): real time unless a test moves it. */
  private static volatile Clock localClock = Clock.systemUTC();

  /**
   * Makes every local store opened in this JVM, on the driver and in Spark local-mode tasks, keep {@code clock}'s
   * time, so thaw delays and retention pass when a test moves it; {@code null} restores real time. S3 has its own.
   */
  public static void useLocalClock(Clock clock) {
    localClock = clock == null ? Clock.systemUTC() : clock;
  }

  public static Clock localClock() {
    return localClock;
  }

  public static ObjectStore open(LakevaultConfig config) {
    return open(config, localClock);
  }

  /**
   * The store as seen through an assumed role: a retention class whose target is in another account
   * (the air gap) writes there with that account's role, assumed through STS, refreshed before expiry.
   * The local store has no accounts: the role is ignored there.
   *
   * @param roleArn {@code null} for the store's own credentials
   */
  public static ObjectStore open(LakevaultConfig config, String roleArn) {
    if (roleArn == null || config.get(Settings.STORE_LOCAL_ROOT) != null) return open(config);
    return new S3ObjectStore(S3Settings.from(config), roleArn, config.get(Settings.STS_ENDPOINT));
  }

  /**
   * Where the lake's objects are read by the archive: the S3 endpoint {@code archive.source-endpoint}
   * names (with the {@code s3.*} settings), or the same store as everything else.
   */
  public static ObjectStore openSources(LakevaultConfig config) {
    String endpoint = config.get(Settings.ARCHIVE_SOURCE_ENDPOINT);
    if (endpoint == null) return open(config);
    return new S3ObjectStore(S3Settings.from(config).withEndpoint(endpoint));
  }

  public static ObjectStore open(LakevaultConfig config, Clock clock) {
    String root = config.get(Settings.STORE_LOCAL_ROOT);
    if (root != null) {
      return new LocalObjectStore(Path.of(root), config.get(Settings.STORE_LOCAL_THAW_DELAY), clock);
    }
    return new S3ObjectStore(S3Settings.from(config));
  }
}
