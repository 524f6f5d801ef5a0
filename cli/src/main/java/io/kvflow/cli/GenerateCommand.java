package io.kvflow.cli;

import io.kvflow.common.BadInputException;
import io.kvflow.common.OutputLock;
import io.kvflow.trace.generate.ParamSpec;
import io.kvflow.trace.generate.Params;
import io.kvflow.trace.generate.Workload;
import io.kvflow.trace.generate.WorkloadGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvflow generate WORKLOAD [--param value ...] -o FILE}. */
@Command(name = "generate", versionProvider = Version.class,
    description = {"Write a seeded synthetic trace (same options and seed give a byte-identical file).",
        "Workloads: chat, rag, agent, long-context, zipf, decode. 'kvflow generate WORKLOAD --help' lists a "
            + "workload's options and defaults."})
final class GenerateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-h", "--help"}, description = "show this help, or a workload's options after WORKLOAD")
  boolean help;

  @Option(names = {"-V", "--version"}, versionHelp = true, description = "print version information and exit")
  boolean version;

  @Parameters(index = "0", arity = "0..1", paramLabel = "WORKLOAD", completionCandidates = Registries.Workloads.class,
      description = "one of: ${COMPLETION-CANDIDATES}")
  String workload;

  @Parameters(index = "1..*", paramLabel = "--OPTION VALUE", description = "workload options")
  List<String> rest = new ArrayList<>();

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "output Parquet file")
  Path output;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() {
    if (workload == null) {
      if (help) {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
      }
      throw new BadInputException("missing WORKLOAD; expected one of "
          + Stream.of(Workload.values()).map(Workload::cliName).collect(Collectors.joining(", ")));
    }
    Workload w = Workload.fromCliName(workload);
    if (w == null) {
      throw new BadInputException("unknown workload '" + workload + "'; expected one of "
          + String.join(", ", Registries.workloads()) + io.kvflow.common.DidYouMean.hint(workload, Registries.workloads()));
    }
    WorkloadGenerator generator = w.create();
    if (help || rest.contains("--help") || rest.contains("-h")) {
      spec.commandLine().getOut().println(helpFor(w, generator));
      return 0;
    }
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < rest.size(); i++) {
      String a = rest.get(i);
      if (!a.startsWith("--")) {
        throw new BadInputException("unexpected argument '" + a + "'; workload options are --name value");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < rest.size()) {
        value = rest.get(++i);
      } else {
        throw new BadInputException("option --" + name + " needs a value");
      }
      if (given.put(name, value) != null) {
        throw new BadInputException("option --" + name + " given twice");
      }
    }
    if (output == null) {
      throw new BadInputException("missing -o FILE: where to write the trace");
    }
    Params params = new Params(w.cliName(), generator.params(), given);
    try (OutputLock lock = Outputs.file(output, "-o");
        TerminalProgress progress = new TerminalProgress("generate " + w.cliName(), quiet)) {
      long rows = generator.generate(params, output, progress);
      if (!quiet) {
        System.err.println("wrote " + rows + " rows to " + output);
      }
    }
    return 0;
  }

  static String helpFor(Workload w, WorkloadGenerator g) {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: kvflow generate ").append(w.cliName()).append(" [--OPTION VALUE ...] -o FILE\n");
    sb.append(g.description()).append("\n\nOptions (default in brackets):\n");
    for (ParamSpec p : g.params()) {
      sb.append(String.format("  --%-22s %s [%s]%s%s%n", p.name(), p.description(), p.defaultValue(),
          p.choices().isEmpty() ? "" : " one of " + p.choices(), p.limited() ? " at most " + p.max() : ""));
    }
    return sb.toString();
  }
}
