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

  /**
   * Text from the input, quoted for a message: in single quotes, cut to about 60 characters, control
   * characters, line and paragraph separators and other invisible format characters written as
   * {@code \\uXXXX}, so the message stays one line that shows what the input holds.
   */
  public static String quote(String input) {
    return "'" + abbreviate(input) + "'";
  }

  /** {@code s} cut to about 60 characters, its control and invisible characters escaped ({@link #quote}). */
  static String abbreviate(String s) {
    String cut = s.length() <= 60 ? s : s.substring(0, 57) + "...";
    StringBuilder b = new StringBuilder(cut.length() + 8);
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      int type = Character.getType(c);
      boolean invisible = type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE && !pairedSurrogate(cut, i)
          || type == Character.UNASSIGNED && c >= 0xFFF0;
      if (invisible) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean pairedSurrogate(String s, int i) {
    char c = s.charAt(i);
    return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  public static ImportException atOffset(String file, long offset, String field, String problem) {
    return new ImportException(file + ": byte offset " + offset + (field == null ? "" : ", field " + field) + ": " + problem);
  }
}
