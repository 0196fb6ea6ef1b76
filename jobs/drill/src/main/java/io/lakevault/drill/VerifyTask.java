package io.lakevault.drill;

import static org.apache.spark.sql.functions.col;

import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.restore.RestoreTarget;
import io.lakevault.restore.TargetSpec;
import io.lakevault.spark.catalog.Catalog;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Reads every restored object back from the drill's target and compares its SHA-256 and size with the
 * catalog's: the restore job checks what it writes, the drill checks what is there afterwards.
 */
final class VerifyTask implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private static final StructType OUT = new StructType().add("ok", "boolean").add("problem", "string");

  record Outcome(long verified, List<String> problems) {}

  private final LakevaultConfig config;
  private final String levelTarget;

  private VerifyTask(LakevaultConfig config, String levelTarget) {
    this.config = config;
    this.levelTarget = levelTarget;
  }

  static Outcome run(Catalog catalog, Dataset<Row> expected, String levelTarget, int maxProblems) {
    Dataset<Row> checked = expected.select("bucket", "key", "version_id", "size", "sha256")
        .mapPartitions(new VerifyTask(catalog.config(), levelTarget), Encoders.row(OUT)).persist();
    try {
      long ok = checked.where(col("ok")).count();
      List<String> problems = new ArrayList<>();
      for (Row r : checked.where(col("ok").equalTo(false)).orderBy("problem").limit(maxProblems).collectAsList()) {
        problems.add(r.getString(1));
      }
      return new Outcome(ok, problems);
    } finally {
      checked.unpersist();
    }
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) throws Exception {
    List<Row> out = new ArrayList<>();
    Map<String, RestoreTarget> targets = new HashMap<>();
    try {
      byte[] buf = new byte[1 << 16];
      while (rows.hasNext()) {
        Row r = rows.next();
        String bucket = r.getString(0);
        String name = "s3://" + bucket + "/" + r.getString(1) + " version " + r.getString(2);
        RestoreTarget target = targets.computeIfAbsent(bucket,
            b -> TargetSpec.parse(DrillJob.restoreTo(levelTarget, b), false).open(config));
        String location = target.locate(bucket, r.getString(1), null);
        if (target.head(location) == null) {
          out.add(RowFactory.create(false, name + ": not at the target (" + location + ")"));
          continue;
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long size = 0;
        try (InputStream in = target.read(location)) {
          for (int n; (n = in.read(buf)) > 0; size += n) sha.update(buf, 0, n);
        }
        String got = HexFormat.of().formatHex(sha.digest());
        if (size != r.getLong(3) || !got.equals(r.getString(4))) {
          out.add(RowFactory.create(false, name + ": restored bytes differ from the archived version (SHA-256 " + got
              + ", " + size + " bytes; the catalog says " + r.getString(4) + ", " + r.getLong(3) + " bytes)"));
        } else {
          out.add(RowFactory.create(true, null));
        }
      }
    } finally {
      targets.values().forEach(RestoreTarget::close);
    }
    return out.iterator();
  }
}
