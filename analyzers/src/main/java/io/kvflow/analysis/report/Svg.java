package io.kvflow.analysis.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Inline-SVG charts that scale to the page (no scripts, no external resources): line charts,
 * grouped bars and heatmaps, with axis titles that carry their unit, log axes where ranges span
 * decades, and legends laid out below the plot in rows that fit. Every label passes through
 * {@link Html#escape}.
 */
final class Svg {
  static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf",
      "#e377c2", "#7f7f7f", "#bcbd22"};
  /** The drawing's coordinate width; the element itself is as wide as its column. */
  private static final int W = 720;
  private static final int PLOT_H = 300;
  private static final int L = 86;
  private static final int R = 24;
  private static final int T = 16;
  private static final int B = 58;
  private static final int FONT = 12;
  /** Width of a character at {@link #FONT}, an upper bound for sans-serif, used to lay legends out. */
  private static final double CHAR_W = 7.2;
  private static final int LEGEND_ROW = 18;
  private static final int LEGEND_NAME_CHARS = 44;
  private static final int MAX_LEGEND_ENTRIES = 24;

  private Svg() {}

  /** A named series of (x, y) points. */
  record Series(String name, List<double[]> points) {}

  /**
   * An axis: the quantity it shows, its unit (ticks in one scale chosen from the data, named in the
   * title), a name for counted things ("blocks"), and whether it is logarithmic.
   */
  record Axis(String name, Unit unit, String countOf, boolean log) {
    static Axis of(String name, Unit unit, boolean log) {
      return new Axis(name, unit, null, log);
    }

    static Axis counting(String name, String countOf, boolean log) {
      return new Axis(name, Unit.COUNT, countOf, log);
    }
  }

  /** The x axis of an HdrHistogram-style percentile plot: x = 1 / (1 - p), ticks labelled as percentiles. */
  static final Axis PERCENTILE = new Axis("percentile", Unit.PERCENT, null, true);

  /** A scale for tick labels: divide by {@code divisor}, name it {@code suffix} in the axis title. */
  private record Scale(double divisor, String suffix) {}

  private static Scale scale(Axis a, double max) {
    double m = Math.abs(max);
    return switch (a.unit()) {
      case NS -> m >= 3600e9 ? new Scale(3600e9, "h") : m >= 60e9 ? new Scale(60e9, "min") : m >= 1e9 ? new Scale(1e9, "s")
          : m >= 1e6 ? new Scale(1e6, "ms") : m >= 1e3 ? new Scale(1e3, "\u00b5s") : new Scale(1, "ns");
      case BYTES, BYTES_PER_S -> {
        String[] p = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int i = 0;
        double d = 1;
        while (m >= d * 1024 && i < p.length - 1) {
          d *= 1024;
          i++;
        }
        yield new Scale(d, a.unit() == Unit.BYTES_PER_S ? p[i] + "/s" : p[i]);
      }
      case COUNT -> new Scale(1, a.countOf() == null ? "count" : a.countOf());
      case RATIO -> new Scale(1, "ratio, 0 to 1");
      case PERCENT -> new Scale(1, "%");
      case PLAIN -> new Scale(1, a.countOf() == null ? "value" : a.countOf());
    };
  }

  private static String title(Axis a, Scale s) {
    if (selfLabelled(a)) {
      return a.name() + " (" + (a.unit() == Unit.NS ? "time" : a.unit().label()) + ", log scale)";
    }
    return a.name() + " (" + s.suffix() + (a.log() ? ", log scale" : "") + ")";
  }

  /** A log axis of times or bytes labels each tick in its own unit ("500 \u00b5s", "2 ms", "16 GiB"). */
  private static boolean selfLabelled(Axis a) {
    return a.log() && a != PERCENTILE && (a.unit() == Unit.NS || a.unit() == Unit.BYTES || a.unit() == Unit.BYTES_PER_S);
  }

  /** A tick label without trailing zeros ("50 ms", "2.5 GiB", "99.99%"). */
  private static String tick(Axis a, Scale s, double v) {
    return tickText(a, s, v).replaceAll("(\\.\\d*?)0+(?=[^0-9]|$)", "$1").replaceAll("\\.(?=[^0-9]|$)", "");
  }

  private static String tickText(Axis a, Scale s, double v) {
    if (a == PERCENTILE) {
      double p = 100 * (1 - 1 / v);
      return p >= 99.99 ? String.format(Locale.ROOT, "%.3f%%", p) : p >= 99.9 ? String.format(Locale.ROOT, "%.2f%%", p)
          : p >= 99 ? String.format(Locale.ROOT, "%.1f%%", p) : String.format(Locale.ROOT, "%.0f%%", p);
    }
    if (selfLabelled(a)) {
      return a.unit().format(v);
    }
    if (a.unit() == Unit.RATIO) {
      return Unit.ratio(v);
    }
    double x = v / s.divisor();
    // large counts compactly, so that tick labels fit the margin: 12M, 3.5G
    return Math.abs(x) >= 1e9 ? Unit.sig3(x / 1e9) + "G" : Math.abs(x) >= 1e6 ? Unit.sig3(x / 1e6) + "M" : Unit.plain(x);
  }

  /** A line chart of one or more series. */
  static String lines(String title, Axis x, Axis y, List<Series> series) {
    double[] xr = range(series, 0, x.log());
    double[] yr = range(series, 1, y.log());
    List<String> names = series.stream().map(Series::name).toList();
    Frame f = open(title, names, series.size() > 1);
    if (xr == null || yr == null) {
      return noData(f);
    }
    if (!y.log() && y.unit() != Unit.RATIO) {
      yr[0] = Math.min(0, yr[0]);
    } else if (y.unit() == Unit.RATIO && !y.log()) {
      yr[0] = 0;
      yr[1] = Math.max(yr[1], Math.min(1, yr[1] * 1.05));
    }
    pad(xr, x.log());
    pad(yr, y.log());
    axes(f.sb, x, xr, y, yr, null);
    for (int c = 0; c < series.size(); c++) {
      StringBuilder path = new StringBuilder();
      int drawn = 0;
      for (double[] p : series.get(c).points()) {
        if (!usable(p[0], x.log()) || !usable(p[1], y.log())) {
          continue;
        }
        path.append(drawn++ == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px(p[0], xr, x.log()),
            py(p[1], yr, y.log())));
      }
      String color = COLORS[c % COLORS.length];
      f.sb.append("<path class=\"series\" d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(color)
          .append("\" stroke-width=\"2\"><title>").append(Html.escape(series.get(c).name())).append("</title></path>");
      if (drawn == 1) {
        f.sb.append(String.format(Locale.ROOT, "<circle cx=\"%s\" r=\"3\" fill=\"%s\"/>", path.substring(1).replace(" ",
            "\" cy=\""), color));
      }
    }
    return close(f);
  }

  /**
   * Grouped bars: one group per category, one bar per series; a missing value (NaN) draws no bar
   * and shows "-". On a log axis bars rise from the axis' lower end.
   */
  static String bars(String title, Axis y, String categoryTitle, List<String> categories, List<Series> series) {
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (Series s : series) {
      for (double[] p : s.points()) {
        if (usable(p[1], y.log())) {
          lo = Math.min(lo, p[1]);
          hi = Math.max(hi, p[1]);
        }
      }
    }
    Frame f = open(title, series.stream().map(Series::name).toList(), series.size() > 1);
    if (lo > hi || categories.isEmpty()) {
      return noData(f);
    }
    // on a log axis bars rise from a quarter of the smallest value, so that every bar shows
    double[] yr = y.log() ? new double[] {lo / 4, hi * 1.2} : new double[] {Math.min(0, lo), hi};
    pad(yr, y.log());
    axes(f.sb, null, null, y, yr, categoryTitle);
    double groupW = (double) (W - L - R) / categories.size();
    double barW = groupW * 0.8 / Math.max(1, series.size());
    int every = Math.max(1, (int) Math.ceil(categories.size() / Math.max(1.0, (W - L - R) / (CHAR_W * 12))));
    for (int g = 0; g < categories.size(); g++) {
      double gx = L + g * groupW + groupW * 0.1;
      for (int s = 0; s < series.size(); s++) {
        List<double[]> pts = series.get(s).points();
        double v = g < pts.size() ? pts.get(g)[1] : Double.NaN;
        String label = Html.escape(series.get(s).name() + ", " + categories.get(g) + ": " + y.unit().format(v));
        if (!usable(v, y.log())) {
          // "-": never recorded; "0": a zero a log axis cannot draw
          f.sb.append(String.format(Locale.ROOT, "<text class=\"missing\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">%s<title>%s</title></text>",
              gx + s * barW + barW / 2, T + PLOT_H - 4, Double.isFinite(v) ? "0" : "-", label));
          continue;
        }
        double top = py(v, yr, y.log());
        double base = y.log() ? T + PLOT_H : py(0, yr, false);
        f.sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>",
            gx + s * barW, Math.min(top, base), Math.max(0.5, barW * 0.92), Math.max(0.5, Math.abs(base - top)),
            COLORS[s % COLORS.length], label));
      }
      if (g % every == 0) {
        f.sb.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s</text>",
            L + g * groupW + groupW / 2, T + PLOT_H + 16, Html.escape(shorten(categories.get(g),
                (int) Math.max(4, groupW * every / CHAR_W - 1)))));
      }
    }
    return close(f);
  }

  /** A heatmap: rows y, columns x, a cell's colour and text its value; null (NaN) cells show "-". */
  static String heatmap(String title, String xTitle, List<String> xs, String yTitle, List<String> ys, double[][] cells,
      Unit z, String zTitle) {
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (double[] row : cells) {
      for (double v : row) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    Frame f = open(title, List.of(), false);
    if (xs.isEmpty() || ys.isEmpty()) {
      return noData(f);
    }
    double cw = (double) (W - L - R) / xs.size();
    double ch = (double) PLOT_H / ys.size();
    for (int r = 0; r < ys.size(); r++) {
      for (int c = 0; c < xs.size(); c++) {
        double v = r < cells.length && c < cells[r].length ? cells[r][c] : Double.NaN;
        double t = Double.isFinite(v) ? (hi > lo ? (v - lo) / (hi - lo) : 1) : -1;
        String fill = t < 0 ? "#f4f4f4" : shade(t);
        double x = L + c * cw;
        double yy = T + (ys.size() - 1 - r) * ch;
        f.sb.append(String.format(Locale.ROOT, "<rect class=\"cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"#fff\"><title>%s</title></rect>",
            x, yy, cw, ch, fill, Html.escape(yTitle + " " + ys.get(r) + ", " + xTitle + " " + xs.get(c) + ": "
                + z.format(v))));
        String text = z.format(v);
        if (text.length() * CHAR_W * 0.9 < cw - 2 && ch >= 14) {
          f.sb.append(String.format(Locale.ROOT, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" fill=\"%s\">%s</text>",
              x + cw / 2, yy + ch / 2 + 4, t > 0.6 ? "#fff" : "#222", Html.escape(text)));
        }
      }
    }
    int everyX = Math.max(1, (int) Math.ceil(xs.size() / Math.max(1.0, (W - L - R) / (CHAR_W * 10))));
    for (int c = 0; c < xs.size(); c += everyX) {
      f.sb.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s</text>",
          L + c * cw + cw / 2, T + PLOT_H + 16, Html.escape(shorten(xs.get(c), (int) Math.max(4, cw * everyX / CHAR_W - 1)))));
    }
    int everyY = Math.max(1, (int) Math.ceil(ys.size() * 16.0 / PLOT_H));
    for (int r = 0; r < ys.size(); r += everyY) {
      f.sb.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>",
          L - 6, T + (ys.size() - 1 - r) * ch + ch / 2 + 4, Html.escape(shorten(ys.get(r), 10))));
    }
    axisTitles(f.sb, xTitle, yTitle);
    f.sb.append(String.format(Locale.ROOT, "<text class=\"scale\" x=\"%d\" y=\"%d\" font-size=\"11\">%s: %s (light) to %s (dark); - not computed</text>",
        L, T + PLOT_H + 52, Html.escape(zTitle), Html.escape(z.format(lo)), Html.escape(z.format(hi))));
    return close(f);
  }

  private static String shade(double t) {
    // white-to-blue, monotone in lightness
    int r = (int) Math.round(235 - t * (235 - 8));
    int g = (int) Math.round(243 - t * (243 - 69));
    int b = (int) Math.round(255 - t * (255 - 148));
    return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
  }

  /** The SVG under construction, with the legend's height already known. */
  private record Frame(StringBuilder sb, int height) {}

  private static Frame open(String title, List<String> legend, boolean showLegend) {
    List<String> shown = showLegend ? legend : List.of();
    List<int[]> layout = legendLayout(shown);
    int rows = layout.isEmpty() ? 0 : layout.get(layout.size() - 1)[1] + 1;
    boolean more = shown.size() > MAX_LEGEND_ENTRIES;
    int height = T + PLOT_H + B + (rows + (more ? 1 : 0)) * LEGEND_ROW + (rows > 0 ? 6 : 0);
    StringBuilder sb = new StringBuilder();
    sb.append("<figure class=\"chart\"><figcaption>").append(Html.escape(title)).append("</figcaption>");
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(W).append(' ').append(height)
        .append("\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" font-family=\"sans-serif\" font-size=\"")
        .append(FONT).append("\"><title>").append(Html.escape(title)).append("</title>");
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    int top = T + PLOT_H + B + 4;
    for (int i = 0; i < layout.size(); i++) {
      int[] pos = layout.get(i);
      String color = COLORS[i % COLORS.length];
      int y = top + pos[1] * LEGEND_ROW;
      sb.append(String.format(Locale.ROOT, "<g class=\"legend\"><rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
          + "<text x=\"%d\" y=\"%d\" font-size=\"%d\">%s<title>%s</title></text></g>", pos[0], y + 6, color, pos[0] + 18, y + 11,
          FONT - 1, Html.escape(shorten(shown.get(i), LEGEND_NAME_CHARS)), Html.escape(shown.get(i))));
    }
    if (more) {
      sb.append(String.format(Locale.ROOT, "<text class=\"legend\" x=\"%d\" y=\"%d\" font-size=\"%d\">+%d more series (see the tables)</text>",
          L, top + rows * LEGEND_ROW + 11, FONT - 1, shown.size() - MAX_LEGEND_ENTRIES));
    }
    return new Frame(sb, height);
  }

  /** x and row of each legend entry, filling rows left to right within the drawing's width. */
  private static List<int[]> legendLayout(List<String> names) {
    List<int[]> out = new ArrayList<>();
    int x = L;
    int row = 0;
    for (int i = 0; i < Math.min(names.size(), MAX_LEGEND_ENTRIES); i++) {
      int w = (int) Math.ceil(18 + shorten(names.get(i), LEGEND_NAME_CHARS).length() * CHAR_W + 16);
      if (x > L && x + w > W - 4) {
        x = L;
        row++;
      }
      out.add(new int[] {x, row});
      x += w;
    }
    return out;
  }

  static String shorten(String s, int chars) {
    return s.length() <= chars ? s : s.substring(0, Math.max(1, chars - 1)) + "\u2026";
  }

  private static String noData(Frame f) {
    f.sb.append("<text class=\"nodata\" x=\"").append(W / 2).append("\" y=\"").append(T + PLOT_H / 2)
        .append("\" text-anchor=\"middle\">no data</text>");
    return close(f);
  }

  private static String close(Frame f) {
    return f.sb.append("</svg></figure>").toString();
  }

  private static boolean usable(double v, boolean log) {
    return Double.isFinite(v) && (!log || v > 0);
  }

  private static double[] range(List<Series> series, int k, boolean log) {
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (Series s : series) {
      for (double[] p : s.points()) {
        if (usable(p[0], false) && usable(p[1], false) && usable(p[k], log)) {
          lo = Math.min(lo, p[k]);
          hi = Math.max(hi, p[k]);
        }
      }
    }
    return lo > hi ? null : new double[] {lo, hi};
  }

  private static void pad(double[] r, boolean log) {
    if (r[1] > r[0]) {
      return;
    }
    if (log) {
      r[0] /= 2;
      r[1] *= 2;
    } else {
      double d = Math.max(1e-9, Math.abs(r[0]) * 0.1);
      r[0] -= r[0] == 0 ? 0 : d;
      r[1] += r[0] == 0 && r[1] == 0 ? 1 : d;
    }
  }

  private static double frac(double v, double[] r, boolean log) {
    return log ? (Math.log10(v) - Math.log10(r[0])) / Math.max(1e-12, Math.log10(r[1]) - Math.log10(r[0]))
        : (v - r[0]) / Math.max(1e-300, r[1] - r[0]);
  }

  private static double px(double x, double[] r, boolean log) {
    return L + frac(x, r, log) * (W - L - R);
  }

  private static double py(double y, double[] r, boolean log) {
    return T + PLOT_H - frac(y, r, log) * PLOT_H;
  }

  /** Frame, grid, ticks and titles; {@code x == null} draws a category axis titled {@code categoryTitle}. */
  private static void axes(StringBuilder sb, Axis x, double[] xr, Axis y, double[] yr, String categoryTitle) {
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", L, T + PLOT_H, W - R,
        T + PLOT_H));
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", L, T, L, T + PLOT_H));
    Scale ys = scale(y, Math.max(Math.abs(yr[0]), Math.abs(yr[1])));
    for (double t : ticks(yr, y.log(), y.unit())) {
      double yy = py(t, yr, y.log());
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>", L, yy, W - R, yy));
      sb.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>",
          L - 6, yy + 4, Html.escape(tick(y, ys, t))));
    }
    String xTitle = categoryTitle;
    if (x != null) {
      Scale xs = scale(x, Math.max(Math.abs(xr[0]), Math.abs(xr[1])));
      List<Double> ticks = ticks(xr, x.log(), x.unit());
      int every = Math.max(1, (int) Math.ceil(ticks.size() * 9 * CHAR_W / (W - L - R)));
      for (int i = 0; i < ticks.size(); i++) {
        double xx = px(ticks.get(i), xr, x.log());
        sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e6e6e6\"/>", xx, T, xx,
            T + PLOT_H));
        if (i % every == 0) {
          sb.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s</text>",
              xx, T + PLOT_H + 16, Html.escape(tick(x, xs, ticks.get(i)))));
        }
      }
      xTitle = title(x, xs);
    }
    axisTitles(sb, xTitle, title(y, ys));
  }

  private static void axisTitles(StringBuilder sb, String xTitle, String yTitle) {
    sb.append("<text class=\"axis-title\" x=\"").append((W + L) / 2).append("\" y=\"").append(T + PLOT_H + 40)
        .append("\" text-anchor=\"middle\">").append(Html.escape(xTitle)).append("</text>");
    sb.append("<text class=\"axis-title\" transform=\"rotate(-90)\" x=\"").append(-(T + PLOT_H / 2)).append("\" y=\"16\" text-anchor=\"middle\">")
        .append(Html.escape(yTitle)).append("</text>");
  }

  /**
   * Log axes: powers of 10 (of 1024 for bytes), with intermediate multiples where few decades show;
   * linear axes, or a log axis too narrow for two such ticks: a 1-2-5 step of at most 8 ticks.
   */
  private static List<Double> ticks(double[] r, boolean log, Unit unit) {
    List<Double> out = new ArrayList<>();
    if (log) {
      boolean binary = unit == Unit.BYTES || unit == Unit.BYTES_PER_S;
      double base = binary ? 1024 : 10;
      double span = (Math.log(r[1]) - Math.log(r[0])) / Math.log(base);
      double[][] choices = binary ? new double[][] {{1}, {1, 4, 16, 64, 256}, {1, 2, 4, 8, 16, 32, 64, 128, 256, 512}}
          : new double[][] {{1}, {1, 2, 5}, {1, 1.5, 2, 3, 5, 7}};
      for (double[] mult : choices) {
        out.clear();
        double d = Math.pow(base, Math.floor(Math.log(r[0]) / Math.log(base)));
        for (; d <= r[1] * 1.0001 && out.size() < 80; d *= base) {
          for (double m : mult) {
            double v = d * m;
            if (v >= r[0] * 0.9999 && v <= r[1] * 1.0001) {
              out.add(v);
            }
          }
        }
        if (out.size() >= 3 || (out.size() >= 2 && span >= 2)) {
          return thin(out, 9);
        }
      }
    }
    out.clear();
    double span = r[1] - r[0];
    double base = Math.pow(10, Math.floor(Math.log10(span / 5)));
    double step = base;
    for (double m : new double[] {1, 2, 5, 10, 20}) {
      step = base * m;
      if (span / step <= 8) {
        break;
      }
    }
    double first = Math.ceil(r[0] / step) * step;
    for (int i = 0; i < 50; i++) {
      double v = first + i * step;
      if (v > r[1] + step * 1e-6) {
        break;
      }
      out.add(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return out;
  }

  /** Every k-th tick so that at most {@code max} remain. */
  private static List<Double> thin(List<Double> ticks, int max) {
    if (ticks.size() <= max) {
      return ticks;
    }
    int every = (ticks.size() + max - 1) / max;
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < ticks.size(); i += every) {
      out.add(ticks.get(i));
    }
    return out;
  }
}
