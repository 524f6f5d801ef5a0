package io.kvflow.trace.imports;

import io.kvflow.common.BadInputException;

/** Input an importer cannot convert: the message names the file, the line (or byte offset) and the field. */
public final class ImportException extends BadInputException {
  private static final long serialVersionUID = 1L;

  public ImportException(String message) {
    super(message);
  }

  public ImportException(String message, Throwable cause) {
    super(message, cause);
  }

  public static ImportException atLine(String file, long line, String field, String problem) {
    return new ImportException(file + ": line " + line + (field == null ? "" : ", field " + field) + ": " + problem);
  }

  public static ImportException atOffset(String file, long offset, String field, String problem) {
    return new ImportException(file + ": byte offset " + offset + (field == null ? "" : ", field " + field) + ": " + problem);
  }
}
