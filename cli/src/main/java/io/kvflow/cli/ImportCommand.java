package io.kvflow.cli;

import io.kvflow.common.BadInputException;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputLock;
import io.kvflow.trace.imports.ImportFormat;
import io.kvflow.trace.imports.ImportOptions;
import io.kvflow.trace.imports.PrefixModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvflow import FORMAT INPUT -o OUTPUT}. */
@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Convert a real trace into a KVFlow trace (Parquet, schema v1).",
        "Length-only formats (listed below) can be given seeded synthetic prefixes: --prefix-model.",
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
      description = "tokens per block (default: mooncake 512, agentic-coding the file's block_size, others 16)")
  int blockTokens;

  @Option(names = "--prefix-model", paramLabel = "MODEL", defaultValue = "none",
      description = "length-only formats: synthetic block hashes: none, system-prompt or session [default: none]")
  String prefixModel;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "--prefix-model: seed [default: 1]")
  long seed;

  @Option(names = "--system-prompt-tokens", paramLabel = "N", defaultValue = "0",
      description = "--prefix-model: tokens of a system prompt shared by every request [default: 0]")
  int systemPromptTokens;

  @Option(names = "--session-continue", paramLabel = "P", defaultValue = "0.5",
      description = "--prefix-model session: chance a request continues an open session [default: 0.5]")
  double sessionContinue;

  @Option(names = "--medium", paramLabel = "M", defaultValue = "GPU",
      description = "vllm-events: keep events of this medium (GPU, CPU, ..., or all) [default: GPU]")
  String medium;

  @Option(names = "--rechunk-tokens", paramLabel = "N",
      description = "mooncake: re-chunk each --block-tokens block into N-token blocks with derived hashes (e.g. 16)")
  int rechunkTokens;

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
    PrefixModel model = prefixModel(f);
    if (rechunkTokens != 0 && !f.create().acceptsRechunk()) {
      throw new BadInputException("option --rechunk-tokens: " + f.cliName() + " blocks cannot be re-chunked; it applies"
          + " to coarse-hash formats: mooncake");
    }
    if (rechunkTokens < 0 || rechunkTokens > Short.MAX_VALUE) {
      throw new BadInputException("option --rechunk-tokens: " + rechunkTokens + " must be in 1..32767");
    }
    InputCheck.requireRegularFile(input, "input");
    try (OutputLock lock = Outputs.file(output, "-o", input);
        TerminalProgress progress = new TerminalProgress("import " + f.cliName(), quiet)) {
      long rows = f.create().importTrace(input, output, new ImportOptions(blockTokens, medium, model, rechunkTokens), progress);
      if (!quiet) {
        System.err.println("wrote " + rows + " rows to " + output);
      }
    }
    return 0;
  }

  private PrefixModel prefixModel(ImportFormat f) {
    PrefixModel.Kind kind = PrefixModel.Kind.fromCliName(prefixModel);
    if (kind == null) {
      throw new BadInputException("option --prefix-model: '" + prefixModel + "'; expected none, system-prompt or session");
    }
    if (kind != PrefixModel.Kind.NONE && !f.create().acceptsPrefixModel()) {
      throw new BadInputException("option --prefix-model: " + f.cliName() + " traces carry their own block hashes;"
          + " a prefix model applies to the length-only formats " + String.join(", ", Registries.lengthOnlyFormats()));
    }
    if (systemPromptTokens < 0) {
      throw new BadInputException("option --system-prompt-tokens: " + systemPromptTokens + " must be >= 0");
    }
    if (!(sessionContinue >= 0 && sessionContinue <= 1)) {
      throw new BadInputException("option --session-continue: " + sessionContinue + " must be in [0, 1]");
    }
    return new PrefixModel(kind, seed, systemPromptTokens, sessionContinue);
  }
}
