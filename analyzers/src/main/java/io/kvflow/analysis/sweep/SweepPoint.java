package io.kvflow.analysis.sweep;

import java.io.Serializable;
import java.util.List;

/**
 * One point of a sweep, as plain strings so that any executor (a local thread, a Spark task) can
 * carry it and run it the same way.
 *
 * @param index position in the sweep's table
 * @param trace the trace as given (a local path, or a Hadoop-compatible URI for Spark)
 * @param traceName the trace's file name, the table's {@code trace} cell
 * @param paths the grid's JSON paths, in table column order
 * @param cells the point's value of each path as a table cell
 * @param configJson the whole config of this point, validated when the sweep was planned
 * @param id content hash of trace identity and config: the name of the point's result file
 */
public record SweepPoint(int index, String trace, String traceName, List<String> paths, List<String> cells,
    String configJson, String id) implements Serializable {
  public SweepPoint {
    paths = List.copyOf(paths);
    cells = List.copyOf(cells);
    if (paths.size() != cells.size()) {
      throw new IllegalArgumentException("one cell per path: " + paths + " vs " + cells);
    }
  }

  /** The name of this point's result file under the sweep's {@code points/} directory. */
  public String resultFileName() {
    return index + "-" + id + ".json";
  }
}
