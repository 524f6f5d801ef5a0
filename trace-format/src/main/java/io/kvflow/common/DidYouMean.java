package io.kvflow.common;

import java.util.Collection;
import java.util.Locale;

/**
 * The closest known name to a mistyped one, for "did you mean" hints. Distance is the optimal
 * string alignment distance (Levenshtein plus adjacent transpositions, Damerau 1964), so
 * {@code replya} is one edit from {@code replay}; a name counts as close when it is at most
 * {@code max(1, min(3, letters / 3))} edits away (letters: the typed length without an option's
 * leading dashes; fewer than 3 get no guess), ties going to the first in the caller's order.
 */
public final class DidYouMean {
  private DidYouMean() {}

  /** The closest of {@code known} to {@code typed}, or null when none is close. */
  public static String closest(String typed, Collection<String> known) {
    if (typed == null || typed.isEmpty()) {
      return null;
    }
    String t = typed.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(t, k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    // leading dashes of an option count for nothing: "-x" is one letter, too short to guess from
    int letters = t.replaceFirst("^-+", "").length();
    if (letters < 3) {
      return null;
    }
    int allowed = Math.max(1, Math.min(3, letters / 3));
    return best != null && bestDistance <= allowed && !best.equals(typed) ? best : null;
  }

  /** "; did you mean 'x'?" for the closest name, or "". */
  public static String hint(String typed, Collection<String> known) {
    String c = closest(typed, known);
    return c == null ? "" : "; did you mean '" + c + "'?";
  }

  /** Optimal string alignment distance between {@code a} and {@code b}. */
  public static int distance(String a, String b) {
    int n = a.length();
    int m = b.length();
    int[][] d = new int[n + 1][m + 1];
    for (int i = 0; i <= n; i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= m; j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= n; i++) {
      for (int j = 1; j <= m; j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[n][m];
  }
}
