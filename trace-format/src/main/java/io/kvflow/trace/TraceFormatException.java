package io.kvflow.trace;

import io.kvflow.common.BadInputException;

/** A trace file that breaks schema v1: the message names file, row group, row and column. */
public final class TraceFormatException extends BadInputException {
  private static final long serialVersionUID = 1L;

  public TraceFormatException(String message) {
    super(message);
  }

  public TraceFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A value rule broken at one cell. */
  public static TraceFormatException atCell(String file, int rowGroup, long row, String column, String problem) {
    return new TraceFormatException(
        file + ": row group " + rowGroup + ", row " + row + ", column " + column + ": " + problem);
  }

  /**
   * A damaged page: {@code page} numbers the column chunk's data pages from 0, or is -1 for its
   * dictionary page. The message ends with what to do about a damaged file.
   */
  public static TraceFormatException atPage(String file, int rowGroup, String column, int page, String problem) {
    return atChunk(file, rowGroup, column + ", " + pageName(page), problem);
  }

  /** A damaged column chunk (the problem is not one page's). */
  public static TraceFormatException atChunk(String file, int rowGroup, String column, String problem) {
    return new TraceFormatException(file + ": row group " + rowGroup + ", column " + column + ": " + problem
        + "; the file is damaged (on disk or in transfer): write it again or copy it again from a good source");
  }

  /** "page 3", or "dictionary page" for -1. */
  public static String pageName(int page) {
    return page < 0 ? "dictionary page" : "page " + page;
  }
}
