package io.kvflow.common;

/**
 * A problem with what the user gave us (a file, an option, a configuration), as opposed to a bug.
 *
 * <p>The message is one line that says what was wrong, where (file, row, column, field) and what
 * is expected; the command line prints it alone and exits with status 2.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
