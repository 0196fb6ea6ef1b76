package io.lakevault.aws;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import java.io.Serializable;
import java.time.Duration;

/**
 * How to reach S3: the {@code s3.*} settings. Credentials are never configured here: they come from
 * the SDK's default provider chain (instance profile on EMR, environment or profile elsewhere).
 *
 * @param endpoint {@code null} for AWS itself
 * @param readTimeout per attempt of a small GET read whole
 * @param callTimeout per request, every attempt and backoff included
 */
public record S3Settings(String endpoint, String region, boolean pathStyle, int maxAttempts, Duration readTimeout,
    Duration callTimeout) implements Serializable {

  /** With the default timeouts. */
  public S3Settings(String endpoint, String region, boolean pathStyle, int maxAttempts) {
    this(endpoint, region, pathStyle, maxAttempts, Settings.S3_READ_TIMEOUT.defaultValue(),
        Settings.S3_CALL_TIMEOUT.defaultValue());
  }

  public static S3Settings from(LakevaultConfig config) {
    return new S3Settings(config.get(Settings.S3_ENDPOINT), config.get(Settings.S3_REGION),
        config.get(Settings.S3_PATH_STYLE), config.get(Settings.S3_MAX_ATTEMPTS),
        config.get(Settings.S3_READ_TIMEOUT),
        config.get(Settings.S3_CALL_TIMEOUT));
  }

  public S3Settings withEndpoint(String other) {
    return new S3Settings(other, region, pathStyle, maxAttempts, readTimeout, callTimeout);
  }

  public S3Settings withTimeouts(Duration read, Duration call) {
    return new S3Settings(endpoint, region, pathStyle, maxAttempts, read, call);
  }
}
