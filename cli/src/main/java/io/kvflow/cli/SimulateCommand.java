package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.BadInputException;
import io.kvflow.common.InputCheck;
import io.kvflow.engine.KeyOnlySimulator;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.policy.PolicyStats;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code kvflow simulate TRACE --policy P --capacity-blocks N}: key-only cache simulation at full speed. */
@Command(name = "simulate", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Key-only cache simulation (as libCacheSim does it): the block ids of an accesses trace through "
        + "one policy, one tier, no model. Prints JSON counts."})
final class SimulateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TRACE", description = "accesses trace")
  Path trace;

  @Option(names = "--policy", defaultValue = "lru", paramLabel = "P", completionCandidates = Registries.Policies.class,
      description = "eviction policy: ${COMPLETION-CANDIDATES} [default: lru]")
  String policy;

  @Option(names = "--capacity-blocks", required = true, paramLabel = "N", description = "cache capacity in blocks")
  long capacity;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    PolicyKind k = Registries.policy("--policy", policy, Registries.policies());
    if (capacity <= 0 || capacity > Integer.MAX_VALUE - 8) {
      throw new BadInputException("option --capacity-blocks: " + capacity + " must be in 1.." + (Integer.MAX_VALUE - 8));
    }
    InputCheck.requireRegularFile(trace, "trace");
    PolicyStats s;
    try (TerminalProgress progress = new TerminalProgress("simulate", quiet)) {
      s = KeyOnlySimulator.run(trace, k, (int) capacity, PolicyParams.DEFAULT, progress);
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("policy", k.jsonName());
    o.put("capacity_blocks", capacity);
    o.put("accesses", s.accesses());
    o.put("hits", s.hits());
    o.put("misses", s.misses());
    o.put("hit_ratio", s.hitRatio());
    o.put("miss_ratio", 1 - s.hitRatio());
    o.put("evictions", s.evictions());
    o.put("evicted_unused", s.evictedUnused());
    java.util.List<Warning> warnings = WarningRules.trace(trace.getFileName().toString(),
        io.kvflow.trace.parquet.TraceReader.readMetadata(trace));
    Warning.addTo(o, warnings);
    spec.commandLine().getOut().println(JsonOutput.PRETTY.writeValueAsString(o));
    Warning.print(spec.commandLine().getErr(), warnings);
    return 0;
  }
}
