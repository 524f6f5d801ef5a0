package io.kvflow.cli;

import io.kvflow.common.AtomicOutput;
import io.kvflow.common.FileKind;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputLock;
import io.kvflow.common.OutputSet;
import io.kvflow.common.OutputSet.SetLayout;
import io.kvflow.common.TempNames;
import io.kvflow.engine.spec.Presets;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where commands write: a single file ({@code -o FILE}, locked, replacing only a regular file) or a
 * directory committed as one set ({@code --out DIR}); and the checks on their inputs that come first.
 */
final class Outputs {
  static final SetLayout REPLAY = new SetLayout("replay", List.of(), Outputs::earlierResult);
  static final SetLayout COMPARE = new SetLayout("compare", List.of(), Outputs::earlierResult);
  static final SetLayout REUSE = new SetLayout("reuse", List.of(), Outputs::earlierResult);
  static final SetLayout SIZE = new SetLayout("size", List.of(), Outputs::earlierResult);
  static final SetLayout SWEEP = new SetLayout("sweep", List.of("points", "traces"), Outputs::earlierResult);

  /** Every name a KVFlow result directory held before result sets had manifests. */
  private static final Set<String> EARLIER_NAMES = Set.of("report.json", "report.html", "steps.csv", "requests.csv",
      "attention_mass_retained.csv", "reuse.json", "mrc.csv", "sweep.csv", "sweep.json", "sweep.parquet", "size.json",
      "size.csv", "points", "traces", "baseline", "candidate");
  private static final Set<String> EARLIER_RESULTS = Set.of("report.json", "reuse.json", "sweep.json", "size.json");

  private Outputs() {}

  /** Opens {@code out} for a new result set of {@code layout}; {@code inputs} may not lie inside it. */
  static OutputSet directory(Path out, SetLayout layout, Path... inputs) {
    return OutputSet.open(out, layout, java.util.Arrays.stream(inputs).filter(Objects::nonNull).toList());
  }

  /**
   * Checks and locks the single output file {@code output} (given by {@code option}): it is absent
   * or a regular file, not one of {@code inputs}, its directory exists, and no other command writes
   * it; the leftovers of a killed run that wrote it are removed. Close the lock when done.
   */
  static OutputLock file(Path output, String option, Path... inputs) {
    AtomicOutput.requireReplaceable(output);
    Path dir = output.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new io.kvflow.common.BadInputException(output + ": directory " + dir + " does not exist; create it first");
    }
    InputCheck.refuseSameFile(output, option, inputs);
    OutputLock lock = OutputLock.acquire(output, option);
    try {
      TempNames.removeStale(output.toAbsolutePath());
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
    return lock;
  }

  /**
   * The config file {@code config} names, checked to be a regular file, or null when it names a
   * shipped config or nothing (the config loader reports that).
   */
  static Path configFile(String config) {
    boolean looksLikePath = config.contains("/") || config.contains(java.io.File.separator) || config.endsWith(".json");
    if (!looksLikePath && Presets.CONFIGS.contains(config)) {
      return null;
    }
    Path p;
    try {
      p = Path.of(config);
    } catch (java.nio.file.InvalidPathException e) {
      return null;
    }
    FileKind kind = FileKind.of(p);
    if (kind == FileKind.ABSENT || kind == FileKind.DIRECTORY) {
      return null;
    }
    InputCheck.requireRegularFile(p, "config");
    return p;
  }

  /**
   * A trace for an engine that also reads non-local paths (Spark): a local path that exists must be
   * a regular file or a directory (of Parquet files); a FIFO or device is refused before it blocks a reader.
   */
  static void refuseSpecialFile(String trace, String role) {
    Path p;
    try {
      p = Path.of(trace);
    } catch (java.nio.file.InvalidPathException e) {
      return;
    }
    FileKind kind = FileKind.of(p);
    if (kind != FileKind.ABSENT && kind != FileKind.DIRECTORY) {
      InputCheck.requireRegularFile(p, role);
    }
  }

  /** Whether {@code dir} is a result an earlier KVFlow wrote (no manifest): only KVFlow's names, one of them a report. */
  static boolean earlierResult(Path dir) {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        names.add(p.getFileName().toString());
      }
    } catch (IOException e) {
      return false;
    }
    boolean report = false;
    for (String n : names) {
      report |= EARLIER_RESULTS.contains(n);
      boolean known = EARLIER_NAMES.contains(n) || n.endsWith(".hgrm") || n.endsWith(".hlog") || TempNames.isScratch(n)
          || (Files.isDirectory(dir.resolve(n)) && Files.isRegularFile(dir.resolve(n).resolve("report.json")));
      if (!known) {
        return false;
      }
    }
    return report;
  }
}
