package io.kvflow.trace.parquet;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;

/**
 * The pages of one column chunk as stored, read straight from the file: where each page's header
 * and body lie and whether the body's CRC32 matches the checksum in its header.
 *
 * <p>The reader itself verifies checksums as parquet-java loads a row group (before any page is
 * decoded, on every read path); when a row group fails to load, this walk names the column and page
 * at fault. Tests use it to aim mutations at pages. Data pages are numbered from 0 within the
 * chunk; the dictionary page is page -1.
 */
final class PageWalk {
  /** The problem page of a problem with the chunk as a whole. */
  static final int WHOLE_CHUNK = Integer.MIN_VALUE;

  private static final int TRAILER_BYTES = 8; // footer length and the closing PAR1

  /**
   * One page of {@code column} (its top-level name) in row group {@code rowGroup}: header at
   * {@code headerStart}, body of {@code bodyBytes} at {@code bodyStart}.
   */
  record Span(int rowGroup, String column, int page, PageType type, long headerStart, long bodyStart, int bodyBytes,
      boolean hasCrc) {}

  /**
   * The walk of one chunk: its pages up to the first problem, and that problem (null when none)
   * with the number of the page it concerns.
   */
  record Result(List<Span> pages, String problem, int problemPage) {
    boolean ok() {
      return problem == null;
    }
  }

  private PageWalk() {}

  /** Walks {@code chunk} of row group {@code rowGroup} in {@code file} (of {@code fileBytes} bytes), checking every page. */
  static Result walk(FileChannel file, long fileBytes, int rowGroup, ColumnChunkMetaData chunk) throws IOException {
    List<Span> pages = new ArrayList<>();
    String column = chunk.getPath().toArray()[0];
    long start = chunk.getStartingPos();
    long size = chunk.getTotalSize();
    if (start < 4 || size <= 0 || start > fileBytes - TRAILER_BYTES - size) {
      return new Result(pages, "the footer places the column chunk at bytes [" + start + ", " + (start + size)
          + ") of a " + fileBytes + "-byte file", WHOLE_CHUNK);
    }
    CountingStream in = new CountingStream(new BufferedInputStream(new ChannelStream(file, start, size), 1 << 16));
    CRC32 crc = new CRC32();
    byte[] buffer = new byte[1 << 16];
    long values = 0;
    int dataPages = 0;
    boolean dictionarySeen = false;
    while (values < chunk.getValueCount()) {
      long headerStart = start + in.count;
      if (in.count >= size) {
        return new Result(pages, "the column chunk ends after " + values + " of its " + chunk.getValueCount()
            + " values", WHOLE_CHUNK);
      }
      PageHeader header;
      try {
        header = Util.readPageHeader(in);
      } catch (IOException | RuntimeException e) {
        return new Result(pages, headerProblem(e), dataPages);
      }
      long bodyStart = start + in.count;
      int body = header.getCompressed_page_size();
      PageType type = header.getType();
      boolean dictionary = type == PageType.DICTIONARY_PAGE;
      int number = dictionary ? -1 : dataPages;
      if (body < 0 || body > size - in.count) {
        return new Result(pages, "page header gives a body of " + body + " bytes; " + (size - in.count)
            + " bytes of the column chunk are left", number);
      }
      if (dictionary && dictionarySeen) {
        return new Result(pages, "a second dictionary page in the column chunk", number);
      }
      pages.add(new Span(rowGroup, column, number, type, headerStart, bodyStart, body, header.isSetCrc()));
      crc.reset();
      for (int left = body; left > 0; ) {
        int n = in.read(buffer, 0, Math.min(left, buffer.length));
        if (n < 0) {
          return new Result(pages, "file ends inside the page", number);
        }
        crc.update(buffer, 0, n);
        left -= n;
      }
      if (header.isSetCrc() && (int) crc.getValue() != header.getCrc()) {
        return new Result(pages, String.format("CRC32 checksum mismatch (stored %08x, computed %08x)",
            header.getCrc(), (int) crc.getValue()), number);
      }
      if (type == PageType.DATA_PAGE && header.isSetData_page_header()) {
        values += header.getData_page_header().getNum_values();
        dataPages++;
      } else if (type == PageType.DATA_PAGE_V2 && header.isSetData_page_header_v2()) {
        values += header.getData_page_header_v2().getNum_values();
        dataPages++;
      } else if (dictionary) {
        dictionarySeen = true;
      } else if (type == PageType.DATA_PAGE || type == PageType.DATA_PAGE_V2) {
        return new Result(pages, "data page without its data page header", number);
      }
    }
    if (values != chunk.getValueCount()) {
      return new Result(pages, "the pages hold " + values + " values; the footer says " + chunk.getValueCount(),
          WHOLE_CHUNK);
    }
    return new Result(pages, null, 0);
  }

  /** Thrift's words for an unreadable header, without its class names and object dumps. */
  private static String headerProblem(Exception e) {
    String m = Causes.oneLine(e).replace("can not read class org.apache.parquet.format.PageHeader: ", "");
    if (m.contains("Socket is closed by peer")) {
      return "the column chunk ends inside a page header";
    }
    int dump = m.indexOf(" Struct:");
    return "unreadable page header (" + (dump < 0 ? m : m.substring(0, dump)) + ")";
  }

  /** Reads {@code length} bytes of a channel from {@code position}, without moving the channel. */
  private static final class ChannelStream extends InputStream {
    private final FileChannel channel;
    private long position;
    private long left;

    ChannelStream(FileChannel channel, long position, long length) {
      this.channel = channel;
      this.position = position;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, left)), position);
      if (n <= 0) {
        return -1;
      }
      position += n;
      left -= n;
      return n;
    }
  }

  /** Counts the bytes taken from the stream. */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long k = in.skip(n);
      count += k;
      return k;
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
