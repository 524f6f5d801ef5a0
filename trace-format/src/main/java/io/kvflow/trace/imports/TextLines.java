package io.kvflow.trace.imports;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;

/** The lines of a text input with their numbers; read failures become import errors naming the line. */
final class TextLines implements AutoCloseable {
  private final Path input;
  private final BufferedReader reader;
  private long line;

  TextLines(Path input) {
    this.input = input;
    this.reader = InputFiles.openText(input);
  }

  /** The next line without its terminator, or null at the end. */
  String next() {
    try {
      String text = reader.readLine();
      if (text != null) {
        line++;
      }
      return text;
    } catch (IOException e) {
      throw InputFiles.readFailure(input, line + 1, e);
    }
  }

  /** The number of the line last returned (1-based). */
  long number() {
    return line;
  }

  @Override
  public void close() {
    try {
      reader.close();
    } catch (IOException ignored) {
      // read-only input
    }
  }
}
