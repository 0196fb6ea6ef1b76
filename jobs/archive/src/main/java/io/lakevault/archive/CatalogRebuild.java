package io.lakevault.archive;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.lakevault.aws.KeyResolvers;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackFormat;
import io.lakevault.core.pack.PackFormatException;
import io.lakevault.core.pack.PackInfo;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.core.store.ObjectMetadata;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.ObjectStoreException;
import io.lakevault.core.store.ObjectVersion;
import io.lakevault.core.store.RestoreTier;
import io.lakevault.core.store.S3Uri;
import io.lakevault.spark.SparkErrors;
import io.lakevault.spark.catalog.Catalog;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * {@code lakevault catalog rebuild --from-packs URI}: the {@code objects} and {@code packs} rows of
 * every pack under a prefix, read back from the packs themselves, for the day the catalog is lost (or a
 * pack was written and never cataloged). Rows already in the catalog are kept; only missing ones are
 * added (insert-only MERGE), so a rebuild can run against a partial catalog and twice.
 *
 * <p>Each pack is read whole once (its SHA-256 is part of its catalog row); packs in GLACIER or
 * DEEP_ARCHIVE are thawed first, so a rebuild takes two runs: the first requests the restores.
 * Delete markers are not in packs: the next archive run catalogs them again from {@code classified}.
 */
public final class CatalogRebuild {
  /** What a rebuild found. */
  /**
   * What a rebuild found.
   *
   * @param erased entries whose names were erased (their name key shredded): they stay out of the catalog
   */
  public record Result(long packs, long objects, long added, long erased, List<String> thawing, List<String> unreadable) {}

  private final Catalog catalog;

  public CatalogRebuild(Catalog catalog) {
    this.catalog = catalog;
  }

  public Result run(String fromUri, String runId, RestoreTier tier) {
    S3Uri from;
    try {
      from = S3Uri.parse(fromUri);
    } catch (IllegalArgumentException e) {
      throw LakevaultException.usage("--from-packs " + fromUri + ": " + e.getMessage() + " (expected s3://bucket/prefix)");
    }
    List<String> packs = new ArrayList<>();
    try (ObjectStore store = ObjectStores.open(catalog.config())) {
      if (!store.bucketExists(from.bucket())) {
        throw LakevaultException.usage("--from-packs " + fromUri + ": bucket " + from.bucket() + " does not exist");
      }
      // Pack URIs only: listing is a few thousand requests for a million packs, done once.
      // Versions, not the plain listing: the catalog names each pack's version id.
      Iterator<ObjectVersion> it = store.listVersions(from.bucket(), from.key());
      while (it.hasNext()) {
        ObjectVersion v = it.next();
        if (v.isLatest() && !v.isDeleteMarker() && v.key().endsWith(".lvp")) {
          packs.add("s3://" + from.bucket() + "/" + v.key() + "\t" + v.versionId());
        }
      }
    }
    if (packs.isEmpty()) {
      return new Result(0, 0, 0, 0, List.of(), List.of());
    }
    catalog.ensure(CatalogTable.OBJECTS);
    catalog.ensure(CatalogTable.PACKS);
    LakevaultConfig config = catalog.config();
    Dataset<Row> read = catalog.spark().createDataset(packs, Encoders.STRING())
        .repartition(Math.max(1, Math.min(2000, packs.size())))
        .flatMap((FlatMapFunction<String, Row>) line -> readPack(config, tier, line), Encoders.row(Staged.SCHEMA));
    String staging = catalog.config().get(io.lakevault.core.config.Settings.CATALOG_URI) + "/staging/rebuild/" + runId;
    String stagingPath = catalog.locations().hadoopPath(staging);
    SparkErrors.surfacing(() -> {
      read.write().mode("overwrite").parquet(stagingPath);
      return null;
    });
    Dataset<Row> s = catalog.spark().read().schema(Staged.SCHEMA).parquet(stagingPath);
    List<String> thawing = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    for (Row r : s.where(col("row_type").equalTo(Staged.SKIPPED)).select("pack_uri", "reason").collectAsList()) {
      (r.getString(1).startsWith("thawing") ? thawing : unreadable).add(r.getString(0) + ": " + r.getString(1));
    }
    Dataset<Row> packRows = Staged.packRows(s, runId);
    // A reference record points at (pack, ordinal); its row takes that entry's location.
    Dataset<Row> objects = s.where(col("row_type").equalTo(Staged.OBJECT));
    Dataset<Row> data = objects.where(col("dedup_ref").isNull()).select(col("pack_id").as("t_pack"),
        col("entry_ordinal").as("t_ordinal"), col("entry_offset").as("t_offset"), col("entry_length").as("t_length"));
    Dataset<Row> resolved = objects.join(data, col("dedup_ref").isNotNull().and(col("pack_id").equalTo(col("t_pack")))
            .and(col("entry_ordinal").equalTo(col("t_ordinal"))), "left")
        .withColumn("entry_offset", coalesce(col("t_offset"), col("entry_offset")))
        .withColumn("entry_length", coalesce(col("t_length"), col("entry_length")));
    long before = catalog.read(CatalogTable.OBJECTS).count();
    catalog.table(CatalogTable.PACKS).as("t").merge(packRows.as("s"), "t.pack_id = s.pack_id").whenNotMatched().insertAll().execute();
    catalog.table(CatalogTable.OBJECTS).as("t").merge(Staged.objectRows(resolved, col("pack_created_at"), runId).as("s"),
            Staged.OBJECT_KEY).whenNotMatched().insertAll().execute();
    long after = catalog.read(CatalogTable.OBJECTS).count();
    long packsRead = packRows.count();
    long objectRows = objects.count();
    long erased = s.where(col("row_type").equalTo(ERASED)).count();
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(stagingPath);
    try {
      p.getFileSystem(catalog.spark().sparkContext().hadoopConfiguration()).delete(p, true);
    } catch (IOException e) {
      // A leftover staging folder of a rebuild is harmless; the next rebuild overwrites it.
    }
    return new Result(packsRead, objectRows, after - before, erased, thawing, unreadable);
  }

  /** The rows of one pack: one per entry, then the pack's; or a skipped row saying why not. */
  private static Iterator<Row> readPack(LakevaultConfig config, RestoreTier tier, String line) throws IOException {
    String[] f = line.split("\t");
    String uri = f[0];
    S3Uri u = S3Uri.parse(uri);
    String version = "null".equals(f[1]) ? null : f[1];
    ObjectRef ref = new ObjectRef(u.bucket(), u.key(), version);
    List<Row> out = new ArrayList<>();
    try (ObjectStore store = ObjectStores.open(config)) {
      ObjectMetadata head = store.head(ref);
      if (!head.readable()) {
        store.requestRestore(ref, 1, tier);
        out.add(skipped(uri, "thawing: a restore was requested; run the rebuild again once it is readable"));
        return out.iterator();
      }
      PackReader reader;
      try {
        reader = PackReader.open(RangeSource.of(store, ref), uri);
      } catch (PackFormatException e) {
        out.add(skipped(uri, e.getMessage()));
        return out.iterator();
      }
      if (reader.entries().stream().anyMatch(PackEntry::nameSealed)) {
        // Version 2 seals encrypted entries' names: only the pack's keys name them, and an entry whose name
        // key was shredded stays out of the catalog.
        try (KeyResolvers keys = KeyResolvers.from(config)) {
          reader.loadKeys(store, ref, originalKeyFileVersion(store, ref), keys);
        } catch (LakevaultException | IOException e) {
          out.add(skipped(uri, "its entries' names are sealed and its key file cannot be read (" + e.getMessage()
              + "): a pack erased as a whole, or restore " + uri + PackFormat.KEY_FILE_SUFFIX + " from its replica"));
          return out.iterator();
        }
      }
      PackInfo info = reader.info();
      String packId = info.packId().toString();
      Timestamp created = ts(info.createdAt());
      long references = 0;
      long original = 0;
      long dataEntries = 0;
      for (PackEntry e : reader.entries()) {
        if (!e.named()) {
          // Counted in the pack's row as written; an erased entry's size is gone with its content key.
          out.add(erased(uri, e.ordinal()));
          if (e.kind() == PackEntry.Kind.DATA) {
            dataEntries++;
            if (e.contentKnown()) original += e.size();
          } else {
            references++;
          }
          continue;
        }
        Map<String, String> meta = new LinkedHashMap<>(e.userMetadata());
        if (e.kind() == PackEntry.Kind.REFERENCE) {
          references++;
          out.add(Staged.object(e.bucket(), e.key(), e.versionId(), e.eTag(), e.size(), ts(e.lastModified()), false,
              e.sha256Hex(), e.contentType(), meta, info.retentionClass(), ts(e.retainUntil()), e.refPackId().toString(),
              e.refOrdinal(), null, null, packId + "#" + e.ordinal(), created, null));
        } else {
          dataEntries++;
          original += e.size();
          out.add(Staged.object(e.bucket(), e.key(), e.versionId(), e.eTag(), e.size(), ts(e.lastModified()), false,
              e.sha256Hex(), e.contentType(), meta, info.retentionClass(), ts(e.retainUntil()), packId, e.ordinal(),
              e.storedOffset(), e.storedLength(), null, created, null));
        }
      }
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(store.get(ref), sha)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      out.add(Staged.pack(packId, info.retentionClass(), uri, version, info.storageClass(), info.formatVersion(),
          dataEntries, original, head.size(), HexFormat.of().formatHex(sha.digest()), info.encrypted(), info.kekRef(),
          references, info.lockMode(), ts(info.lockRetainUntil()), created,
          info.encrypted() ? originalKeyFileVersion(store, ref) : null, Staged.checksum(head), info.hasDictionary()));
      return out.iterator();
    } catch (ObjectStoreException e) {
      if (e.reason() != ObjectStoreException.Reason.NOT_FOUND) throw e;
      out.add(skipped(uri, "vanished while the rebuild ran"));
      return out.iterator();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The key file version a pack was written with, as the archive job catalogs it: the oldest version
   * left. A later PUT (a damaged or hostile key file) only adds a newer version, and the eraser's rewrite
   * removes the version it replaces.
   */
  static String originalKeyFileVersion(ObjectStore store, ObjectRef pack) {
    String keyFile = pack.key() + io.lakevault.core.pack.PackFormat.KEY_FILE_SUFFIX;
    String oldest = null;
    for (java.util.Iterator<io.lakevault.core.store.ObjectVersion> it = store.listVersions(pack.bucket(), keyFile);
        it.hasNext(); ) {
      var v = it.next();
      if (v.key().equals(keyFile) && !v.isDeleteMarker()) oldest = v.versionId();
    }
    return oldest == null || "null".equals(oldest) ? null : oldest;
  }

  /** Row type of an entry whose name was erased: counted, never cataloged. */
  private static final String ERASED = "erased";

  private static Row erased(String uri, int ordinal) {
    Object[] v = new Object[Staged.SCHEMA.size()];
    v[0] = ERASED;
    v[Staged.SCHEMA.fieldIndex("pack_uri")] = uri;
    v[Staged.SCHEMA.fieldIndex("entry_ordinal")] = ordinal;
    return RowFactory.create(v);
  }

  private static Row skipped(String uri, String reason) {
    Object[] v = new Object[Staged.SCHEMA.size()];
    v[0] = Staged.SKIPPED;
    v[Staged.SCHEMA.fieldIndex("pack_uri")] = uri;
    v[Staged.SCHEMA.fieldIndex("reason")] = reason;
    return RowFactory.create(v);
  }

  private static Timestamp ts(java.time.Instant t) {
    return Staged.ts(t);
  }
}
