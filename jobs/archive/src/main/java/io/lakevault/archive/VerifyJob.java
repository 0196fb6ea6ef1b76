package io.lakevault.archive;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import io.lakevault.aws.KeyResolvers;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackFormatException;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.core.store.BoundedInputStream;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.S3Uri;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * {@code lakevault verify}: re-reads packs and checks every byte against the catalog. Per pack, one
 * sequential GET: the SHA-256 of the whole object against {@code packs.sha256}, and every data entry
 * decrypted, decompressed and hashed against both its index record and its {@code objects} rows.
 * Packs in GLACIER or DEEP_ARCHIVE that are not restored get a restore request (Bulk, 1 day) and are
 * reported as thawing: run the same command again once they are readable.
 */
public final class VerifyJob {
  /** What became of one pack. */
  public enum State { VERIFIED, CORRUPT, MISSING, THAWING }

  /**
   * @param problems the first problems found, each naming the entry and what is wrong
   */
  public record PackResult(String packId, String uri, State state, long entries, long bytesRead, List<String> problems)
      implements Serializable {}

  /**
   * The outcome over all packs checked. The driver holds counts and a bounded list, never a row per pack:
   * every pack's result is in the Parquet list {@code packsUri}.
   *
   * @param counts packs per state (every state present, zero included)
   * @param entries data entries read, over every pack
   * @param bytesRead pack bytes read, over every pack
   * @param listed the packs not verified first, then verified ones, each by URI: at most {@link #LISTED}
   * @param packsUri the Parquet list of every pack's result ({@code pack_id, uri, state, entries, bytes, problems})
   * @param reportUri the JSON report
   */
  public record Result(String runId, Map<State, Long> counts, long entries, long bytesRead, List<PackResult> listed,
      String packsUri, String reportUri) {
    public long count(State s) {
      return counts.getOrDefault(s, 0L);
    }

    /** Packs checked. */
    public long total() {
      return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Packs corrupt, missing or thawing: the listed ones are the first of them. */
    public long notVerified() {
      return total() - count(State.VERIFIED);
    }
  }

  /** Packs a result lists on the driver (and in the JSON report): the rest are in the Parquet list only. */
  public static final int LISTED = 1_000;

  /**
   * @param packIds only these packs; empty for all
   * @param sample check this many packs chosen pseudo-randomly by {@code seed} (after {@code packIds}); {@code null} for all
   * @param tier the restore tier for packs that need a thaw
   */
  public record Request(List<String> packIds, Integer sample, RestoreTier tier, long seed) {
    /** The sample of a day: the same command run again that day (after a thaw) checks the same packs. */
    public Request(List<String> packIds, Integer sample, RestoreTier tier) {
      this(packIds, sample, tier, java.time.LocalDate.now(java.time.ZoneOffset.UTC).toEpochDay());
    }
  }

  private final Catalog catalog;

  public VerifyJob(Catalog catalog) {
    this.catalog = catalog;
  }

  /** Checks the packs the request names and writes the report under {@code reports/verify/<runId>}. */
  public Result run(Request req, String runId) {
    return run(req, runId, LISTED);
  }

  /** As {@link #run(Request, String)}, listing at most {@code listLimit} packs (tests cross the bound with a few). */
  Result run(Request req, String runId, int listLimit) {
    if (!catalog.exists(CatalogTable.PACKS)) {
      throw LakevaultException.usage("nothing is archived yet: the catalog has no packs table");
    }
    // Packs retention expiry deleted are gone by design (docs/lifecycle.md), not missing.
    Dataset<Row> packs = catalog.read(CatalogTable.PACKS).where(col("disposed_at").isNull());
    if (!req.packIds().isEmpty()) {
      packs = packs.where(col("pack_id").isin(req.packIds().toArray()));
      long found = packs.count();
      if (found < req.packIds().size()) {
        throw LakevaultException.usage("--packs: " + (req.packIds().size() - found) + " of the pack ids given are not in "
            + "the catalog's packs table");
      }
    }
    if (req.sample() != null) {
      // Pseudo-random but repeatable: a re-run after the thaw must find the packs it thawed.
      packs = packs.orderBy(org.apache.spark.sql.functions.xxhash64(col("pack_id"),
          org.apache.spark.sql.functions.lit(req.seed())), col("pack_id")).limit(req.sample());
    }
    // Each pack with the SHA-256 the catalog holds for each of its data entries: from the version stored
    // there, or from a deduplicated version reading it (the only one left once the first was erased).
    Dataset<Row> members = catalog.read(CatalogTable.OBJECTS).where(col("pack_id").isNotNull());
    if (req.sample() != null || !req.packIds().isEmpty()) {
      // A sample or named packs: only their members are grouped (a semi-join against the few chosen ids),
      // not every row of objects shuffled to be grouped and then mostly thrown away.
      Dataset<Row> chosen = packs.select(col("pack_id").as("s_pack_id"));
      boolean few = req.sample() == null || req.sample() <= 200_000;
      members = members.join(few ? org.apache.spark.sql.functions.broadcast(chosen) : chosen,
          col("pack_id").equalTo(col("s_pack_id")), "left_semi");
    }
    Dataset<Row> expected = members
        .groupBy(col("pack_id").as("e_pack_id"))
        .agg(collect_list(struct(col("entry_ordinal"), col("sha256"), col("bucket"), col("key"))).as("catalogued"));
    Dataset<Row> joined = packs.join(expected, packs.col("pack_id").equalTo(expected.col("e_pack_id")), "left");
    if (catalog.exists(CatalogTable.ERASED_VERSIONS)) {
      // Entries whose bytes an erasure request destroys: without their key, and out of the catalog, by design.
      Dataset<Row> erased = catalog.read(CatalogTable.ERASED_VERSIONS).where(col("content_slot").isNotNull())
          .groupBy(col("content_pack_id").as("x_pack")).agg(collect_list(col("content_slot")).as("erased"));
      joined = joined.join(erased, col("pack_id").equalTo(col("x_pack")), "left");
    } else {
      joined = joined.withColumn("erased", lit(null).cast("array<bigint>"));
    }
    Dataset<Row> work = joined.select("pack_id", "uri", "version_id", "sha256", "encrypted", "kek_ref", "catalogued", "key_version_id",
        "checksum", "erased");
    // One row per pack (the joins are by pack id, against one row per pack): the count reads only packs, not
    // the grouping of objects, which the check below computes once.
    long n = packs.count();
    int partitions = (int) Math.max(1, Math.min(2000, n));
    LakevaultConfig config = catalog.config();
    RestoreTier tier = req.tier();
    String packsUri = catalog.uriOf("reports/verify/" + runId + ".packs");
    String packsPath = catalog.locations().hadoopPath(packsUri);
    // Each pack's result is written where it was checked; a second shuffle only gathers them into files of
    // about 200,000 rows, so a million packs make a handful of files, not 2,000.
    SparkErrors.surfacing(() -> {
      work.repartition(partitions)
          .mapPartitions((MapPartitionsFunction<Row, Row>) it -> check(config, tier, it), Encoders.row(RESULT))
          .repartition((int) Math.max(1, Math.min(partitions, (n + 199_999) / 200_000)))
          .write().mode("overwrite").parquet(packsPath);
      return null;
    });
    Dataset<Row> results = catalog.spark().read().schema(RESULT).parquet(packsPath);
    Map<State, Long> counts = new java.util.EnumMap<>(State.class);
    for (State s : State.values()) counts.put(s, 0L);
    long entries = 0;
    long bytes = 0;
    for (Row r : results.groupBy("state").agg(org.apache.spark.sql.functions.count(lit(1)),
        org.apache.spark.sql.functions.sum("entries"), org.apache.spark.sql.functions.sum("bytes")).collectAsList()) {
      counts.put(State.valueOf(r.getString(0)), r.getLong(1));
      entries += r.getLong(2);
      bytes += r.getLong(3);
    }
    List<PackResult> listed = new ArrayList<>();
    for (Row r : results.orderBy(org.apache.spark.sql.functions.when(col("state").equalTo(State.VERIFIED.name()), 1)
        .otherwise(0), col("uri")).limit(listLimit).collectAsList()) {
      listed.add(new PackResult(r.getString(0), r.getString(1), State.valueOf(r.getString(2)), r.getLong(3), r.getLong(4),
          r.getList(5)));
    }
    Result result = new Result(runId, counts, entries, bytes, listed, packsUri,
        catalog.uriOf("reports/verify/" + runId + ".json"));
    catalog.writeFile(result.reportUri(), VerifyReport.json(result).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return result;
  }

  /** One row per pack checked: the Parquet list, and what the executors hand back. */
  private static final org.apache.spark.sql.types.StructType RESULT = new org.apache.spark.sql.types.StructType()
      .add("pack_id", "string").add("uri", "string").add("state", "string").add("entries", "long")
      .add("bytes", "long").add("problems", "array<string>");

  private static Iterator<Row> check(LakevaultConfig config, RestoreTier tier, Iterator<Row> packs) {
    List<Row> out = new ArrayList<>();
    try (ObjectStore store = ObjectStores.open(config); KeyResolvers keys = KeyResolvers.from(config)) {
      while (packs.hasNext()) {
        PackResult r = checkPack(store, keys, tier, packs.next());
        out.add(org.apache.spark.sql.RowFactory.create(r.packId(), r.uri(), r.state().name(), r.entries(), r.bytesRead(),
            scala.collection.JavaConverters.asScalaBuffer(r.problems()).toSeq()));
      }
    }
    return out.iterator();
  }

  static PackResult checkPack(ObjectStore store, KeyResolvers keys, RestoreTier tier, Row p) {
    String id = p.getAs("pack_id");
    String uri = p.getAs("uri");
    S3Uri u = S3Uri.parse(uri);
    ObjectRef ref = new ObjectRef(u.bucket(), u.key(), p.getAs("version_id"));
    List<String> problems = new ArrayList<>();
    ObjectMetadata head;
    try {
      head = store.head(ref);
    } catch (ObjectStoreException e) {
      if (e.reason() != ObjectStoreException.Reason.NOT_FOUND) throw e;
      return new PackResult(id, uri, State.MISSING, 0, 0, List.of(uri + " is not in the archive bucket: " + e.getMessage()));
    }
    if (!head.readable()) {
      store.requestRestore(ref, 1, tier);
      return new PackResult(id, uri, State.THAWING, 0, 0, List.of());
    }
    try {
      PackReader reader = PackReader.open(RangeSource.of(store, ref), uri);
      try {
        reader.loadKeys(store, ref, p.getAs("key_version_id"), keys);
      } catch (ObjectStoreException e) {
        // A pack whose key file is gone or unreadable is damaged like one whose bytes are: reported, and the
        // other packs are still checked.
        String version = p.getAs("key_version_id");
        return new PackResult(id, uri, State.CORRUPT, 0, head.size(), List.of(uri + ".keys"
            + (version == null ? "" : " (version " + version + ")") + ", its key file, cannot be read ("
            + e.getMessage() + "): no encrypted entry of this pack can be read"));
      }
      Map<Integer, String[]> catalogued = new HashMap<>();
      List<Row> rows = p.isNullAt(p.fieldIndex("catalogued")) ? null : p.getList(p.fieldIndex("catalogued"));
      if (rows != null) {
        for (Row e : rows) catalogued.put(e.getInt(0), new String[] {e.getString(1), e.getString(2) + "/" + e.getString(3)});
      }
      java.util.Set<Long> erased = new java.util.HashSet<>(p.isNullAt(p.fieldIndex("erased")) ? List.<Long>of()
          : p.<Long>getList(p.fieldIndex("erased")));
      MessageDigest whole = sha256();
      long entries = 0;
      long position = 0;
      try (InputStream raw = store.get(ref); DigestInputStream in = new DigestInputStream(raw, whole)) {
        List<PackEntry> data = reader.entries().stream().filter(e -> e.kind() == PackEntry.Kind.DATA)
            .sorted(Comparator.comparingLong(PackEntry::storedOffset)).toList();
        for (PackEntry e : data) {
          // Gaps (header, dictionary) are read, not skipped: the whole-pack digest needs every byte.
          BoundedInputStream.slice(in, e.storedOffset() - position).drain();
          position = e.storedOffset();
          BoundedInputStream slice = BoundedInputStream.slice(in, e.storedLength());
          if (!e.contentKnown() && erased.contains((long) e.ordinal())) {
            // Erased: its key is gone by request (erased_versions); its bytes still count in the pack's digest.
            slice.drain();
            position += e.storedLength();
            entries++;
            continue;
          }
          try (InputStream decoded = reader.decode(e, slice)) {
            decoded.transferTo(java.io.OutputStream.nullOutputStream());
          } catch (PackFormatException bad) {
            problems.add(bad.getMessage());
          }
          slice.drain();
          position += e.storedLength();
          entries++;
          String[] c = catalogued.remove(e.ordinal());
          if (c == null) {
            problems.add(uri + " entry " + e.ordinal() + " (" + e.describe() + ") is in the pack but not in the objects table");
          } else if (!c[0].equals(e.sha256Hex())) {
            problems.add(uri + " entry " + e.ordinal() + " (" + e.describe() + "): the objects table has SHA-256 " + c[0]
                + ", the pack " + e.sha256Hex());
          }
        }
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      for (var missing : catalogued.entrySet()) {
        problems.add(uri + ": the objects table puts " + missing.getValue()[1] + " at entry " + missing.getKey()
            + ", which the pack does not hold");
      }
      String sha = HexFormat.of().formatHex(whole.digest());
      if (!sha.equals(p.getAs("sha256"))) {
        problems.add(0, uri + " has SHA-256 " + sha + ", the packs table " + p.getAs("sha256"));
      }
      // The checksum the store computed when the pack was written, and has kept since (packs cataloged
      // before the column existed have none).
      String recorded = p.getAs("checksum");
      String stored = Staged.checksum(head);
      if (recorded != null && stored != null && !recorded.equals(stored)) {
        problems.add(0, uri + ": the store now reports checksum " + stored + ", the packs table recorded " + recorded
            + " when it was written");
      }
      return new PackResult(id, uri, problems.isEmpty() ? State.VERIFIED : State.CORRUPT, entries, head.size(),
          problems.size() > 20 ? List.copyOf(problems.subList(0, 20)) : problems);
    } catch (PackFormatException e) {
      return new PackResult(id, uri, State.CORRUPT, 0, head.size(), List.of(e.getMessage()));
    } catch (IOException e) {
      throw new LakevaultException(io.lakevault.core.ErrorKind.STORE, "reading " + uri + " failed: " + e.getMessage(), e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
