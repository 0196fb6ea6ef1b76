package io.lakevault.inventory;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.inventory.InventoryManifest;
import io.lakevault.core.inventory.ReportSelector;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.S3Uri;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the report a source names and verifies its manifest, on the driver: a handful of small
 * objects per report, whatever the report's size.
 */
final class ReportResolver {
  private static final Logger LOG = LoggerFactory.getLogger(ReportResolver.class);
  /** Bound on one manifest: AWS manifests list data files, not rows; 64 MiB is tens of thousands of files. */
  private static final int MAX_MANIFEST_BYTES = 64 << 20;

  private ReportResolver() {}

  static ResolvedReport resolve(ObjectStore store, String source, LocalDate date, String report) {
    S3Uri uri = S3Uri.parse(source);
    String manifestKey;
    if (uri.key().endsWith("manifest.json")) {
      if (date != null || report != null) {
        throw LakevaultException.usage("--source " + source + " names one manifest; --date and --report choose"
            + " among the reports of a configuration prefix, so leave them out");
      }
      manifestKey = uri.key();
    } else {
      String prefix = uri.key().isEmpty() || uri.key().endsWith("/") ? uri.key() : uri.key() + "/";
      List<String> keys = new ArrayList<>();
      // Report folders start with the year; listing from there skips data/ and hive/.
      String from = prefix + (report != null ? report : date != null ? date.toString() : "");
      store.list(uri.bucket(), from).forEachRemaining(v -> keys.add(v.key()));
      try {
        manifestKey = ReportSelector.select(source, prefix, keys, date, report);
      } catch (LakevaultException e) {
        if (report == null && date == null) throw e;
        // The listing above starts at the name asked for: to say which reports there are, list them all
        // (folders of this millennium's years), only now that the one asked for is not there.
        List<String> all = new ArrayList<>();
        store.list(uri.bucket(), prefix + "2").forEachRemaining(v -> all.add(v.key()));
        manifestKey = ReportSelector.select(source, prefix, all, date, report);
      }
    }
    String manifestUri = "s3://" + uri.bucket() + "/" + manifestKey;
    byte[] manifest = read(store, uri.bucket(), manifestKey, MAX_MANIFEST_BYTES, manifestUri);
    String checksumKey = manifestKey.substring(0, manifestKey.length() - "manifest.json".length()) + "manifest.checksum";
    String expected;
    try {
      expected = new String(read(store, uri.bucket(), checksumKey, 1024, manifestUri), StandardCharsets.US_ASCII)
          .trim().toLowerCase(Locale.ROOT);
    } catch (LakevaultException e) {
      if (e instanceof ObjectStoreException ose && ose.reason() == ObjectStoreException.Reason.NOT_FOUND) {
        throw LakevaultException.input("report " + manifestUri + " is incomplete: manifest.checksum is missing"
            + " (S3 writes it last); wait for the delivery to finish or choose another report");
      }
      throw e;
    }
    String actual = HexFormat.of().formatHex(md5().digest(manifest));
    if (!actual.equals(expected)) {
      throw LakevaultException.input("inventory manifest " + manifestUri + " does not match its manifest.checksum:"
          + " MD5 " + actual + ", checksum file says '" + expected + "'; the manifest is damaged or was rewritten"
          + " after delivery; re-deliver the report or choose another");
    }
    InventoryManifest m = InventoryManifest.parse(manifestUri, manifest);
    if (!m.destinationBucket().equals(uri.bucket())) {
      // A report copied elsewhere (or onto the local store) keeps the original destination ARN; the data
      // files travel with the manifest, so they are looked up beside it.
      LOG.warn("manifest {} names destination bucket {} but was found in {}; reading its data files from {}",
          manifestUri, m.destinationBucket(), uri.bucket(), uri.bucket());
    }
    String configId = configIdOf(manifestKey, m.sourceBucket());
    return new ResolvedReport(source, new S3Uri(uri.bucket(), manifestKey), configId, m, actual, uri.bucket());
  }

  /** {@code <prefix>/<source-bucket>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.json}: the folder above the timestamp. */
  static String configIdOf(String manifestKey, String sourceBucket) {
    String[] parts = manifestKey.split("/");
    if (parts.length >= 3) return parts[parts.length - 3];
    return sourceBucket;
  }

  private static byte[] read(ObjectStore store, String bucket, String key, int max, String forReport) {
    try (InputStream in = store.get(ObjectRef.of(bucket, key))) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw LakevaultException.input("s3://" + bucket + "/" + key + " of report " + forReport
            + " is larger than " + max + " bytes; it is not an S3 Inventory manifest");
      }
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read s3://" + bucket + "/" + key, e);
    }
  }

  static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
