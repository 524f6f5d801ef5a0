package io.kvflow.cli;

import io.kvflow.common.BadInputException;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputLock;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvflow import FORMAT INPUT -o OUTPUT}. */
@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Convert a real trace into a KVFlow trace (Parquet, schema v1).",
        "Inputs ending in .gz or .zst are decompressed."})
final class ImportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FORMAT", completionCandidates = Registries.Formats.class,
      description = "one of: ${COMPLETION-CANDIDATES} (each described below)")
  String format;

  @Parameters(index = "1", paramLabel = "INPUT", description = "input file")
  Path input;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "output Parquet file")
  Path output;

  @Option(names = "--block-tokens", paramLabel = "N",
      description = "tokens per block (default: mooncake 512, others 16)")
  int blockTokens;

  @Option(names = "--medium", paramLabel = "M", defaultValue = "GPU",
      description = "vllm-events: keep events of this medium (GPU, CPU, ..., or all) [default: GPU]")
  String medium;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() {
    ImportFormat f = ImportFormat.fromCliName(format);
    if (f == null) {
      throw new BadInputException("unknown format '" + format + "'; expected one of "
          + String.join(", ", Registries.formats()) + io.kvflow.common.DidYouMean.hint(format, Registries.formats()));
    }
    if (blockTokens < 0 || blockTokens > Short.MAX_VALUE) {
      throw new BadInputException("option --block-tokens: " + blockTokens + " must be in 1..32767");
    }
    InputCheck.requireRegularFile(input, "input");
    try (OutputLock lock = Outputs.file(output, "-o", input);
        TerminalProgress progress = new TerminalProgress("import " + f.cliName(), quiet)) {
      long rows = f.create().importTrace(input, output, new ImportOptions(blockTokens, medium), progress);
      if (!quiet) {
        System.err.println("wrote " + rows + " rows to " + output);
      }
    }
    return 0;
  }
}
