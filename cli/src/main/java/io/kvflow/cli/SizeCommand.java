package io.kvflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.reuse.BlockStream;
import io.kvflow.analysis.report.HtmlReport;
import io.kvflow.analysis.reuse.TierSizing;
import io.kvflow.common.AtomicOutput;
import io.kvflow.common.BadInputException;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputSet;
import io.kvflow.common.Progress;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvflow size TRACE --first SIZES --second SIZES [--policy P] [--price-first $ --price-second $ --target R]}. */
@Command(name = "size", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Multi-tier sizing surface: hit ratio of the first tier and of both tiers over a grid of capacities "
        + "(exclusive hierarchy), and with prices per GB the cheapest point meeting a target. Writes DIR/size.json "
        + "(with the grid as a heatmap), DIR/size.csv and DIR/report.html."})
final class SizeCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TRACE", description = "trace file (Parquet, schema v1)")
  Path trace;

  @Option(names = "--first", split = ",", required = true, paramLabel = "SIZE", description = "first-tier (HBM) sizes: blocks or bytes (8GiB) with --preset")
  List<String> first;

  @Option(names = "--second", split = ",", required = true, paramLabel = "SIZE", description = "second-tier (DRAM) sizes")
  List<String> second;

  @Option(names = "--policy", defaultValue = "lru", paramLabel = "P", completionCandidates = Registries.OnlinePolicies.class,
      description = "policy of both tiers: ${COMPLETION-CANDIDATES} [default: lru]")
  String policy;

  @Option(names = "--preset", paramLabel = "MODEL", completionCandidates = Registries.Models.class,
      description = "model preset, for byte sizes and prices: ${COMPLETION-CANDIDATES}")
  String preset;

  @Option(names = "--price-first", paramLabel = "USD_PER_GB", description = "price of the first tier per GB")
  Double priceFirst;

  @Option(names = "--price-second", paramLabel = "USD_PER_GB", description = "price of the second tier per GB")
  Double priceSecond;

  @Option(names = "--target", paramLabel = "R", description = "combined hit ratio to reach: marked on the heatmap, "
      + "the cheapest point reaching it with prices; when no capacity reaches it, a warning says the ceiling (the ideal "
      + "hit ratio)")
  Double target;

  @Option(names = "--out", defaultValue = "out", paramLabel = "DIR", description = "output directory [default: out]")
  Path out;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    PolicyKind k = Registries.policy("--policy", policy, Registries.onlinePolicies());
    if ((priceFirst == null) != (priceSecond == null)) {
      throw new BadInputException("options --price-first and --price-second go together");
    }
    if (target != null && !(target >= 0 && target <= 1)) {
      throw new BadInputException("option --target: " + target + " must be in [0, 1]");
    }
    if (priceFirst != null && (priceFirst < 0 || priceSecond < 0)) {
      throw new BadInputException("options --price-first/--price-second must be >= 0");
    }
    InputCheck.requireRegularFile(trace, "trace");
    int blockTokens = TraceReader.readMetadata(trace).blockTokens();
    long blockBytes = Sizes.blockBytes(preset, blockTokens);
    List<Long> c1 = new ArrayList<>();
    for (String s : first) {
      c1.add(Sizes.blocks("--first", s.strip(), blockBytes));
    }
    List<Long> c2 = new ArrayList<>();
    for (String s : second) {
      c2.add(Sizes.blocks("--second", s.strip(), blockBytes));
    }
    // the output is checked and locked before the work, and written only after it succeeds
    ObjectNode s;
    List<Warning> warnings;
    try (OutputSet set = Outputs.directory(out, Outputs.SIZE, trace)) {
      s = surface(k, c1, c2, blockBytes);
      s.set("heatmap", TierSizing.heatmap(s, blockBytes > 0, target == null ? Double.NaN : target));
      warnings = warnings(s);
      Warning.addTo(s, warnings);
      write(set.directory(), s);
      HtmlReport.write(set.directory().resolve("report.html"), s, "KVFlow size: " + trace.getFileName());
      set.commit();
    }
    Warning.print(spec.commandLine().getErr(), warnings);
    if (!quiet) {
      JsonNode best = s.get("cheapest");
      spec.commandLine().getErr().println("wrote " + out.resolve("size.json") + ", size.csv and report.html"
          + (best == null || best.isNull() ? "" : "; cheapest meeting the target: " + best));
    }
    return 0;
  }

  /** The trace's ideal hit ratio below the target, or the grid's best below a reachable target. */
  private List<Warning> warnings(ObjectNode s) {
    List<Warning> w = new ArrayList<>(WarningRules.trace(trace.getFileName().toString(), TraceReader.readMetadata(trace)));
    if (target != null) {
      double ideal = s.get("ideal_hit_ratio").asDouble();
      double best = 0;
      for (JsonNode p : s.get("grid")) {
        best = Math.max(best, p.get("combined_hit_ratio").asDouble());
      }
      Warning unreachable = WarningRules.unreachableTarget(ideal, target);
      Warning offGrid = WarningRules.targetOffGrid(best, target, ideal);
      if (unreachable != null) {
        w.add(unreachable);
      } else if (offGrid != null) {
        w.add(offGrid);
      }
    }
    return w;
  }

  private ObjectNode surface(PolicyKind k, List<Long> c1, List<Long> c2, long blockBytes) {
    long[][] keys = {new long[1 << 16]};
    int[] n = {0};
    try (TerminalProgress progress = new TerminalProgress("size", quiet)) {
      BlockStream.forEach(trace, key -> {
        if (n[0] == keys[0].length) {
          keys[0] = Arrays.copyOf(keys[0], (int) Math.min(Integer.MAX_VALUE - 8, n[0] * 2L));
        }
        keys[0][n[0]++] = key;
      }, progress);
    }
    ObjectNode s = TierSizing.surface(keys[0], n[0], k, c1, c2, Math.max(1, blockBytes),
        priceFirst == null ? null : new double[] {priceFirst, priceSecond}, target == null ? Double.NaN : target);
    return s;
  }

  private static void write(Path dir, ObjectNode s) throws Exception {
    AtomicOutput.writeBytes(dir.resolve("size.json"), (JsonOutput.PRETTY.writeValueAsString(s) + "\n").getBytes(StandardCharsets.UTF_8));
    StringBuilder csv = new StringBuilder("first_blocks,second_blocks,first_bytes,second_bytes,first_hit_ratio,combined_hit_ratio,cost\n");
    for (JsonNode p : s.get("grid")) {
      csv.append(p.get("first_blocks").asLong()).append(',').append(p.get("second_blocks").asLong()).append(',')
          .append(p.get("first_bytes").asLong()).append(',').append(p.get("second_bytes").asLong()).append(',')
          .append(p.get("first_hit_ratio").asDouble()).append(',').append(p.get("combined_hit_ratio").asDouble()).append(',')
          .append(p.has("cost") ? p.get("cost").asText() : "").append('\n');
    }
    AtomicOutput.writeBytes(dir.resolve("size.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
  }
}
