package io.kvflow.trace.parquet;

import io.kvflow.trace.TraceFormatException;
import io.kvflow.trace.batch.RequestBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Decodes the pages of one column chunk straight into Arrow vectors.
 *
 * <p>Fast path: a PLAIN-encoded page of a column with no definition levels is copied into the
 * vector's data buffer in one move (Parquet PLAIN and Arrow share the little-endian layout), or
 * narrowed in one tight loop. Every other page (dictionary, delta, optional columns, lists, V2
 * pages written by other engines) goes through parquet-java's value and level readers, one value
 * at a time. Both paths are tested to give identical batches.
 *
 * <p>Every page reaches this class after parquet-java has checked its CRC32 (when the page has
 * one) while loading the row group, so both paths decode only verified bytes; the cursor counts
 * the pages that had a checksum. A page that cannot be decoded stops the read with a message
 * naming the row group, column and page.
 */
final class ColumnCursor {
  private final String file;
  private final String name;
  private final ColumnDescriptor descriptor;
  private final int maxDef;
  private final int maxRep;
  private final boolean nullable;
  private final boolean elementOptional;
  private final boolean plainCapable;

  private PageReader pages;
  private Dictionary dictionary;
  private long chunkRemaining;
  private int pageRemaining;
  private Levels def = Levels.ZERO;
  private Levels rep = Levels.ZERO;
  private ValuesReader values;
  private ByteBuffer plain;
  private boolean pending;
  private int pendingRep;
  private int pendingDef;
  private int rowGroup;
  private long rowBase;
  private int dataPage;
  private long pagesRead;
  private long pagesWithChecksum;

  ColumnCursor(String file, String name, ColumnDescriptor descriptor, boolean nullable) {
    this.file = file;
    this.name = name;
    this.descriptor = descriptor;
    this.maxDef = descriptor.getMaxDefinitionLevel();
    this.maxRep = descriptor.getMaxRepetitionLevel();
    this.nullable = nullable;
    this.elementOptional = descriptor.getPrimitiveType().getRepetition() == Type.Repetition.OPTIONAL;
    PrimitiveTypeName t = descriptor.getPrimitiveType().getPrimitiveTypeName();
    this.plainCapable = t == PrimitiveTypeName.INT64 || t == PrimitiveTypeName.INT32 || t == PrimitiveTypeName.FLOAT;
  }

  String name() {
    return name;
  }

  /** Pages decoded so far (dictionary pages included). */
  long pagesRead() {
    return pagesRead;
  }

  /** Pages decoded so far that carried a CRC32, verified when their row group was loaded. */
  long pagesWithChecksum() {
    return pagesWithChecksum;
  }

  void startRowGroup(PageReadStore store, int rowGroupIndex, long firstRowInFile) {
    this.rowGroup = rowGroupIndex;
    this.rowBase = firstRowInFile;
    this.pages = store.getPageReader(descriptor);
    this.chunkRemaining = pages.getTotalValueCount();
    this.pageRemaining = 0;
    this.pending = false;
    this.dataPage = -1;
    if (maxRep == 0 && chunkRemaining != store.getRowCount()) {
      throw TraceFormatException.atChunk(file, rowGroup, name, "the column chunk holds " + chunkRemaining
          + " values for the row group's " + store.getRowCount() + " rows");
    }
    DictionaryPage dictionaryPage;
    try {
      dictionaryPage = pages.readDictionaryPage();
      this.dictionary = dictionaryPage == null ? null : dictionaryPage.getEncoding().initDictionary(descriptor, dictionaryPage);
    } catch (IOException | RuntimeException e) {
      throw damaged(-1, "undecodable dictionary page (" + Causes.oneLine(e) + ")");
    }
    if (dictionaryPage != null) {
      countPage(dictionaryPage.getCrc().isPresent());
    }
  }

  /** Checks, at the end of a row group, that the chunk held no more values than its rows. */
  void finishRowGroup() {
    if (chunkRemaining != 0 || pending) {
      throw TraceFormatException.atChunk(file, rowGroup, name, "the column chunk holds more values than the row "
          + "group's rows");
    }
  }

  // ---- flat columns: one value (or null) per row ----

  void readInt64(BigIntVector v, int rows) {
    ArrowBuf data = v.getDataBuffer();
    int row = 0;
    while (row < rows) {
      int k = take(rows - row, row);
      if (plain != null && maxDef == 0) {
        int pos = plain.position();
        data.setBytes((long) row * 8, plain, pos, k * 8);
        plain.position(pos + k * 8);
      } else {
        for (int j = row; j < row + k; j++) {
          if (present(j)) {
            v.set(j, plain != null ? plain.getLong() : values.readLong());
          } else {
            v.setNull(j);
          }
        }
      }
      row += k;
    }
  }

  void readInt32(IntVector v, int rows) {
    ArrowBuf data = v.getDataBuffer();
    int row = 0;
    while (row < rows) {
      int k = take(rows - row, row);
      if (plain != null && maxDef == 0) {
        int pos = plain.position();
        data.setBytes((long) row * 4, plain, pos, k * 4);
        plain.position(pos + k * 4);
      } else {
        for (int j = row; j < row + k; j++) {
          if (present(j)) {
            v.set(j, nextInt());
          } else {
            v.setNull(j);
          }
        }
      }
      row += k;
    }
  }

  void readInt16(SmallIntVector v, int rows) {
    ArrowBuf data = v.getDataBuffer();
    int row = 0;
    while (row < rows) {
      int k = take(rows - row, row);
      if (plain != null && maxDef == 0) {
        ByteBuffer p = plain;
        int pos = p.position();
        for (int j = row; j < row + k; j++, pos += 4) {
          int x = p.getInt(pos);
          if (x != (short) x) {
            throw rangeError(j, x, "int16");
          }
          data.setShort((long) j * 2, x);
        }
        p.position(pos);
      } else {
        for (int j = row; j < row + k; j++) {
          if (present(j)) {
            int x = nextInt();
            if (x != (short) x) {
              throw rangeError(j, x, "int16");
            }
            v.set(j, x);
          } else {
            v.setNull(j);
          }
        }
      }
      row += k;
    }
  }

  void readInt8(TinyIntVector v, int rows) {
    ArrowBuf data = v.getDataBuffer();
    int row = 0;
    while (row < rows) {
      int k = take(rows - row, row);
      if (plain != null && maxDef == 0) {
        ByteBuffer p = plain;
        int pos = p.position();
        for (int j = row; j < row + k; j++, pos += 4) {
          int x = p.getInt(pos);
          if (x != (byte) x) {
            throw rangeError(j, x, "int8");
          }
          data.setByte(j, x);
        }
        p.position(pos);
      } else {
        for (int j = row; j < row + k; j++) {
          if (present(j)) {
            int x = nextInt();
            if (x != (byte) x) {
              throw rangeError(j, x, "int8");
            }
            v.set(j, x);
          } else {
            v.setNull(j);
          }
        }
      }
      row += k;
    }
  }

  void readFloat(Float4Vector v, int rows) {
    int row = 0;
    while (row < rows) {
      int k = take(rows - row, row);
      for (int j = row; j < row + k; j++) {
        if (present(j)) {
          float x = plain != null ? plain.getFloat() : values.readFloat();
          if (Float.isNaN(x)) {
            throw corrupt(j, "NaN; expected a number or null");
          }
          v.set(j, x);
        } else {
          v.setNull(j);
        }
      }
      row += k;
    }
  }

  void readString(VarCharVector v, int rows) {
    int row = 0;
    while (row < rows) {
      int k = take(rows - row, row);
      for (int j = row; j < row + k; j++) {
        if (present(j)) {
          Binary b = values.readBytes();
          v.setSafe(j, b.getBytes());
        } else {
          v.setNull(j);
        }
      }
      row += k;
    }
  }

  // ---- list<int64>: block hashes ----

  /** Reads {@code rows} lists into the batch's hash vector and offsets; returns the hash count. */
  int readLongLists(RequestBatch batch, int rows) {
    BigIntVector out = batch.hashValuesVector();
    ArrowBuf offsets = batch.hashOffsets();
    int groupDef = maxDef - 1 - (elementOptional ? 1 : 0);
    int count = 0;
    offsets.setInt(0, 0);
    for (int row = 0; row < rows; row++) {
      nextEntry(row);
      if (pendingRep != 0) {
        throw corrupt(row, "list does not start a new row (repetition level " + pendingRep + ")");
      }
      while (true) {
        int d = pendingDef;
        if (d == maxDef) {
          if (count >= out.getValueCapacity()) {
            batch.ensureHashCapacity(count + 1);
            out = batch.hashValuesVector();
          }
          out.set(count++, plain != null ? plain.getLong() : values.readLong());
        } else if (d < groupDef) {
          throw corrupt(row, "null list; expected a list of int64 (empty when the source has no hashes)");
        } else if (d > groupDef) {
          throw corrupt(row, "null element in the list; expected int64 hashes");
        }
        if (!peekContinuation(row)) {
          break;
        }
      }
      offsets.setInt((row + 1L) * Integer.BYTES, count);
    }
    return count;
  }

  private void nextEntry(int row) {
    if (pending) {
      pending = false;
      return;
    }
    readEntry(row);
  }

  /** True if the next entry continues the current row's list (it is then consumed). */
  private boolean peekContinuation(int row) {
    if (chunkRemaining == 0) {
      return false;
    }
    readEntry(row);
    if (pendingRep == 0) {
      pending = true;
      return false;
    }
    return true;
  }

  private void readEntry(int row) {
    while (pageRemaining == 0) {
      nextPage(row);
    }
    pendingRep = rep.next();
    pendingDef = def.next();
    pageRemaining--;
    chunkRemaining--;
  }

  // ---- pages ----

  /** Makes values available; returns how many of {@code want} rows the current page can give. */
  private int take(int want, int row) {
    while (pageRemaining == 0) {
      nextPage(row);
    }
    int k = Math.min(want, pageRemaining);
    pageRemaining -= k;
    chunkRemaining -= k;
    return k;
  }

  private boolean present(int row) {
    if (maxDef == 0) {
      return true;
    }
    if (def.next() == maxDef) {
      return true;
    }
    if (!nullable) {
      throw corrupt(row, "null; this column must hold a value in every row");
    }
    return false;
  }

  private int nextInt() {
    return plain != null ? plain.getInt() : values.readInteger();
  }

  private void nextPage(int row) {
    DataPage page;
    try {
      page = pages.readPage();
    } catch (RuntimeException e) {
      throw damaged(dataPage + 1, "undecodable page (" + Causes.oneLine(e) + ")");
    }
    if (page == null) {
      throw corrupt(row, "column chunk ends before the row group's rows (file truncated or corrupt)");
    }
    dataPage++;
    countPage(page.getCrc().isPresent());
    pageRemaining = page.getValueCount();
    if (pageRemaining < 0 || pageRemaining > chunkRemaining) {
      throw damaged(dataPage, "page header gives " + pageRemaining + " values; " + chunkRemaining
          + " are left in the column chunk");
    }
    if (!(page instanceof DataPageV1) && !(page instanceof DataPageV2)) {
      throw corrupt(row, "unknown data page type " + page.getClass().getSimpleName());
    }
    try {
      if (page instanceof DataPageV1 v1) {
        ByteBufferInputStream in = v1.getBytes().toInputStream();
        rep = maxRep == 0 ? Levels.ZERO : Levels.fromReader(v1.getRlEncoding(), descriptor, ValuesType.REPETITION_LEVEL, pageRemaining, in);
        def = maxDef == 0 ? Levels.ZERO : Levels.fromReader(v1.getDlEncoding(), descriptor, ValuesType.DEFINITION_LEVEL, pageRemaining, in);
        setUpValues(v1.getValueEncoding(), in, pageRemaining);
      } else if (page instanceof DataPageV2 v2) {
        rep = maxRep == 0 ? Levels.ZERO : Levels.rle(maxRep, v2.getRepetitionLevels().toInputStream());
        def = maxDef == 0 ? Levels.ZERO : Levels.rle(maxDef, v2.getDefinitionLevels().toInputStream());
        setUpValues(v2.getDataEncoding(), v2.getData().toInputStream(), pageRemaining - v2.getNullCount());
      }
    } catch (IOException | RuntimeException e) {
      throw damaged(dataPage, "undecodable page (" + Causes.oneLine(e) + ")");
    }
  }

  private void countPage(boolean hasChecksum) {
    pagesRead++;
    if (hasChecksum) {
      pagesWithChecksum++;
    }
  }

  private void setUpValues(Encoding encoding, ByteBufferInputStream in, int count) throws IOException {
    if (encoding == Encoding.PLAIN && plainCapable) {
      plain = in.slice(in.available()).order(ByteOrder.LITTLE_ENDIAN);
      values = null;
      return;
    }
    plain = null;
    if (encoding.usesDictionary()) {
      if (dictionary == null) {
        throw new IOException("dictionary-encoded page without a dictionary page");
      }
      values = encoding.getDictionaryBasedValuesReader(descriptor, ValuesType.VALUES, dictionary);
    } else {
      values = encoding.getValuesReader(descriptor, ValuesType.VALUES);
    }
    values.initFromPage(count, in);
  }

  private TraceFormatException rangeError(int row, int value, String type) {
    return corrupt(row, "value " + value + " does not fit " + type);
  }

  TraceFormatException corrupt(int rowInBatch, String problem) {
    return TraceFormatException.atCell(file, rowGroup, rowBase + rowInBatch, name, problem);
  }

  /** A decoder failure inside the current page: the page's bytes do not decode as its header says. */
  TraceFormatException undecodable(RuntimeException e) {
    return damaged(Math.max(dataPage, 0), "undecodable page (" + Causes.oneLine(e) + ")");
  }

  private TraceFormatException damaged(int page, String problem) {
    return TraceFormatException.atPage(file, rowGroup, name, page, problem);
  }

  /** Advances the row base after a batch of {@code rows}. */
  void advance(int rows) {
    rowBase += rows;
  }

  /** Repetition or definition levels of one page. */
  private interface Levels {
    Levels ZERO = () -> 0;

    int next();

    static Levels fromReader(Encoding encoding, ColumnDescriptor d, ValuesType type, int count,
        ByteBufferInputStream in) throws IOException {
      ValuesReader r = encoding.getValuesReader(d, type);
      r.initFromPage(count, in);
      return r::readInteger;
    }

    static Levels rle(int maxLevel, ByteBufferInputStream in) {
      RunLengthBitPackingHybridDecoder decoder =
          new RunLengthBitPackingHybridDecoder(BytesUtils.getWidthFromMaxInt(maxLevel), in);
      return () -> {
        try {
          return decoder.readInt();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      };
    }
  }
}
