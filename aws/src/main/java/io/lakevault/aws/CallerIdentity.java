package io.lakevault.aws;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import java.net.URI;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Who is acting, for the records auditors read (who placed or released a legal hold): on S3, the AWS
 * principal of the job's credentials (STS GetCallerIdentity: on EMR, the step's runtime role and session);
 * on the local store, the OS user and host.
 */
public final class CallerIdentity {
  private CallerIdentity() {}

  public static String of(LakevaultConfig config) {
    if (config.get(Settings.STORE_LOCAL_ROOT) != null) return local();
    var b = StsClient.builder().region(Region.of(config.get(Settings.S3_REGION)));
    String endpoint = config.get(Settings.STS_ENDPOINT) != null ? config.get(Settings.STS_ENDPOINT)
        : config.get(Settings.S3_ENDPOINT);
    if (endpoint != null) b.endpointOverride(URI.create(endpoint));
    try (StsClient sts = b.build()) {
      return sts.getCallerIdentity().arn();
    } catch (RuntimeException e) {
      // An identity the job cannot look up must not stop a hold: the OS user is recorded, and says so.
      return local() + " (AWS identity unavailable: " + e.getClass().getSimpleName() + ")";
    }
  }

  static String local() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "unknown-host";
    }
    return System.getProperty("user.name") + "@" + host;
  }
}
