package io.kvflow.trace.parquet;

/** One line out of a decoder's exception and its causes, for the messages of damaged files. */
final class Causes {
  private static final int MAX_DEPTH = 4;
  private static final int MAX_CHARS = 300;

  private Causes() {}

  /**
   * The messages of {@code e} and its causes joined by ": " (with the class name where a message
   * is missing or comes from the JDK's runtime exceptions), repeated ones once, line breaks of any kind turned into spaces, at most 300 characters.
   */
  static String oneLine(Throwable e) {
    StringBuilder out = new StringBuilder();
    String previous = null;
    Throwable t = e;
    for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
      String m = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName()
          : t instanceof RuntimeException && t.getClass().getName().startsWith("java.")
          ? t.getClass().getSimpleName() + " " + t.getMessage() : t.getMessage();
      if (previous != null && previous.contains(m)) {
        continue;
      }
      if (out.length() > 0) {
        out.append(": ");
      }
      out.append(m);
      previous = m;
      if (t.getCause() == t) {
        break;
      }
    }
    String line = out.toString().replaceAll("[\\r\\n\\u0085\\u2028\\u2029]+", " ").strip();
    return line.length() <= MAX_CHARS ? line : line.substring(0, MAX_CHARS) + "...";
  }
}
