package io.kvflow.cli;

/** Text from input files made safe to print on a terminal, on one line. */
final class TerminalText {
  private TerminalText() {}

  /**
   * {@code s} as one line that is safe on a terminal: line breaks become spaces; other control
   * characters (terminal escape sequences included), C1 controls, Unicode line and paragraph
   * separators, invisible format characters (bidirectional overrides, zero-width characters) and
   * unpaired surrogates become {@code \\uXXXX}; tabs stay.
   */
  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean unsafe = (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
          || Character.getType(c) == Character.FORMAT || unpairedSurrogate(s, i);
      if (unsafe && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (c == '\n' || c == '\r') {
          b.append(' ');
        } else if (unsafe) {
          b.append(String.format("\\u%04X", (int) c));
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }

  private static boolean unpairedSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    return Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
  }
}
