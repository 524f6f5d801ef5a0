package io.kvflow.cli;

import io.kvflow.common.BadInputException;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Presets;

/** Parses cache sizes given as blocks ({@code 1000}) or bytes with a unit ({@code 8GiB}) for a model preset. */
final class Sizes {
  private static final String[][] UNITS = {{"TiB", "1099511627776"}, {"GiB", "1073741824"}, {"MiB", "1048576"},
      {"KiB", "1024"}, {"B", "1"}};

  private Sizes() {}

  /** Bytes of one block (all layers) of {@code preset} with the trace's block size; 0 without a preset. */
  static long blockBytes(String preset, int blockTokens) {
    if (preset == null) {
      return 0;
    }
    ModelSpec m = Presets.model(preset, "--preset", "model");
    return m.blockBytesPerLayer(blockTokens) * m.layers();
  }

  static long blocks(String option, String s, long blockBytes) {
    if (!s.matches("[\\x20-\\x7e]*")) {
      // Long.parseLong reads digits of every script; a size is written in ASCII
      throw new BadInputException("option " + option + ": '" + s + "' is not a number of blocks or a byte size like 8GiB");
    }
    for (String[] u : UNITS) {
      if (s.endsWith(u[0])) {
        if (blockBytes == 0) {
          throw new BadInputException("option " + option + ": '" + s + "' is in bytes; give --preset MODEL to convert it to blocks");
        }
        double bytes;
        try {
          bytes = Double.parseDouble(s.substring(0, s.length() - u[0].length())) * Long.parseLong(u[1]);
        } catch (NumberFormatException e) {
          throw new BadInputException("option " + option + ": '" + s + "' is not a size");
        }
        long b = (long) (bytes / blockBytes);
        if (b < 1) {
          throw new BadInputException("option " + option + ": '" + s + "' holds no block of " + blockBytes + " bytes");
        }
        return b;
      }
    }
    try {
      long b = Long.parseLong(s.replace("_", ""));
      if (b < 1) {
        throw new BadInputException("option " + option + ": " + b + " must be >= 1 block");
      }
      return b;
    } catch (NumberFormatException e) {
      throw new BadInputException("option " + option + ": '" + s + "' is not a number of blocks or a byte size like 8GiB");
    }
  }
}
