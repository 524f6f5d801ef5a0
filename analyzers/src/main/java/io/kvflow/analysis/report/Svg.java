package io.kvflow.analysis.report;

import java.util.List;
import java.util.Locale;

/** Small inline-SVG charts (no scripts, no external resources). Every label passes through {@link Html#escape}. */
final class Svg {
  static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"};
  private static final int W = 640;
  private static final int H = 320;
  private static final int L = 70;
  private static final int R = 20;
  private static final int T = 20;
  private static final int B = 50;
  /** Width of the legend column right of the plot, where there is more than one series. */
  private static final int LEGEND = 250;
  private static final int LEGEND_ROWS = 17;

  private Svg() {}

  /** A named series of (x, y) points. */
  record Series(String name, List<double[]> points) {}

  static String fmt(double v) {
    if (v == 0) {
      return "0";
    }
    double a = Math.abs(v);
    if (a >= 1e12) {
      return String.format(Locale.ROOT, "%.1fT", v / 1e12);
    }
    if (a >= 1e9) {
      return String.format(Locale.ROOT, "%.1fG", v / 1e9);
    }
    if (a >= 1e6) {
      return String.format(Locale.ROOT, "%.1fM", v / 1e6);
    }
    if (a >= 1e3) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static double tx(double x, double lo, double hi, boolean log) {
    double f = log ? (Math.log10(x) - Math.log10(lo)) / Math.max(1e-12, Math.log10(hi) - Math.log10(lo))
        : (x - lo) / Math.max(1e-12, hi - lo);
    return L + f * (W - L - R);
  }

  private static double ty(double y, double lo, double hi, boolean log) {
    double f = log ? (Math.log10(y) - Math.log10(lo)) / Math.max(1e-12, Math.log10(hi) - Math.log10(lo))
        : (y - lo) / Math.max(1e-12, hi - lo);
    return H - B - f * (H - T - B);
  }

  /** A line chart; logX/logY use decade ticks. */
  static String lines(String title, String xLabel, String yLabel, List<Series> series, boolean logX, boolean logY) {
    double xlo = Double.MAX_VALUE;
    double xhi = -Double.MAX_VALUE;
    double ylo = Double.MAX_VALUE;
    double yhi = -Double.MAX_VALUE;
    for (Series s : series) {
      for (double[] p : s.points()) {
        if ((logX && p[0] <= 0) || (logY && p[1] <= 0)) {
          continue;
        }
        xlo = Math.min(xlo, p[0]);
        xhi = Math.max(xhi, p[0]);
        ylo = Math.min(ylo, p[1]);
        yhi = Math.max(yhi, p[1]);
      }
    }
    boolean legend = series.size() > 1;
    StringBuilder sb = open(title, legend ? W + LEGEND : W);
    if (xlo > xhi) {
      sb.append("<text x=\"").append(W / 2).append("\" y=\"").append(H / 2).append("\" text-anchor=\"middle\">no data</text>");
      return close(sb);
    }
    if (!logY) {
      ylo = Math.min(0, ylo);
    }
    if (xhi <= xlo) {
      xhi = xlo + Math.max(1, Math.abs(xlo) * 0.1);
    }
    if (yhi <= ylo) {
      yhi = ylo + Math.max(1, Math.abs(ylo) * 0.1);
    }
    axes(sb, xlo, xhi, ylo, yhi, logX, logY, xLabel, yLabel, true);
    int c = 0;
    for (Series s : series) {
      StringBuilder path = new StringBuilder();
      for (double[] p : s.points()) {
        if ((logX && p[0] <= 0) || (logY && p[1] <= 0)) {
          continue;
        }
        path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f",
            tx(p[0], xlo, xhi, logX), ty(p[1], ylo, yhi, logY)));
      }
      String color = COLORS[c % COLORS.length];
      sb.append("<path class=\"series\" d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(color)
          .append("\" stroke-width=\"2\"/>");
      if (!legend) {
        sb.append("<text x=\"").append(L + 10).append("\" y=\"").append(T + 14).append("\" fill=\"").append(color)
            .append("\">").append(Html.escape(s.name())).append("</text>");
      } else if (c < LEGEND_ROWS) {
        sb.append("<text x=\"").append(W).append("\" y=\"").append(T + 12 + 16 * c).append("\" font-size=\"11\" fill=\"")
            .append(color).append("\">").append(Html.escape(s.name())).append("</text>");
      } else if (c == LEGEND_ROWS) {
        sb.append("<text x=\"").append(W).append("\" y=\"").append(T + 12 + 16 * c).append("\" font-size=\"11\">+")
            .append(series.size() - LEGEND_ROWS).append(" more</text>");
      }
      c++;
    }
    return close(sb);
  }

  /** Grouped bars: one group per category, one bar per series. */
  static String bars(String title, String yLabel, List<String> categories, List<Series> series) {
    double yhi = 0;
    for (Series s : series) {
      for (double[] p : s.points()) {
        yhi = Math.max(yhi, p[1]);
      }
    }
    StringBuilder sb = open(title, series.size() > 1 ? W + LEGEND : W);
    if (yhi <= 0) {
      yhi = 1;
    }
    axes(sb, 0, categories.size(), 0, yhi, false, false, "", yLabel, false);
    double groupW = (double) (W - L - R) / Math.max(1, categories.size());
    double barW = groupW * 0.8 / Math.max(1, series.size());
    for (int g = 0; g < categories.size(); g++) {
      double gx = L + g * groupW + groupW * 0.1;
      for (int s = 0; s < series.size(); s++) {
        double v = s < series.size() && g < series.get(s).points().size() ? series.get(s).points().get(g)[1] : 0;
        double y = ty(v, 0, yhi, false);
        sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>",
            gx + s * barW, y, barW * 0.95, H - B - y, COLORS[s % COLORS.length], Html.escape(series.get(s).name()), fmt(v)));
      }
      // every k-th category's label, so that labels never overlap
      if (g % ((categories.size() + 7) / 8) == 0) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", gx + groupW * 0.4,
            H - B + 16, Html.escape(categories.get(g))));
      }
    }
    for (int s = 0; s < series.size(); s++) {
      sb.append("<text x=\"").append(series.size() > 1 ? W : W - R - 150).append("\" y=\"").append(T + 14 + 16 * s).append("\" fill=\"")
          .append(COLORS[s % COLORS.length]).append("\">").append(Html.escape(series.get(s).name())).append("</text>");
    }
    return close(sb);
  }

  private static StringBuilder open(String title, int width) {
    StringBuilder sb = new StringBuilder();
    sb.append("<figure><figcaption>").append(Html.escape(title)).append("</figcaption>");
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(H)
        .append("\" viewBox=\"0 0 ").append(width).append(' ').append(H).append("\" role=\"img\">");
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    return sb;
  }

  private static String close(StringBuilder sb) {
    return sb.append("</svg></figure>").toString();
  }

  private static void axes(StringBuilder sb, double xlo, double xhi, double ylo, double yhi, boolean logX, boolean logY,
      String xLabel, String yLabel, boolean xTicks) {
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", L, H - B, W - R, H - B));
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", L, T, L, H - B));
    for (double[] t : xTicks ? ticks(xlo, xhi, logX) : List.<double[]>of()) {
      double x = tx(t[0], xlo, xhi, logX);
      sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>", x, T, x, H - B));
      sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s</text>", x,
          H - B + 30, fmt(t[0])));
    }
    for (double[] t : ticks(ylo, yhi, logY)) {
      double y = ty(t[0], ylo, yhi, logY);
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", L, y, W - R, y));
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>", L - 6,
          y + 4, fmt(t[0])));
    }
    sb.append("<text x=\"").append((W + L) / 2).append("\" y=\"").append(H - 6).append("\" text-anchor=\"middle\">")
        .append(Html.escape(xLabel)).append("</text>");
    sb.append("<text transform=\"rotate(-90)\" x=\"").append(-(H - B + T) / 2).append("\" y=\"14\" text-anchor=\"middle\">")
        .append(Html.escape(yLabel)).append("</text>");
  }

  private static List<double[]> ticks(double lo, double hi, boolean log) {
    java.util.ArrayList<double[]> out = new java.util.ArrayList<>();
    if (log) {
      for (double d = Math.pow(10, Math.floor(Math.log10(lo))); d <= hi * 1.0001 && out.size() < 50; d *= 10) {
        if (d >= lo * 0.9999) {
          out.add(new double[] {d});
        }
      }
      if (out.isEmpty()) {
        out.add(new double[] {lo});
      }
      return out;
    }
    // a 1-2-5 step giving at most 8 ticks, so their labels never overlap
    double base = Math.pow(10, Math.floor(Math.log10((hi - lo) / 5)));
    double step = base;
    for (double m : new double[] {1, 2, 5, 10, 20}) {
      step = base * m;
      if ((hi - lo) / step <= 8) {
        break;
      }
    }
    double v = Math.ceil(lo / step) * step;
    for (int i = 0; i < 50 && v <= hi + step * 1e-6; i++, v = Math.ceil(lo / step) * step + i * step) {
      out.add(new double[] {v});
    }
    return out;
  }
}
