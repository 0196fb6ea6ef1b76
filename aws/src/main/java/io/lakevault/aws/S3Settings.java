package io.lakevault.aws;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import java.io.Serializable;

/**
 * How to reach S3: the {@code s3.*} settings. Credentials are never configured here: they come from
 * the SDK's default provider chain (instance profile on EMR, environment or profile elsewhere).
 *
 * @param endpoint {@code null} for AWS itself
 */
public record S3Settings(String endpoint, String region, boolean pathStyle, int maxAttempts) implements Serializable {

  public static S3Settings from(LakevaultConfig config) {
    return new S3Settings(config.get(Settings.S3_ENDPOINT), config.get(Settings.S3_REGION),
        config.get(Settings.S3_PATH_STYLE), config.get(Settings.S3_MAX_ATTEMPTS));
  }
}
