package io.kvflow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.analysis.reuse.ChainStream;
import io.kvflow.analysis.reuse.PrefixStudy;
import io.kvflow.analysis.reuse.ReuseStudy;
import io.kvflow.common.AtomicOutput;
import io.kvflow.common.BadInputException;
import io.kvflow.common.InputCheck;
import io.kvflow.common.OutputSet;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kvflow reuse TRACE [--sizes ...] [--shards-rate R [--shards-near K [--shards-near-rate R2]] | --shards-max N] [--prefix-aware] [--opt] --out DIR}. */
@Command(name = "reuse", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Reuse-distance study: exact (or SHARDS-sampled) stack distances, reuse times and the LRU "
        + "miss-ratio curve, optionally the prefix-aware LRU and offline-optimum curves; writes DIR/reuse.json and "
        + "DIR/mrc.csv."})
final class ReuseCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** The most hash partitions: each keeps its own distance analyzer (about 100 KiB before it sees a block). */
  static final int MAX_PARTITIONS = 1024;

  /** The most keys SHARDS_max keeps (its sample table grows to twice this). */
  static final int MAX_SHARDS_KEYS = 1 << 24;

  @Parameters(index = "0", paramLabel = "TRACE", description = "trace file (with --engine spark: any Hadoop-compatible path)")
  String trace;

  @Option(names = "--engine", defaultValue = "local", paramLabel = "ENGINE",
      description = "local, or spark for --partitions as Spark tasks (master local[*] unless spark.master is set) [default: local]")
  Engine engine;

  @Option(names = "--sizes", split = ",", paramLabel = "SIZE",
      description = "cache sizes the curve must include: blocks (1000), or bytes with a unit (8GiB, 512MiB) given --preset")
  List<String> sizes = new ArrayList<>();

  @Option(names = "--preset", paramLabel = "MODEL", completionCandidates = Registries.Models.class,
      description = "model preset to turn byte sizes into blocks (and --target's capacity into bytes): "
      + "${COMPLETION-CANDIDATES}")
  String preset;

  static final class Sampling {
    @Option(names = "--shards-rate", paramLabel = "R", description = "SHARDS fixed-rate sampling at rate R in (0, 1]")
    Double rate;

    @Option(names = "--shards-max", paramLabel = "N", description = "SHARDS fixed-size sampling keeping N keys")
    Integer max;

    @Option(names = "--partitions", paramLabel = "P", description = "exact distances per hash partition of the blocks, "
        + "combined (the identity a cluster run relies on)")
    Integer partitions;
  }

  @ArgGroup(exclusive = true)
  Sampling sampling;

  /** The largest K of --shards-near: its stack keeps 16 K R_near positions at 16 bytes each (512 MiB at 2^21). */
  static final int MAX_NEAR_BLOCKS = 1 << 21;

  @Option(names = "--shards-near", paramLabel = "K", description = "with --shards-rate R: the sizes up to K blocks come "
      + "from a second, denser sample (--shards-near-rate) kept in a stack of its K most recent blocks, the sizes above "
      + "from the rate-R sample; the two meet at K (docs/reuse.md, \"Sampled curves\")")
  Integer near;

  @Option(names = "--shards-near-rate", paramLabel = "R2", description = "the rate of the --shards-near sample, in "
      + "[R, 1]; 1 makes the sizes up to K exact [default: 1]")
  Double nearRate;

  @Option(names = "--shards-seed", defaultValue = "1", description = "seed of the SHARDS or partition hash [default: 1]")
  long seed;

  @Option(names = "--per-tenant", description = "also each tenant's histogram and miss-ratio curve in the shared LRU "
      + "cache (exact; requests traces)")
  boolean perTenant;

  @Option(names = "--policy", paramLabel = "P", completionCandidates = Registries.Policies.class,
      description = "also the miss-ratio curve of policy P by miniature simulation: ${COMPLETION-CANDIDATES}")
  String policy;

  @Option(names = "--target", paramLabel = "HIT", description = "also the smallest LRU cache whose hit ratio reaches HIT "
      + "in [0, 1] (blocks, and bytes with --preset), or the ceiling (the ideal hit ratio) when no cache does")
  Double target;

  @Option(names = "--prefix-aware", description = "also the prefix-aware LRU curve (blocks and tokens): a cache that "
      + "evicts only leaves of the prefix tree and hits a request's longest cached prefix (requests traces; exact)")
  boolean prefixAware;

  @Option(names = "--opt", description = "also the offline optima: flat OPT (Belady) and tree-OPT (prefix-closed), one "
      + "simulation a doubling of size plus --sizes (requests traces; exact; holds the trace in memory)")
  boolean opt;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "out", description = "output directory [default: out]")
  Path out;

  @Option(names = {"-q", "--quiet"}, description = "no progress display")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    if (engine == Engine.LOCAL) {
      InputCheck.requireRegularFile(Path.of(trace), "trace");
    } else {
      Outputs.refuseSpecialFile(trace, "trace");
    }
    boolean local = engine == Engine.LOCAL || Files.isRegularFile(Path.of(trace));
    int blockTokens = local ? TraceReader.readMetadata(Path.of(trace)).blockTokens() : 0;
    List<Long> blocks = new ArrayList<>();
    for (String s : sizes) {
      if (!local && !s.strip().matches("[0-9]+")) {
        throw new BadInputException("option --sizes: '" + s.strip() + "' is in bytes; give blocks for a trace that is not a local file");
      }
      blocks.add(parseSize(s.strip(), blockTokens));
    }
    ReuseStudy.Sampling mode = ReuseStudy.Sampling.EXACT;
    double rate = 1;
    int max = 0;
    if (sampling != null && sampling.rate != null) {
      if (!(sampling.rate > 0 && sampling.rate <= 1)) {
        throw new BadInputException("option --shards-rate: " + sampling.rate + " must be in (0, 1]");
      }
      mode = ReuseStudy.Sampling.FIXED_RATE;
      rate = sampling.rate;
    } else if (sampling != null && sampling.partitions != null) {
      if (sampling.partitions < 1 || sampling.partitions > MAX_PARTITIONS) {
        throw new BadInputException("option --partitions: " + sampling.partitions + " must be in 1.." + MAX_PARTITIONS);
      }
      mode = ReuseStudy.Sampling.PARTITIONED;
      max = sampling.partitions;
    } else if (sampling != null && sampling.max != null) {
      if (sampling.max < 1 || sampling.max > MAX_SHARDS_KEYS) {
        throw new BadInputException("option --shards-max: " + sampling.max + " must be in 1.." + MAX_SHARDS_KEYS);
      }
      mode = ReuseStudy.Sampling.FIXED_SIZE;
      max = sampling.max;
    }
    if (nearRate != null && near == null) {
      throw new BadInputException("option --shards-near-rate: needs --shards-near K (the sizes it samples)");
    }
    double nearSampling = nearRate == null ? 1.0 : nearRate;
    if (near != null) {
      if (mode != ReuseStudy.Sampling.FIXED_RATE) {
        throw new BadInputException("option --shards-near: needs --shards-rate R (the sizes above K are sampled at R)");
      }
      if (near < 1 || near > MAX_NEAR_BLOCKS) {
        throw new BadInputException("option --shards-near: " + near + " must be in 1.." + MAX_NEAR_BLOCKS);
      }
      if (!(nearSampling >= rate && nearSampling <= 1)) {
        throw new BadInputException("option --shards-near-rate: " + nearSampling + " must be in [" + rate
            + ", 1] (at least --shards-rate)");
      }
      if (policy != null) {
        throw new BadInputException("option --shards-near: not with --policy (the policy's miniature simulation "
            + "samples every size at --shards-rate; leave --shards-near out)");
      }
      mode = ReuseStudy.Sampling.HYBRID;
      max = near;
    }
    PolicyKind p = null;
    if (perTenant && (mode != ReuseStudy.Sampling.EXACT || policy != null || engine != Engine.LOCAL)) {
      throw new BadInputException("option --per-tenant: exact studies only (without SHARDS, --partitions, --policy or --engine spark)");
    }
    if (policy != null && mode == ReuseStudy.Sampling.PARTITIONED) {
      throw new BadInputException("option --policy: miniature simulation needs exact or SHARDS sampling, not --partitions");
    }
    if (policy != null) {
      p = Registries.policy("--policy", policy, Registries.policies());
    }
    if (target != null && !(target >= 0 && target <= 1)) {
      throw new BadInputException("option --target: " + target + " must be in [0, 1]");
    }
    if (target != null && engine != Engine.LOCAL) {
      throw new BadInputException("option --target: with --engine local only (the study's curve stays on the cluster)");
    }
    if (engine != Engine.LOCAL && mode != ReuseStudy.Sampling.PARTITIONED) {
      throw new BadInputException("option --engine " + engine.name().toLowerCase(Locale.ROOT)
          + ": needs --partitions P (each partition's distances are computed as one task)");
    }
    java.util.EnumSet<PrefixStudy.Curve> curves = java.util.EnumSet.noneOf(PrefixStudy.Curve.class);
    if (prefixAware) {
      curves.add(PrefixStudy.Curve.PREFIX_LRU);
    }
    if (opt) {
      curves.add(PrefixStudy.Curve.OPTIMUM);
    }
    if (!curves.isEmpty()) {
      String which = prefixAware ? "--prefix-aware" : "--opt";
      if (mode != ReuseStudy.Sampling.EXACT || perTenant || policy != null || engine != Engine.LOCAL) {
        throw new BadInputException("option " + which + ": exact local studies only (without SHARDS, --partitions, "
            + "--per-tenant, --policy or --engine spark)");
      }
      ChainStream.blockTokens(Path.of(trace));
    }
    ObjectNode study;
    List<Warning> warnings;
    Path localTrace = local ? Path.of(trace) : null;
    // the output is checked and locked before the study, and written only after it succeeds
    try (OutputSet set = Outputs.directory(out, Outputs.REUSE, localTrace); var cluster = engine.open()) {
      if (cluster != null) {
        study = cluster.partitionedReuse(trace, max, seed, blocks);
      } else {
        try (TerminalProgress progress = new TerminalProgress("reuse", quiet)) {
          double targetHit = target == null ? Double.NaN : target;
          study = curves.isEmpty()
              ? ReuseStudy.run(Path.of(trace), new ReuseStudy.Options(mode, rate, max, seed, blocks, p, perTenant,
                  targetHit, nearSampling), progress)
              : PrefixStudy.run(Path.of(trace), new PrefixStudy.Options(blocks, curves,
                  Sizes.blockBytes(preset, blockTokens), targetHit), progress);
        }
      }
      warnings = local ? new ArrayList<>(WarningRules.trace(Path.of(trace).getFileName().toString(),
          TraceReader.readMetadata(Path.of(trace)))) : new ArrayList<>();
      if (study.get("target") instanceof ObjectNode t) {
        if (preset != null && t.get("capacity_blocks").isNumber()) {
          t.put("capacity_bytes", t.get("capacity_blocks").asLong() * Sizes.blockBytes(preset, blockTokens));
        }
        Warning w = WarningRules.unreachableTarget(t.get("ideal_hit_ratio").asDouble(), target);
        if (w != null) {
          warnings.add(w);
        }
      }
      if (preset != null && local) {
        // the report draws the curves on a bytes axis
        study.put("block_bytes", Sizes.blockBytes(preset, blockTokens));
      }
      Warning.addTo(study, warnings);
      Path dir = set.directory();
      AtomicOutput.writeBytes(dir.resolve("reuse.json"),
          (JsonOutput.PRETTY.writeValueAsString(study) + "\n").getBytes(StandardCharsets.UTF_8));
      StringBuilder csv = new StringBuilder("capacity_blocks,miss_ratio\n");
      for (double[] pt : ReuseStudy.points(study)) {
        csv.append((long) pt[0]).append(',').append(pt[1]).append('\n');
      }
      AtomicOutput.writeBytes(dir.resolve("mrc.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
      io.kvflow.analysis.report.HtmlReport.write(dir.resolve("report.html"), study, "KVFlow reuse study: "
          + study.path("trace_file").asText());
      set.commit();
    }
    if (study.get("target") instanceof ObjectNode t) {
      printTarget(spec.commandLine().getOut(), t);
    }
    Warning.print(spec.commandLine().getErr(), warnings);
    if (!quiet) {
      System.err.printf("%,d accesses, %,d distinct blocks; wrote %s and %s%n", study.get("accesses").asLong(),
          study.get("distinct_blocks").asLong(), out.resolve("reuse.json"), out.resolve("mrc.csv"));
    }
    return 0;
  }

  /** The answer to --target on stdout: the smallest cache, or the ceiling. */
  private static void printTarget(java.io.PrintWriter out, ObjectNode t) {
    String hit = java.math.BigDecimal.valueOf(t.get("hit_ratio").asDouble()).stripTrailingZeros().toPlainString();
    if (!t.get("reachable").asBoolean()) {
      out.printf(Locale.ROOT, "no LRU cache reaches hit ratio %s: the ideal hit ratio (an infinite cache) is %.3f%n", hit,
          t.get("ideal_hit_ratio").asDouble());
      return;
    }
    out.printf(Locale.ROOT, "smallest LRU cache reaching hit ratio %s: %,d blocks%s (hit ratio %.4f; ideal %.3f)%n", hit,
        t.get("capacity_blocks").asLong(), t.has("capacity_bytes")
            ? String.format(Locale.ROOT, ", %,d bytes (%.2f GiB)", t.get("capacity_bytes").asLong(),
                t.get("capacity_bytes").asLong() / (double) (1L << 30)) : "",
        t.get("hit_ratio_at_capacity").asDouble(), t.get("ideal_hit_ratio").asDouble());
  }

  private long parseSize(String s, int blockTokens) {
    return Sizes.blocks("--sizes", s, Sizes.blockBytes(preset, blockTokens));
  }
}
