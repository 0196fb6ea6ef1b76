package io.lakevault.kernel;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.MapValue;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.exceptions.TableNotFoundException;
import io.delta.kernel.expressions.Predicate;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import io.lakevault.core.ErrorKind;
import io.lakevault.core.LakevaultException;
import io.lakevault.core.config.LakevaultConfig;
import io.lakevault.core.config.Settings;
import io.lakevault.spark.Locations;
import io.lakevault.spark.SparkSessions;
import io.lakevault.spark.catalog.CatalogTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;

/**
 * The catalog's Delta tables read with Delta Kernel: the latest snapshot, files pruned by partition
 * values and the files' min/max statistics, only the columns asked for. No SparkSession is started, so
 * an interactive lookup costs what reading a few Parquet files costs. The same tables, locations and S3
 * settings as the Spark side ({@link io.lakevault.spark.catalog.Catalog}).
 */
public final class KernelCatalog {
  private final LakevaultConfig config;
  private final Locations locations;
  private final Engine engine;

  public KernelCatalog(LakevaultConfig config) {
    this.config = config;
    this.locations = new Locations(config);
    Configuration hadoop = new Configuration();
    SparkSessions.configureS3(hadoop, config);
    this.engine = DefaultEngine.create(hadoop);
  }

  /** The table's location as Hadoop opens it. */
  public String path(CatalogTable t) {
    return locations.hadoopPath(config.get(Settings.CATALOG_URI) + "/" + t.tableName());
  }

  /** The latest snapshot, or empty when the table was never written. */
  private Optional<Snapshot> snapshot(CatalogTable t) {
    try {
      return Optional.of(Table.forPath(engine, path(t)).getLatestSnapshot(engine));
    } catch (TableNotFoundException e) {
      return Optional.empty();
    } catch (UncheckedIOException e) {
      throw new LakevaultException(ErrorKind.INPUT, "cannot read the catalog's " + t.tableName()
          + " table at " + path(t) + ": " + e.getCause().getMessage() + "; check catalog.uri and the store settings", e);
    }
  }

  public boolean exists(CatalogTable t) {
    return snapshot(t).isPresent();
  }

  /**
   * Calls {@code each} for every row of the latest snapshot in the files that may hold rows matching
   * {@code filter}: Kernel skips files by partition and statistics only, so rows still need the caller's
   * test. Reads the snapshot once, so a caller needs no separate {@link #exists} call.
   *
   * @return false, having called nothing, when the table was never written
   * @param filter a predicate over the table's columns, or null for every file
   * @param columns the columns to read; {@link Rows} reads them by name
   */
  public boolean scan(CatalogTable t, Predicate filter, List<String> columns, Consumer<Rows> each) {
    Optional<Snapshot> s = snapshot(t);
    if (s.isEmpty()) return false;
    StructType schema = s.get().getSchema(engine);
    StructType read = new StructType();
    for (String c : columns) read = read.add(schema.get(c));
    io.delta.kernel.ScanBuilder b = s.get().getScanBuilder(engine).withReadSchema(engine, read);
    if (filter != null) b = b.withFilter(engine, filter);
    Scan scan = b.build();
    FileScan reader = new FileScan(t, scan.getScanState(engine), read, filter, List.of());
    // Each file is read as the log replay hands it out: nothing is held beyond the current batch.
    try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(engine)) {
      while (files.hasNext()) {
        try (CloseableIterator<Row> fileRows = files.next().getRows()) {
          while (fileRows.hasNext()) reader.read(new ScanFile(fileRows.next(), null, null, -1), each);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the catalog's " + t.tableName() + " table at " + path(t), e);
    }
    return true;
  }

  /**
   * The data files of the latest snapshot that may hold rows matching {@code filter}, each with the least
   * value its statistics record for {@code minColumn} (a string column): a caller that wants rows in that
   * column's order reads files by their least value and stops once the rest cannot matter. Empty when the
   * table was never written. Holds one small row per file, not rows.
   *
   * @param minColumn null when no file order is needed (statistics are then not read)
   */
  public Optional<FileScan> files(CatalogTable t, Predicate filter, List<String> columns, String minColumn) {
    Optional<Snapshot> s = snapshot(t);
    if (s.isEmpty()) return Optional.empty();
    StructType schema = s.get().getSchema(engine);
    StructType read = new StructType();
    for (String c : columns) {
      StructField f = schema.get(c);
      read = read.add(f);
    }
    io.delta.kernel.ScanBuilder b = s.get().getScanBuilder(engine).withReadSchema(engine, read);
    if (filter != null) b = b.withFilter(engine, filter);
    Scan scan = b.build();
    List<ScanFile> files = new java.util.ArrayList<>();
    try (CloseableIterator<FilteredColumnarBatch> it = minColumn == null ? scan.getScanFiles(engine)
        : ((io.delta.kernel.internal.ScanImpl) scan).getScanFiles(engine, true)) {
      while (it.hasNext()) {
        try (CloseableIterator<Row> fileRows = it.next().getRows()) {
          while (fileRows.hasNext()) {
            Row file = fileRows.next();
            files.add(minColumn == null ? new ScanFile(file, null, null, -1) : withStats(file, minColumn));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the catalog's " + t.tableName() + " table at " + path(t), e);
    }
    return Optional.of(new FileScan(t, scan.getScanState(engine), read, filter, files));
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * The file with the column's minimum and maximum and its row count from its statistics. Delta truncates
   * long strings there: the minimum to a prefix, the maximum to a prefix with a high character appended,
   * still bounds. Null bounds (and -1 rows) when the file has no statistics: it may hold anything.
   */
  private static ScanFile withStats(Row file, String column) {
    Row add = file.getStruct(InternalScanFileUtils.ADD_FILE_ORDINAL);
    if (add.isNullAt(InternalScanFileUtils.ADD_FILE_STATS_ORDINAL)) return new ScanFile(file, null, null, -1);
    try {
      com.fasterxml.jackson.databind.JsonNode stats = JSON.readTree(add.getString(InternalScanFileUtils.ADD_FILE_STATS_ORDINAL));
      com.fasterxml.jackson.databind.JsonNode min = stats.path("minValues").path(column);
      com.fasterxml.jackson.databind.JsonNode max = stats.path("maxValues").path(column);
      return new ScanFile(file, min.isTextual() ? min.asText() : null, max.isTextual() ? max.asText() : null,
          stats.path("numRecords").asLong(-1));
    } catch (IOException e) {
      return new ScanFile(file, null, null, -1);
    }
  }

  /**
   * One data file of a {@link FileScan}: the least and greatest value of the ordering column and its rows,
   * from its statistics (null, null, -1 when unknown).
   */
  public record ScanFile(Row row, String min, String max, long rows) {
    /** The file's path: Delta never rewrites a path with other rows (a purge keeps it with a new size). */
    public String path() {
      return InternalScanFileUtils.getAddFileStatus(row).getPath();
    }

    public long size() {
      return InternalScanFileUtils.getAddFileStatus(row).getSize();
    }

    public Map<String, String> partitionValues() {
      return InternalScanFileUtils.getPartitionValues(row);
    }
  }

  /** The files of one snapshot chosen by a filter, read one at a time with {@link #read}. */
  public final class FileScan {
    private final CatalogTable table;
    private final Row state;
    private final StructType read;
    private final Predicate filter;
    private final List<ScanFile> files;

    FileScan(CatalogTable table, Row state, StructType read, Predicate filter, List<ScanFile> files) {
      this.table = table;
      this.state = state;
      this.read = read;
      this.filter = filter;
      this.files = files;
    }

    public List<ScanFile> files() {
      return files;
    }

    /** Calls {@code each} for every row of one file; rows still need the caller's own test of the filter. */
    public void read(ScanFile file, Consumer<Rows> each) {
      StructType physical = ScanStateRow.getPhysicalDataReadSchema(engine, state);
      Rows rows = new Rows(read);
      FileStatus status = InternalScanFileUtils.getAddFileStatus(file.row());
      // The filter goes to the Parquet reader too: it skips row groups and, through the column index,
      // pages whose key range cannot match (catalog optimize writes files in key order so it can).
      try (CloseableIterator<ColumnarBatch> data = engine.getParquetHandler()
              .readParquetFiles(Utils.singletonCloseableIterator(status), physical, Optional.ofNullable(filter));
           CloseableIterator<FilteredColumnarBatch> logical = Scan.transformPhysicalData(engine, state, file.row(), data)) {
        while (logical.hasNext()) {
          try (CloseableIterator<Row> it = logical.next().getRows()) {
            while (it.hasNext()) {
              rows.row = it.next();
              each.accept(rows);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading the catalog's " + table.tableName() + " table at " + path(table), e);
      }
    }
  }

  /**
   * The distinct values of a partition column in the latest snapshot, sorted: read from the log's file
   * entries, no data file is opened. Empty when the table does not exist.
   */
  public List<String> partitions(CatalogTable t, String column) {
    Optional<Snapshot> s = snapshot(t);
    if (s.isEmpty()) return List.of();
    java.util.TreeSet<String> values = new java.util.TreeSet<>();
    Scan scan = s.get().getScanBuilder(engine).build();
    try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(engine)) {
      while (files.hasNext()) {
        try (CloseableIterator<Row> fileRows = files.next().getRows()) {
          while (fileRows.hasNext()) {
            String v = InternalScanFileUtils.getPartitionValues(fileRows.next()).get(column);
            if (v != null) values.add(v);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the catalog's " + t.tableName() + " table at " + path(t), e);
    }
    return List.copyOf(values);
  }

  /** The current row of a scan, read by column name. Valid only inside the callback. */
  public static final class Rows {
    private final Map<String, Integer> ordinals = new LinkedHashMap<>();
    private Row row;

    Rows(StructType schema) {
      for (int i = 0; i < schema.length(); i++) ordinals.put(schema.at(i).getName(), i);
    }

    private int at(String column) {
      Integer i = ordinals.get(column);
      if (i == null) throw new IllegalArgumentException("column " + column + " was not read");
      return i;
    }

    public boolean isNull(String column) {
      return row.isNullAt(at(column));
    }

    public String string(String column) {
      int i = at(column);
      return row.isNullAt(i) ? null : row.getString(i);
    }

    public Long longValue(String column) {
      int i = at(column);
      return row.isNullAt(i) ? null : row.getLong(i);
    }

    public Integer intValue(String column) {
      int i = at(column);
      return row.isNullAt(i) ? null : row.getInt(i);
    }

    public Boolean bool(String column) {
      int i = at(column);
      return row.isNullAt(i) ? null : row.getBoolean(i);
    }

    /** A timestamp column: Kernel gives microseconds since the epoch, UTC. */
    public Instant instant(String column) {
      int i = at(column);
      if (row.isNullAt(i)) return null;
      long micros = row.getLong(i);
      return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** An array of strings; empty when null. */
    public List<String> stringList(String column) {
      int i = at(column);
      if (row.isNullAt(i)) return List.of();
      io.delta.kernel.data.ArrayValue a = row.getArray(i);
      java.util.ArrayList<String> out = new java.util.ArrayList<>(a.getSize());
      for (int j = 0; j < a.getSize(); j++) out.add(a.getElements().isNullAt(j) ? null : a.getElements().getString(j));
      return out;
    }

    /** A map of string to long; empty when null. */
    public Map<String, Long> longMap(String column) {
      int i = at(column);
      Map<String, Long> out = new java.util.TreeMap<>();
      if (row.isNullAt(i)) return out;
      MapValue m = row.getMap(i);
      for (int j = 0; j < m.getSize(); j++) {
        out.put(m.getKeys().getString(j), m.getValues().isNullAt(j) ? null : m.getValues().getLong(j));
      }
      return out;
    }

    /** A map of strings; empty when null. */
    public Map<String, String> stringMap(String column) {
      int i = at(column);
      Map<String, String> out = new LinkedHashMap<>();
      if (row.isNullAt(i)) return out;
      MapValue m = row.getMap(i);
      for (int j = 0; j < m.getSize(); j++) {
        out.put(m.getKeys().getString(j), m.getValues().isNullAt(j) ? null : m.getValues().getString(j));
      }
      return out;
    }
  }
}
