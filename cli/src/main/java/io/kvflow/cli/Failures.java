package io.kvflow.cli;

import io.kvflow.common.BadInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns whatever ended a command into its one line on stderr and its exit status: bad input 2;
 * a full disk, a JVM out of memory or stack, any other {@link Error} or internal error 1, each with
 * what to do. Stack traces only with {@code --debug}.
 */
final class Failures {
  private Failures() {}

  /**
   * Prints the line for {@code failure} and returns the exit status; {@code output} is the command's
   * output path (its {@code --out} or {@code -o}), or null.
   */
  static int report(Throwable failure, PrintWriter err, boolean debug, String output) {
    Throwable ex = unwrap(failure);
    int status;
    String line;
    if (ex instanceof BadInputException) {
      status = Main.EXIT_BAD_INPUT;
      line = ex.getMessage();
    } else if (diskFull(ex) != null) {
      status = Main.EXIT_INTERNAL;
      IOException full = diskFull(ex);
      String where = output != null ? output
          : full instanceof FileSystemException fs && fs.getFile() != null ? fs.getFile() : "the output's file system";
      line = "no space left on " + where + "; free some space or write elsewhere (nothing was written there)";
    } else if (ex instanceof OutOfMemoryError oom) {
      status = Main.EXIT_INTERNAL;
      line = "out of memory (" + oom.getMessage() + ", maximum heap " + Runtime.getRuntime().maxMemory() / (1 << 20)
          + " MiB); give the JVM more, e.g. KVFLOW_JAVA_OPTS=-Xmx8g, or a smaller input or option value";
    } else if (ex instanceof StackOverflowError) {
      status = Main.EXIT_INTERNAL;
      line = "stack overflow (input nested too deeply?); give threads a larger stack, e.g. KVFLOW_JAVA_OPTS=-Xss64m, "
          + "or simplify the input";
    } else if (ex instanceof Error) {
      status = Main.EXIT_INTERNAL;
      line = "internal error: " + ex + "; if the JVM ran out of a resource, raise it via KVFLOW_JAVA_OPTS"
          + (debug ? "" : " (run with --debug for the stack trace)");
    } else {
      status = Main.EXIT_INTERNAL;
      line = "internal error: " + ex + (debug ? "" : " (run with --debug for the stack trace)");
    }
    err.println("kvflow: " + TerminalText.escape(line));
    if (debug) {
      failure.printStackTrace(err);
    }
    err.flush();
    return status;
  }

  /** The failure itself, out of the wrappers of threads and futures. */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof ExecutionException || t instanceof CompletionException
        || t instanceof java.lang.reflect.InvocationTargetException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The "no space left on device" (or disk quota) failure in {@code t}'s causes, or null. */
  static IOException diskFull(Throwable t) {
    for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
      if (t instanceof IOException io) {
        String m = io instanceof FileSystemException fs ? fs.getReason() : io.getMessage();
        if (m == null) {
          m = io.getMessage();
        }
        if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
          return io;
        }
      }
    }
    return null;
  }
}
