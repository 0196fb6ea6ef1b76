package io.lakevault.aws;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.pack.KeyEncryptionKey;
import io.lakevault.core.pack.LocalKeyRing;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * Resolves key references as the configuration says: {@code local:NAME} to a key file under
 * {@code keys.local.dir}, anything else to a KMS key (id, ARN or alias) through one shared client.
 */
public final class KeyResolvers implements KeyEncryptionKey.Resolver, AutoCloseable {
  private final LocalKeyRing local;
  private final String region;
  private final String kmsEndpoint;
  private final Map<String, KeyEncryptionKey> resolved = new ConcurrentHashMap<>();
  private KmsClient kms;

  public KeyResolvers(Path localDir, String region, String kmsEndpoint) {
    this.local = new LocalKeyRing(localDir);
    this.region = region;
    this.kmsEndpoint = kmsEndpoint;
  }

  public static KeyResolvers from(LakevaultConfig config) {
    return new KeyResolvers(Path.of(config.get(Settings.KEYS_LOCAL_DIR)), config.get(Settings.S3_REGION),
        config.get(Settings.KMS_ENDPOINT));
  }

  public LocalKeyRing local() {
    return local;
  }

  @Override
  public KeyEncryptionKey resolve(String ref) {
    return resolved.computeIfAbsent(ref, r -> LocalKeyRing.isLocal(r) ? local.resolve(r) : new KmsKeyEncryptionKey(kms(), r));
  }

  private synchronized KmsClient kms() {
    if (kms == null) {
      var b = KmsClient.builder().region(Region.of(region)).httpClientBuilder(ApacheHttpClient.builder());
      if (kmsEndpoint != null) b.endpointOverride(URI.create(kmsEndpoint));
      kms = b.build();
    }
    return kms;
  }

  @Override
  public synchronized void close() {
    if (kms != null) kms.close();
  }
}
