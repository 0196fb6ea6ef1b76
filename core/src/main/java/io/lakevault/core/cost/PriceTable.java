package io.lakevault.core.cost;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.Sizes;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.StorageClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Prices and packing estimates for cost reports. The built-in table is us-east-1 list prices
 * ({@code prices-us-east-1.yaml} beside this class, documented in docs/policy.md); the setting
 * {@code classify.price-table} points at a file with the same fields to replace it.
 */
public final class PriceTable implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String BUILT_IN = "prices-us-east-1.yaml";

  /** Extensions whose content is text: compresses well. */
  public static final List<String> TEXT_EXTENSIONS = List.of(".json", ".csv", ".log", ".txt", ".xml", ".tsv", ".ndjson",
      ".jsonl", ".yaml", ".html", ".md");
  /** Extensions whose content is already compressed: zstd gains nothing. */
  public static final List<String> COMPRESSED_EXTENSIONS = List.of(".gz", ".zst", ".bz2", ".xz", ".zip", ".parquet",
      ".orc", ".avro", ".jpg", ".jpeg", ".png", ".mp4", ".mp3", ".pdf", ".snappy", ".lz4", ".7z");

  private final String source;
  private final String region;
  private final String currency;
  private final Map<StorageClass, Double> storage;
  private final Map<StorageClass, Double> putPer1000;
  private final Map<StorageClass, Integer> minimumDays;
  private final Map<StorageClass, Long> minimumBillable;
  private final long indexBytes;
  private final long nameBytes;
  private final double textRatio;
  private final double compressedRatio;
  private final double otherRatio;
  private final long partSize;
  private final Map<StorageClass, Map<RestoreTier, RestorePrice>> restore;
  private final double getPer1000;

  /**
   * What a restore of one archived object costs and takes in one tier.
   *
   * @param perRequest price of one RestoreObject request
   * @param perGb retrieval price per GB (2^30 bytes) of the whole object
   * @param hours the upper end of the tier's typical time
   */
  public record RestorePrice(double perRequest, double perGb, double hours) implements Serializable {}

  private PriceTable(String source, Map<String, Object> y) {
    this.source = source;
    this.region = string(y, "region");
    this.currency = string(y, "currency");
    this.storage = classMap(y, "storage-gb-month", Set.of(StorageClass.STANDARD, StorageClass.DEEP_ARCHIVE,
        StorageClass.GLACIER, StorageClass.GLACIER_IR, StorageClass.STANDARD_IA), Double.class);
    this.putPer1000 = classMap(y, "put-per-1000", Set.of(StorageClass.DEEP_ARCHIVE, StorageClass.GLACIER,
        StorageClass.GLACIER_IR, StorageClass.STANDARD_IA), Double.class);
    this.minimumDays = classMap(y, "minimum-days", Set.of(), Integer.class);
    this.minimumBillable = classMap(y, "minimum-billable-bytes", Set.of(), Long.class);
    this.indexBytes = number(y, "archive-index-bytes").longValue();
    this.nameBytes = number(y, "archive-name-bytes").longValue();
    Map<?, ?> c = map(y, "compression");
    this.textRatio = ratio(c, "text");
    this.compressedRatio = ratio(c, "compressed");
    this.otherRatio = ratio(c, "other");
    this.partSize = Sizes.parse(String.valueOf(y.get("part-size")));
    if (partSize < 5L << 20) throw bad("part-size " + Sizes.format(partSize) + " is below the S3 minimum part size of 5 MiB");
    this.restore = restorePrices(map(y, "restore"));
    this.getPer1000 = number(y, "get-per-1000").doubleValue();
  }

  private static Map<StorageClass, Map<RestoreTier, RestorePrice>> restorePrices(Map<?, ?> m) {
    Map<StorageClass, Map<RestoreTier, RestorePrice>> out = new EnumMap<>(StorageClass.class);
    for (Map.Entry<?, ?> e : m.entrySet()) {
      StorageClass sc;
      try {
        sc = StorageClass.valueOf(e.getKey().toString().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("'restore' names '" + e.getKey() + "', which is not a storage class");
      }
      if (!(e.getValue() instanceof Map<?, ?> tiers)) {
        throw new IllegalArgumentException("'restore." + e.getKey() + "' must map tiers to {per-1000, per-gb, hours}");
      }
      Map<RestoreTier, RestorePrice> byTier = new EnumMap<>(RestoreTier.class);
      for (Map.Entry<?, ?> t : tiers.entrySet()) {
        String where = "restore." + e.getKey() + "." + t.getKey();
        RestoreTier tier;
        try {
          tier = RestoreTier.valueOf(t.getKey().toString().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException("'" + where + "' is not a restore tier (EXPEDITED, STANDARD, BULK)");
        }
        if (!(t.getValue() instanceof Map<?, ?> v)) throw new IllegalArgumentException("'" + where + "' must be {per-1000, per-gb, hours}");
        double[] f = new double[3];
        String[] names = {"per-1000", "per-gb", "hours"};
        for (int i = 0; i < 3; i++) {
          if (!(v.get(names[i]) instanceof Number n) || n.doubleValue() < 0) {
            throw new IllegalArgumentException("'" + where + "." + names[i] + "' must be a number >= 0");
          }
          f[i] = ((Number) v.get(names[i])).doubleValue();
        }
        byTier.put(tier, new RestorePrice(f[0] / 1000.0, f[1], f[2]));
      }
      out.put(sc, byTier);
    }
    for (StorageClass r : List.of(StorageClass.GLACIER, StorageClass.DEEP_ARCHIVE)) {
      if (!out.containsKey(r)) throw new IllegalArgumentException("'restore' has no prices for " + r);
    }
    return out;
  }

  /**
   * The restore price of {@code tier} in {@code sc}, or {@code null} when the class has no such tier
   * (Deep Archive has no Expedited).
   */
  public RestorePrice restorePrice(StorageClass sc, RestoreTier tier) {
    Map<RestoreTier, RestorePrice> m = restore.get(sc);
    return m == null ? null : m.get(tier);
  }

  /** Price of one GET request. */
  public double getPrice() {
    return getPer1000 / 1000.0;
  }

  /** The built-in us-east-1 table. */
  public static PriceTable builtIn() {
    try (InputStream in = PriceTable.class.getResourceAsStream(BUILT_IN)) {
      return parse("built-in " + BUILT_IN, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("the built-in price table is missing from the build", e);
    }
  }

  /** Parses a price table; every field of the built-in table is required. */
  public static PriceTable parse(String source, String yaml) {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      throw LakevaultException.usage("price table " + source + " is not valid YAML: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> m)) {
      throw LakevaultException.usage("price table " + source + " must be a mapping with the fields of the built-in table"
          + " (docs/policy.md, 'Prices')");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> y = (Map<String, Object>) m;
    try {
      return new PriceTable(source, y);
    } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
      throw LakevaultException.usage("price table " + source + ": " + e.getMessage()
          + "; copy the built-in table from docs/policy.md and change its values");
    }
  }

  private IllegalArgumentException bad(String message) {
    return new IllegalArgumentException(message);
  }

  private static String string(Map<String, Object> y, String key) {
    Object v = y.get(key);
    if (v == null) throw new IllegalArgumentException("'" + key + "' is missing");
    return v.toString();
  }

  private static Number number(Map<String, Object> y, String key) {
    Object v = y.get(key);
    if (!(v instanceof Number n) || n.doubleValue() < 0) throw new IllegalArgumentException("'" + key + "' must be a number >= 0");
    return n;
  }

  private static Map<?, ?> map(Map<String, Object> y, String key) {
    Object v = y.get(key);
    if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("'" + key + "' must be a mapping");
    return m;
  }

  private static double ratio(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n) || n.doubleValue() <= 0 || n.doubleValue() > 1.5) {
      throw new IllegalArgumentException("compression '" + key + "' must be a ratio above 0 and at most 1.5");
    }
    return n.doubleValue();
  }

  private static <T extends Number> Map<StorageClass, T> classMap(Map<String, Object> y, String key,
      Set<StorageClass> required, Class<T> type) {
    Map<?, ?> m = map(y, key);
    Map<StorageClass, T> out = new EnumMap<>(StorageClass.class);
    for (Map.Entry<?, ?> e : m.entrySet()) {
      StorageClass sc;
      try {
        sc = StorageClass.valueOf(e.getKey().toString().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("'" + key + "' names '" + e.getKey() + "', which is not a storage class");
      }
      if (!(e.getValue() instanceof Number n) || n.doubleValue() < 0) {
        throw new IllegalArgumentException("'" + key + "." + e.getKey() + "' must be a number >= 0");
      }
      Object v = type == Double.class ? (Object) n.doubleValue() : type == Integer.class ? (Object) n.intValue() : (Object) n.longValue();
      out.put(sc, type.cast(v));
    }
    for (StorageClass r : required) {
      if (!out.containsKey(r)) throw new IllegalArgumentException("'" + key + "' has no price for " + r);
    }
    return out;
  }

  public String source() {
    return source;
  }

  public String region() {
    return region;
  }

  public String currency() {
    return currency;
  }

  /** Price of one GB-month (2^30 bytes) in {@code sc}. */
  public double storagePerGbMonth(StorageClass sc) {
    Double p = storage.get(sc);
    if (p == null) throw LakevaultException.usage("price table " + source + " has no storage price for " + sc);
    return p;
  }

  /** Price of one PUT (or transition) request into {@code sc}. */
  public double putPrice(StorageClass sc) {
    Double p = putPer1000.get(sc);
    if (p == null) throw LakevaultException.usage("price table " + source + " has no PUT price for " + sc);
    return p / 1000.0;
  }

  /** Days an object is billed for at least. */
  public int minimumDays(StorageClass sc) {
    return minimumDays.getOrDefault(sc, 0);
  }

  public long minimumBillableBytes(StorageClass sc) {
    return minimumBillable.getOrDefault(sc, 0L);
  }

  /** Whether {@code sc} bills the 40 KB archive overhead per object. */
  public static boolean hasArchiveOverhead(StorageClass sc) {
    return sc == StorageClass.GLACIER || sc == StorageClass.DEEP_ARCHIVE;
  }

  public long indexBytes() {
    return indexBytes;
  }

  public long nameBytes() {
    return nameBytes;
  }

  /** Estimated stored/original size after compression, for a key, by its extension. */
  public double compressionRatio(String key) {
    return compressionRatio(family(key));
  }

  public double compressionRatio(ContentFamily f) {
    return switch (f) {
      case TEXT -> textRatio;
      case COMPRESSED -> compressedRatio;
      case OTHER -> otherRatio;
    };
  }

  /** What a key's extension says about how its content compresses. */
  public enum ContentFamily { TEXT, COMPRESSED, OTHER }

  public static ContentFamily family(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    for (String e : TEXT_EXTENSIONS) if (k.endsWith(e)) return ContentFamily.TEXT;
    for (String e : COMPRESSED_EXTENSIONS) if (k.endsWith(e)) return ContentFamily.COMPRESSED;
    return ContentFamily.OTHER;
  }

  /** The part size multipart uploads are assumed to use, for counting requests. */
  public long partSize() {
    return partSize;
  }
}
