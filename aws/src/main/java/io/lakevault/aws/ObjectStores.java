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

  public static ObjectStore open(LakevaultConfig config) {
    return open(config, Clock.systemUTC());
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

  public static ObjectStore open(LakevaultConfig config, Clock clock) {
    String root = config.get(Settings.STORE_LOCAL_ROOT);
    if (root != null) {
      return new LocalObjectStore(Path.of(root), config.get(Settings.STORE_LOCAL_THAW_DELAY), clock);
    }
    return new S3ObjectStore(S3Settings.from(config));
  }
}
