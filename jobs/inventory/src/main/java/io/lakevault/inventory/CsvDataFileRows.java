package io.lakevault.inventory;

import io.lakevault.core.LakevaultException;
import io.lakevault.core.inventory.CsvInventoryParser;
import io.lakevault.core.inventory.InventoryField;
import io.lakevault.core.store.ObjectRef;
import io.lakevault.core.store.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;

/**
 * The rows of one gzip CSV data file, in the reader's staging shape ({@link InventoryReader#stagingSchema()}),
 * parsed from the file's bytes straight into Spark's row format: no {@code Reader}, no {@code String}
 * per line or value. The returned row is reused: a consumer must copy it before asking for the next
 * (Spark's scan projects every row as it arrives). Closes the file and the store at the end or on error.
 */
final class CsvDataFileRows implements Iterator<InternalRow> {
  private static final int FIELDS = InventoryField.values().length;
  private static final int FILE = FIELDS;
  private static final int ROW = FIELDS + 1;
  private static final int LINE = FIELDS + 2;
  private static final int ERROR = FIELDS + 3;
  private static final int MAX_LINE_CHARS = 2000;
  /** S3 keys are at most 1 KiB; a longer line is not an inventory row but a damaged file. */
  private static final int MAX_LINE_BYTES = 16 << 20;

  private final String uri;
  private final byte[] fileName;
  private final String manifestUri;
  private final int columns;
  private final ObjectStore store;
  private final InputStream in;
  private final CsvInventoryParser.LineParser parser;
  private final UnsafeRowWriter writer = new UnsafeRowWriter(FIELDS + 4, 512);
  private final RowSink sink = new RowSink();
  private byte[] buf = new byte[1 << 20];
  private int pos;
  private int limit;
  private boolean eof;
  private long lineNumber;
  private boolean ready;
  private boolean done;

  /** Opens {@code s3://bucket/key} through {@code store}, which this iterator then owns. */
  CsvDataFileRows(ObjectStore store, String bucket, String key, CsvInventoryParser parser, String manifestUri,
      int columns) {
    this.uri = "s3://" + bucket + "/" + key;
    this.fileName = uri.getBytes(StandardCharsets.UTF_8);
    this.manifestUri = manifestUri;
    this.columns = columns;
    this.store = store;
    this.parser = parser.newLineParser();
    try {
      this.in = new GZIPInputStream(store.get(ObjectRef.of(bucket, key)), 1 << 16);
    } catch (java.io.EOFException e) {
      store.close();
      throw LakevaultException.input("inventory data file " + uri + " is empty, or ends before its gzip header; S3"
          + " Inventory writes every CSV data file gzip-compressed, even one without rows. The delivery is damaged:"
          + " ingest another report (--report), or ask AWS support about this one; nothing was committed");
    } catch (IOException e) {
      store.close();
      throw LakevaultException.input("inventory data file " + uri + " is not gzip (" + e.getMessage() + "); S3 Inventory"
          + " writes CSV data files gzip-compressed: the delivery is damaged; nothing was committed");
    }
  }

  @Override
  public boolean hasNext() {
    if (!ready && !done) advance();
    return ready;
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) throw new NoSuchElementException();
    ready = false;
    return writer.getRow();
  }

  private void advance() {
    int scan = pos;
    int start;
    int end;
    while (true) {
      int nl = indexOfNewline(scan);
      if (nl >= 0) {
        start = pos;
        end = nl;
        pos = nl + 1;
        break;
      }
      if (eof) {
        if (pos == limit) {
          close();
          done = true;
          return;
        }
        start = pos; // a last line without a newline
        end = limit;
        pos = limit;
        break;
      }
      scan = fill(scan);
    }
    if (end > start && buf[end - 1] == '\r') end--;
    lineNumber++;
    writer.reset();
    writer.zeroOutNullBytes();
    sink.written = 0;
    try {
      parser.parse(buf, start, end, sink);
      for (int i = 0; i < FIELDS + 4; i++) {
        if ((sink.written & 1L << i) == 0) writer.setNullAt(i);
      }
    } catch (CsvInventoryParser.BadRowException e) {
      if (lineNumber == 1 && e.getMessage().contains("fields but the fileSchema lists")) {
        close();
        throw LakevaultException.input("the fileSchema of " + manifestUri + " does not match data file " + uri
            + ": line 1 " + e.getMessage() + " (" + columns + " columns); nothing was committed");
      }
      // Only a bad row says where it came from: the file and line are what its message and the quarantine need.
      writer.reset();
      writer.zeroOutNullBytes();
      for (int i = 0; i < FIELDS; i++) writer.setNullAt(i);
      writer.write(FILE, fileName);
      writer.write(ROW, lineNumber);
      String line = new String(buf, start, end - start, StandardCharsets.UTF_8);
      writer.write(LINE, (line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) : line)
          .getBytes(StandardCharsets.UTF_8));
      writer.write(ERROR, e.getMessage().getBytes(StandardCharsets.UTF_8));
    }
    ready = true;
  }

  private int indexOfNewline(int from) {
    byte[] b = buf;
    for (int i = from; i < limit; i++) {
      if (b[i] == '\n') return i;
    }
    return -1;
  }

  /**
   * Moves the unread bytes to the front (growing the buffer for a long line) and reads more.
   *
   * @return where the newline search resumes, in the moved buffer
   */
  private int fill(int scan) {
    int unread = limit - pos;
    if (unread == buf.length) {
      if (buf.length >= MAX_LINE_BYTES) {
        close();
        throw LakevaultException.input("inventory data file " + uri + " has a line longer than " + (MAX_LINE_BYTES >> 20)
            + " MiB after line " + lineNumber + "; it is not an S3 Inventory CSV file. Nothing was committed");
      }
      byte[] bigger = new byte[buf.length * 2];
      System.arraycopy(buf, pos, bigger, 0, unread);
      buf = bigger;
    } else if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, unread);
    }
    int resume = scan - pos;
    pos = 0;
    limit = unread;
    try {
      int n = in.readNBytes(buf, limit, buf.length - limit);
      limit += n;
      if (limit < buf.length) eof = true; // readNBytes fills the buffer unless the stream ended
    } catch (IOException e) {
      close();
      throw LakevaultException.input("inventory data file " + uri + " is truncated or corrupt after line "
          + lineNumber + " (" + e.getMessage() + "); nothing was committed");
    }
    return resume;
  }

  private void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // read side only
    }
    store.close();
  }

  /** Writes parsed values into the row; remembers which fields it set, so the rest become null. */
  private final class RowSink implements CsvInventoryParser.Sink {
    long written;

    @Override
    public void string(InventoryField f, byte[] bytes, int offset, int length) {
      writer.write(f.ordinal(), bytes, offset, length);
      written |= 1L << f.ordinal();
    }

    @Override
    public void number(InventoryField f, long value) {
      writer.write(f.ordinal(), value);
      written |= 1L << f.ordinal();
    }

    @Override
    public void bool(InventoryField f, boolean value) {
      writer.write(f.ordinal(), value);
      written |= 1L << f.ordinal();
    }

    @Override
    public void timestamp(InventoryField f, long micros) {
      writer.write(f.ordinal(), micros);
      written |= 1L << f.ordinal();
    }
  }
}
