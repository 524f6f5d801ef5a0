package io.kvflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.InputCheck;
import io.kvflow.trace.inspect.TraceInspector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvflow inspect FILE [--json]}: validates a trace and prints its statistics. */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Validate a trace file and print its statistics.")
final class InspectCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "trace file (Parquet, schema v1)")
  Path file;

  @Option(names = "--json", description = "print JSON instead of a table")
  boolean json;

  @Option(names = "--max-context", paramLabel = "N", defaultValue = "0",
      description = "requests traces: also give the ideal hit ratios with contexts cut to their first N tokens")
  long maxContextTokens;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    if (maxContextTokens < 0) {
      throw new io.kvflow.common.BadInputException("option --max-context: " + maxContextTokens + " must be >= 1 (tokens)");
    }
    InputCheck.requireRegularFile(file, "trace");
    ObjectNode stats;
    try (TerminalProgress progress = new TerminalProgress("inspect", quiet)) {
      stats = TraceInspector.inspect(file, maxContextTokens, progress);
    }
    List<Warning> warnings = WarningRules.inspected(file.getFileName().toString(),
        io.kvflow.trace.parquet.TraceReader.readMetadata(file), "known".equals(stats.path("prefix_sharing").asText()));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Warning.addTo(stats, warnings);
      out.println(JsonOutput.PRETTY.writeValueAsString(stats));
    } else {
      printTable(out, "", stats);
    }
    Warning.print(spec.commandLine().getErr(), warnings);
    return 0;
  }

  private static void printTable(PrintWriter out, String prefix, JsonNode node) {
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isObject()) {
        printTable(out, prefix + e.getKey() + ".", e.getValue());
      } else {
        // text read from the file (kvflow.source, tenant names) may hold terminal escape sequences
        out.printf("%-30s %s%n", TerminalText.escape(prefix + e.getKey()),
            TerminalText.escape(e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
      }
    }
  }
}
