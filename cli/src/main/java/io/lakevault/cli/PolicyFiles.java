package io.lakevault.cli;

import io.lakevault.aws.ObjectStores;
import io.lakevault.classify.ClassifyJob;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.core.cost.PriceTable;
import io.lakevault.core.policy.PolicyParser;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.S3Uri;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** Reads policy files and price tables from a local path or an {@code s3://} URI (through the configured store). */
final class PolicyFiles {
  private PolicyFiles() {}

  /** The policy location: {@code --policy} if given, else the {@code classify.policy} setting. */
  static String policyLocation(String option, LakevaultConfig config) {
    return option != null ? option : config.get(Settings.CLASSIFY_POLICY);
  }

  static byte[] read(String location, LakevaultConfig config, String what) {
    if (S3Uri.isS3(location)) {
      S3Uri u = S3Uri.parse(location);
      ObjectStore store = ObjectStores.open(config, Clock.systemUTC());
      try (InputStream in = store.get(ObjectRef.of(u.bucket(), u.key()))) {
        return in.readAllBytes();
      } catch (ObjectStoreException | IOException e) {
        throw LakevaultException.usage(what + " " + location + " cannot be read: " + e.getMessage());
      } finally {
        store.close();
      }
    }
    Path p = Path.of(location);
    if (!Files.isRegularFile(p)) {
      throw LakevaultException.usage(what + " '" + location + "' does not exist or is not a file; pass one with --policy"
          + " or set classify.policy (a local path or an s3:// URI)");
    }
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw LakevaultException.usage(what + " '" + location + "' cannot be read: " + e.getMessage());
    }
  }

  /** A classify request for the policy at {@code location} and the configured price table. */
  static ClassifyJob.Request classifyRequest(String location, LakevaultConfig config, boolean dryRun, String reportFile) {
    byte[] bytes = read(location, config, "policy");
    return new ClassifyJob.Request(PolicyParser.parse(location, bytes), bytes, prices(config), dryRun, reportFile);
  }

  static PriceTable prices(LakevaultConfig config) {
    String location = config.get(Settings.CLASSIFY_PRICE_TABLE);
    if (location == null) return PriceTable.builtIn();
    return PriceTable.parse(location, new String(read(location, config, "price table"), StandardCharsets.UTF_8));
  }
}
