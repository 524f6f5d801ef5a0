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
}
