package io.kvflow.cli;

import io.kvflow.common.Progress;
import java.io.PrintStream;

/**
 * Progress on stderr for work longer than about two seconds; silent when stderr is not a terminal
 * or with {@code --quiet}. The only wall-clock reads of the product live here.
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

  TerminalProgress(String label, boolean quiet) {
    this.label = label;
    this.enabled = !quiet && System.console() != null;
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
    double seconds = (now - startNs) / 1e9;
    String pct = total > 0 ? String.format(" %5.1f%%", 100.0 * done / total) : "";
    err.printf("\r%s%s  %,d%s  %.0fs   ", label, pct, done, total > 0 ? String.format(" / %,d", total) : "", seconds);
    err.flush();
  }

  @Override
  public void close() {
    if (shown) {
      err.print("\r\033[K");
      err.flush();
    }
  }
}
