package io.kvflow.cli;

import io.kvflow.common.Progress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr for work longer than about two seconds; silent when stderr is not a terminal
 * or with {@code --quiet}. Shows the share done, the count, the time so far and, once some work
 * is done, the time left at the rate so far; work already done by an earlier run (a resumed sweep's
 * points) counts in the total but not in the rate. The only wall-clock reads of the product live here.
 */
final class TerminalProgress implements Progress, AutoCloseable {
  private static final long SHOW_AFTER_NS = 2_000_000_000L;
  private static final long EVERY_NS = 250_000_000L;

  private final String label;
  private final boolean enabled;
  private final PrintStream err = System.err;
  private final long startNs = System.nanoTime();
  private long lastNs;
  private boolean shown;
  private long resumed;

  TerminalProgress(String label, boolean quiet) {
    this.label = label;
    this.enabled = !quiet && System.console() != null;
  }

  /** {@code n} of the units counted in {@link #update} were done before this run started. */
  TerminalProgress resumed(long n) {
    this.resumed = n;
    return this;
  }

  @Override
  public void update(long done, long total) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - startNs < SHOW_AFTER_NS || now - lastNs < EVERY_NS) {
      return;
    }
    lastNs = now;
    shown = true;
    err.print("\r" + line(label, done, total, resumed, now - startNs) + "   ");
    err.flush();
  }

  /**
   * The progress line: "sweep  77.8%  7 / 9 (6 resumed)  12s, about 8s left". The time left is
   * {@code elapsed x (total - done) / (done - resumed)}, shown once this run has done some work.
   */
  static String line(String label, long done, long total, long resumed, long elapsedNs) {
    StringBuilder b = new StringBuilder(label);
    if (total > 0) {
      b.append(String.format(Locale.ROOT, " %5.1f%%", 100.0 * done / total));
    }
    b.append(String.format(Locale.ROOT, "  %,d", done));
    if (total > 0) {
      b.append(String.format(Locale.ROOT, " / %,d", total));
    }
    if (resumed > 0) {
      b.append(String.format(Locale.ROOT, " (%,d resumed)", resumed));
    }
    double seconds = elapsedNs / 1e9;
    b.append(String.format(Locale.ROOT, "  %.0fs", seconds));
    long doneHere = done - resumed;
    if (total > 0 && doneHere > 0 && done < total) {
      double left = seconds * (total - done) / doneHere;
      b.append(", about ").append(left < 90 ? String.format(Locale.ROOT, "%.0fs", left)
          : left < 5400 ? String.format(Locale.ROOT, "%.0f min", left / 60) : String.format(Locale.ROOT, "%.1f h", left / 3600))
          .append(" left");
    }
    return b.toString();
  }

  @Override
  public void close() {
    if (shown) {
      err.print("\r\033[K");
      err.flush();
    }
  }
}
