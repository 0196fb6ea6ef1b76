package io.lakevault.restore;

import io.lakevault.aws.KeyResolvers;
import io.lakevault.aws.ObjectStores;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.pack.PackEntry;
import io.lakevault.core.pack.PackFormatException;
import io.lakevault.core.pack.PackReader;
import io.lakevault.core.pack.RangeSource;
import io.lakevault.core.restore.EntryCheck;
import io.lakevault.core.restore.RangePlanner;
import io.lakevault.core.restore.RestoreTarget;
import io.lakevault.core.store.BoundedInputStream;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import io.lakevault.core.store.S3Uri;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Extracts the chosen versions of the packs in one partition. The rows arrive sorted by pack and entry
 * offset; per pack: the footer and index (two range reads), the key file if encrypted, then one GET per
 * range the {@link RangePlanner} coalesces, each entry decrypted, decompressed, checked against the
 * SHA-256 of the index and of the catalog, and written. A bad entry fails its objects only; a failed
 * range fails the objects in it; the pack carries on.
 */
final class ExtractTask implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final LakevaultConfig config;
  private final TargetSpec spec;
  private final boolean overwrite;

  ExtractTask(LakevaultConfig config, TargetSpec spec, boolean overwrite) {
    this.config = config;
    this.spec = spec;
    this.overwrite = overwrite;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    List<Row> out = new ArrayList<>();
    if (!rows.hasNext()) return out.iterator();
    try (ObjectStore store = ObjectStores.open(config); KeyResolvers keys = KeyResolvers.from(config);
         RestoreTarget target = spec.open(config)) {
      List<Row> pack = new ArrayList<>();
      while (rows.hasNext()) {
        Row r = rows.next();
        if (!pack.isEmpty() && !pack.get(0).getAs("pack_id").equals(r.getAs("pack_id"))) {
          extractPack(store, keys, target, pack, out);
          pack = new ArrayList<>();
        }
        pack.add(r);
      }
      extractPack(store, keys, target, pack, out);
    }
    return out.iterator();
  }

  private void extractPack(ObjectStore store, KeyResolvers keys, RestoreTarget target, List<Row> rows, List<Row> out) {
    String packId = rows.get(0).getAs("pack_id");
    String uri = rows.get(0).getAs("pack_uri");
    S3Uri u = S3Uri.parse(uri);
    ObjectRef ref = new ObjectRef(u.bucket(), u.key(), rows.get(0).getAs("pack_version_id"));
    long t0 = System.nanoTime();
    long writeNs = 0;
    long bytesRead = 0;
    long indexBytes;
    PackReader reader;
    try {
      reader = PackReader.open(RangeSource.of(store, ref), uri);
      indexBytes = reader.loadKeys(store, ref, rows.get(0).getAs("pack_key_version_id"), keys);
    } catch (IOException | RuntimeException e) {
      // The pack as a whole cannot be read: every object in it fails, with the reason.
      String reason = "pack " + uri + " cannot be opened: " + e.getMessage();
      for (Row r : rows) out.add(Extracted.object(r, null, Extracted.State.FAILED, reason, null));
      out.add(Extracted.pack(packId, "FAILED", reason, 0, 0, 0, System.nanoTime() - t0, 0));
      return;
    }
    // Entries are opened one by one as the rows ask for them: a version-2 pack unseals only those.

    // Decide each object before reading: where it goes, and whether it needs the pack's bytes at all.
    List<Row> needed = new ArrayList<>();
    List<String> locations = new ArrayList<>();
    List<Boolean> replace = new ArrayList<>();
    for (Row r : rows) {
      String location;
      try {
        location = target.locate(r.getAs("bucket"), r.getAs("key"), r.getAs("version_id"));
      } catch (RestoreTarget.UnsafeKeyException e) {
        out.add(Extracted.object(r, null, Extracted.State.UNSAFE_KEY, e.getMessage(), null));
        continue;
      }
      PackEntry e = reader.entry(r.<Integer>getAs("entry_ordinal"));
      String mismatch = mismatch(r, e);
      if (mismatch != null) {
        out.add(Extracted.object(r, location, Extracted.State.FAILED, uri + ": " + mismatch, null));
        continue;
      }
      try {
        RestoreTarget.Existing existing = target.head(location);
        if (existing != null) {
          if (existing.size() >= 0 && target.holds(location, existing, wanted(r))) {
            out.add(Extracted.object(r, location, Extracted.State.PRESENT, null, existing.tag()));
            continue;
          }
          Instant version = r.<Timestamp>getAs("last_modified_date").toInstant();
          if (!overwrite && (existing.lastModified() == null || !existing.lastModified().isBefore(version))) {
            out.add(Extracted.object(r, location, Extracted.State.KEPT_NEWER, "the target holds another object, modified "
                + existing.lastModified() + ", not before this version (" + version + "); --overwrite replaces it", null));
            continue;
          }
        }
        needed.add(r);
        locations.add(location);
        replace.add(existing != null);
      } catch (RuntimeException ex) {
        out.add(Extracted.object(r, location, Extracted.State.FAILED, "cannot check the target " + location + ": "
            + ex.getMessage(), null));
      }
    }

    long[] offsets = new long[needed.size()];
    long[] lengths = new long[needed.size()];
    for (int i = 0; i < needed.size(); i++) {
      offsets[i] = needed.get(i).<Long>getAs("entry_offset");
      lengths[i] = needed.get(i).<Long>getAs("entry_length");
    }
    List<RangePlanner.Range> ranges = RangePlanner.DEFAULT.plan(offsets, lengths, needed.size());
    for (RangePlanner.Range range : ranges) {
      int i = range.first();
      try (InputStream in = store.get(ref, ObjectStore.ByteRange.ofLength(range.offset(), range.length()))) {
        bytesRead += range.length();
        long position = range.offset();
        while (i <= range.last()) {
          Row r = needed.get(i);
          PackEntry e = reader.entry(r.<Integer>getAs("entry_ordinal"));
          long offset = r.<Long>getAs("entry_offset");
          if (offset < position) { // a second object sharing an entry already read: read it again on its own
            long w0 = System.nanoTime();
            bytesRead += e.storedLength();
            write(reader.openEntry(e), target, r, locations.get(i), replace.get(i), out, uri, e);
            writeNs += System.nanoTime() - w0;
            i++;
            continue;
          }
          BoundedInputStream.slice(in, offset - position).drain();
          BoundedInputStream slice = BoundedInputStream.slice(in, e.storedLength());
          long w0 = System.nanoTime();
          write(reader.decode(e, slice), target, r, locations.get(i), replace.get(i), out, uri, e);
          writeNs += System.nanoTime() - w0;
          slice.drain();
          position = offset + e.storedLength();
          i++;
        }
      } catch (IOException | RuntimeException ex) {
        for (; i <= range.last(); i++) {
          out.add(Extracted.object(needed.get(i), locations.get(i), Extracted.State.FAILED, "reading " + uri + " bytes "
              + range.offset() + "+" + range.length() + " failed: " + ex.getMessage(), null));
        }
      }
    }
    indexBytes += reader.metadataBytesRead();
    out.add(Extracted.pack(packId, "DONE", null, bytesRead, indexBytes, ranges.size(), System.nanoTime() - t0 - writeNs,
        writeNs));
  }

  /** Decodes and writes one object; a corrupt entry or a failed write fails this object only. */
  private void write(InputStream decoded, RestoreTarget target, Row r, String location, boolean replace, List<Row> out,
      String uri, PackEntry e) {
    try (InputStream in = decoded) {
      String tag = target.write(location, in, r.<Long>getAs("size"), r.getAs("content_type"), userMetadata(r),
          r.<Timestamp>getAs("last_modified_date").toInstant(), replace);
      out.add(Extracted.object(r, location, Extracted.State.RESTORED, null, tag));
    } catch (PackFormatException bad) {
      out.add(Extracted.object(r, location, Extracted.State.FAILED, bad.getMessage(), null));
    } catch (RestoreTarget.UnsafeKeyException unsafe) {
      out.add(Extracted.object(r, location, Extracted.State.UNSAFE_KEY, unsafe.getMessage(), null));
    } catch (IOException | RuntimeException ex) {
      out.add(Extracted.object(r, location, Extracted.State.FAILED, "writing " + location + " from " + uri + " entry "
          + e.ordinal() + " failed: " + ex.getMessage(), null));
    }
  }

  private static String mismatch(Row r, PackEntry e) {
    return EntryCheck.mismatch(r.getAs("key"), r.<Integer>getAs("entry_ordinal"), r.getAs("sha256"),
        r.<Long>getAs("entry_offset"), r.<Long>getAs("entry_length"), e);
  }

  private static RestoreTarget.Wanted wanted(Row r) {
    String tag = r.getAs("e_tag");
    boolean md5 = tag != null && tag.matches("[0-9a-f]{32}");
    return new RestoreTarget.Wanted(r.<Long>getAs("size"), r.getAs("sha256"), md5 ? tag : null, r.getAs("prev_tag"));
  }

  private static Map<String, String> userMetadata(Row r) {
    int i = r.fieldIndex("user_metadata");
    return r.isNullAt(i) ? Map.of() : r.getJavaMap(i);
  }
}
