package io.kvflow.engine.calibrate;

import io.kvflow.common.BadInputException;
import io.kvflow.engine.spec.Execution;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Presets;
import io.kvflow.engine.time.StepPredictor.Kind;
import io.kvflow.engine.time.StepPredictor.OffloadMode;
import io.kvflow.engine.time.StepPredictor.Scenario;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads measured step times from a CSV file: a header line naming the {@link Column}s (any order;
 * optional ones may be left out, or a cell left empty, for their default), then one line per
 * measurement. Blank lines and lines starting with {@code #} are skipped. Every error is one line
 * naming the file, line and column.
 */
public final class PointsCsv {
  /** Largest batch and context accepted (their KV bytes must stay far from overflowing a long). */
  static final int MAX_BATCH = 1 << 16;
  static final long MAX_CONTEXT = 1L << 24;

  /** The columns of a points file. */
  public enum Column {
    KIND(true),
    MODEL(true),
    BATCH(true),
    CONTEXT(true),
    LAYERS(false),
    LM_HEAD(false),
    OFFLOAD_FRACTION(false),
    OFFLOAD_MODE(false),
    EXECUTION(false),
    TENSOR_PARALLEL(false),
    MEASURED_MS(true);

    private final boolean required;

    Column(boolean required) {
      this.required = required;
    }

    public String header() {
      return name().toLowerCase(Locale.ROOT);
    }

    public boolean required() {
      return required;
    }
  }

  private final String file;
  private final Map<String, ModelSpec> models = new HashMap<>();
  private int[] columnAt;
  private int line;
  private String[] cells;

  private PointsCsv(String file) {
    this.file = file;
  }

  /** The points of {@code file}; at least one. */
  public static List<MeasuredPoint> read(Path file) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      throw new BadInputException(file + ": not UTF-8 text; expected a CSV file of measured points");
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    return new PointsCsv(file.toString()).parse(text);
  }

  /** The points of CSV {@code text}; {@code source} names it in errors. */
  public static List<MeasuredPoint> parse(String source, String text) {
    return new PointsCsv(source).parse(text);
  }

  private List<MeasuredPoint> parse(String text) {
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    String[] lines = text.split("\r?\n|\r", -1);
    List<MeasuredPoint> points = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      line = i + 1;
      cells = l.split(",", -1);
      for (int c = 0; c < cells.length; c++) {
        cells[c] = cells[c].strip();
      }
      if (columnAt == null) {
        header();
      } else {
        points.add(point());
      }
    }
    if (points.isEmpty()) {
      throw new BadInputException(file + ": no points; expected a header line (" + columnList() + ") and one line "
          + "per measured step");
    }
    return List.copyOf(points);
  }

  private static String columnList() {
    return Arrays.stream(Column.values()).map(Column::header).collect(Collectors.joining(", "));
  }

  private void header() {
    columnAt = new int[Column.values().length];
    Arrays.fill(columnAt, -1);
    for (int c = 0; c < cells.length; c++) {
      Column col = null;
      for (Column k : Column.values()) {
        if (k.header().equals(cells[c].toLowerCase(Locale.ROOT))) {
          col = k;
        }
      }
      if (col == null) {
        throw new BadInputException(at(c) + ": unknown column '" + cells[c] + "'; the columns are " + columnList()
            + " (docs/cli.md, Calibration)");
      }
      if (columnAt[col.ordinal()] >= 0) {
        throw new BadInputException(at(c) + ": column '" + col.header() + "' given twice (first as column "
            + (columnAt[col.ordinal()] + 1) + ")");
      }
      columnAt[col.ordinal()] = c;
    }
    for (Column k : Column.values()) {
      if (k.required() && columnAt[k.ordinal()] < 0) {
        throw new BadInputException(file + ": line " + line + ": no column '" + k.header() + "'; every points file has "
            + Arrays.stream(Column.values()).filter(Column::required).map(Column::header)
                .collect(Collectors.joining(", ")) + " (docs/cli.md, Calibration)");
      }
    }
  }

  private String at(int column) {
    return file + ": line " + line + ", column " + (column + 1);
  }

  private BadInputException error(Column c, String problem) {
    int col = columnAt[c.ordinal()];
    return new BadInputException(at(col) + " (" + c.header() + "): " + problem);
  }

  /** The cell of {@code c}, or null when the column is absent or the cell empty. */
  private String cell(Column c) {
    int col = columnAt[c.ordinal()];
    return col < 0 || cells[col].isEmpty() ? null : cells[col];
  }

  private MeasuredPoint point() {
    int header = Arrays.stream(columnAt).max().orElse(-1) + 1;
    if (cells.length != header) {
      int col = Math.min(cells.length, header);
      throw new BadInputException(at(col) + ": " + (cells.length < header ? "missing; " : "beyond the header's; ")
          + "the line has " + cells.length + " fields and the header " + header);
    }
    for (Column k : Column.values()) {
      if (k.required() && cell(k) == null) {
        throw error(k, "empty; every point needs " + k.header());
      }
    }
    Kind kind = choice(Column.KIND, Kind.values(), null);
    ModelSpec model = model();
    int batch = (int) whole(Column.BATCH, 1, MAX_BATCH, 1);
    long context = whole(Column.CONTEXT, 1, MAX_CONTEXT, 1);
    int layers = (int) whole(Column.LAYERS, 1, model.layers(), model.layers());
    boolean lmHead = bool(Column.LM_HEAD, true);
    double fraction = fraction(Column.OFFLOAD_FRACTION);
    if (fraction > 0 && kind == Kind.PREFILL) {
      throw error(Column.OFFLOAD_FRACTION, fraction + ": offload applies to decode points; give 0 or leave it empty");
    }
    OffloadMode mode = choice(Column.OFFLOAD_MODE, OffloadMode.values(), null);
    if (mode == null && fraction > 0) {
      if (columnAt[Column.OFFLOAD_MODE.ordinal()] < 0) {
        throw error(Column.OFFLOAD_FRACTION, fraction + " needs an offload_mode column (sync or layer-ahead)");
      }
      throw error(Column.OFFLOAD_MODE, "empty; a point with offload_fraction > 0 needs sync or layer-ahead");
    }
    Execution execution = choice(Column.EXECUTION, Execution.values(), Execution.GRAPH);
    int tp = (int) whole(Column.TENSOR_PARALLEL, 1, 1024, 1);
    double ms = number(Column.MEASURED_MS);
    if (!(ms > 0) || Double.isInfinite(ms)) {
      throw error(Column.MEASURED_MS, cell(Column.MEASURED_MS) + " must be a time > 0 in milliseconds");
    }
    Scenario s = new Scenario(kind, batch, context, layers, lmHead, fraction, mode == null ? OffloadMode.SYNC : mode,
        execution, tp);
    return new MeasuredPoint(line, cell(Column.MODEL), model, s, ms);
  }

  private ModelSpec model() {
    String name = cell(Column.MODEL);
    ModelSpec m = models.get(name);
    if (m == null) {
      if (Presets.resource("models", name) == null) {
        throw error(Column.MODEL, "unknown model preset '" + name + "'; presets are " + Presets.modelNames());
      }
      m = Presets.model(name, file, "line " + line);
      models.put(name, m);
    }
    return m;
  }

  private long whole(Column c, long min, long max, long dflt) {
    String v = cell(c);
    if (v == null) {
      return dflt;
    }
    long x;
    try {
      x = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw error(c, "'" + v + "' is not a whole number");
    }
    if (x < min || x > max) {
      throw error(c, x + " must be in [" + min + ", " + max + "]");
    }
    return x;
  }

  private double number(Column c) {
    String v = cell(c);
    try {
      double x = Double.parseDouble(v);
      if (Double.isNaN(x) || v.matches(".*[a-zA-Z&&[^eE]].*")) {
        throw new NumberFormatException();
      }
      return x;
    } catch (NumberFormatException e) {
      throw error(c, "'" + v + "' is not a number");
    }
  }

  private double fraction(Column c) {
    if (cell(c) == null) {
      return 0;
    }
    double x = number(c);
    if (!(x >= 0 && x <= 1)) {
      throw error(c, cell(c) + " must be in [0, 1]");
    }
    return x;
  }

  private boolean bool(Column c, boolean dflt) {
    String v = cell(c);
    if (v == null) {
      return dflt;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw error(c, "'" + v + "' is not true or false");
    };
  }

  private <E extends Enum<E>> E choice(Column c, E[] values, E dflt) {
    String v = cell(c);
    if (v == null) {
      return dflt;
    }
    for (E e : values) {
      if (e.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(v.toLowerCase(Locale.ROOT))) {
        return e;
      }
    }
    throw error(c, "'" + v + "' is not one of " + Arrays.stream(values)
        .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(", ")));
  }
}
