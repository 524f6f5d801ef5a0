package io.kvflow.trace.generate;

import io.kvflow.common.BadInputException;
import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.AccessTraceWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * An explicit token-level decode trace: R requests of context C each, prefilled (one WRITE per
 * block and layer at step -1), then S decode steps in which every layer reads every block of each
 * sequence (dense) and appends the new token to its last block.
 *
 * <p>With {@code --attention synthetic}, each read carries the share of the step's attention mass
 * that falls on the block, from a model of what long-context attention measurements show: a few
 * sink tokens at the start (StreamingLLM), a recent window, a persistent set of heavy-hitter blocks
 * per request and layer (H2O), and a noisy remainder. The masses of one (request, step, layer) sum
 * to 1.
 */
final class DecodeWorkload implements WorkloadGenerator {
  @Override
  public String description() {
    return "token-level decode accesses: R requests x context C x S steps x L layers, optional attention mass";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.SEED,
        ParamSpec.ofChoice("preset", "none", "workload preset: the original study's kvflow-seed = default_8k "
            + "(4 requests, context 8192, 128 steps, 32 layers), short_2k / medium_32k / long_128k_cold (2 requests, "
            + "context 2048 / 32768 / 131072, 64 / 96 / 128 steps, 8 layers; replay them with model kvflow-small); "
            + "explicit options override it",
            "none", "kvflow-seed", "default_8k", "short_2k", "medium_32k", "long_128k_cold"),
        ParamSpec.ofInt("requests", 4, "sequences decoded together (the batch)"),
        ParamSpec.ofInt("context", 8192, ParamSpec.MAX_TOKENS, "prompt tokens per sequence"),
        ParamSpec.ofInt("steps", 128, ParamSpec.MAX_TOKENS, "decode steps"),
        ParamSpec.ofInt("layers", 32, "transformer layers"),
        ParamSpec.ofInt("block-tokens", 16, Short.MAX_VALUE, "tokens per KV block"),
        ParamSpec.ofLong("step-ns", 20_000_000, "simulated time of one decode step in the trace's timestamps"),
        ParamSpec.ofChoice("attention", "synthetic", "attention-mass model written to attn_mass", "synthetic", "none"),
        ParamSpec.ofInt("sink-tokens", 4, ParamSpec.MAX_TOKENS, "attention-sink tokens at the start of each sequence"),
        ParamSpec.ofDouble("sink-mass", 0.15, "share of mass on the sink block"),
        ParamSpec.ofInt("recent-tokens", 256, ParamSpec.MAX_TOKENS, "recent window"),
        ParamSpec.ofDouble("recent-mass", 0.45, "share of mass on the recent window"),
        ParamSpec.ofInt("heavy-hitters", 16, "persistent heavy-hitter blocks per request and layer"),
        ParamSpec.ofDouble("heavy-mass", 0.25, "share of mass on the heavy hitters"));
  }

  @Override
  public long generate(Params params, Path out, Progress progress) {
    String preset = params.getString("preset");
    boolean seedPreset = !preset.equals("none");
    // the presets' shapes: {requests, context, steps, layers}
    int[] shape = switch (preset) {
      case "short_2k" -> new int[] {2, 2048, 64, 8};
      case "medium_32k" -> new int[] {2, 32768, 96, 8};
      case "long_128k_cold" -> new int[] {2, 131072, 128, 8};
      default -> new int[] {4, 8192, 128, 32};
    };
    int requests = params.given("requests") || !seedPreset ? params.intAtLeast("requests", 1) : shape[0];
    int context = params.given("context") || !seedPreset ? params.intAtLeast("context", 1) : shape[1];
    int steps = params.given("steps") || !seedPreset ? params.intAtLeast("steps", 0) : shape[2];
    int layers = params.given("layers") || !seedPreset ? params.intAtLeast("layers", 1) : shape[3];
    int bt = params.intAtLeast("block-tokens", 1);
    long stepNs = params.longAtLeast("step-ns", 1);
    if (stepNs > Long.MAX_VALUE / (steps + 2L)) {
      // the prefill step and every decode step: the last rows are at (steps + 1) x step-ns at most
      throw new BadInputException("option --step-ns: " + stepNs + " ns for a prefill and " + steps
          + " decode steps passes the largest time_ns (2^63-1 ns); at most " + Long.MAX_VALUE / (steps + 2L)
          + " with --steps " + steps);
    }
    boolean attention = params.getString("attention").equals("synthetic");
    int sinkTokens = params.intAtLeast("sink-tokens", 0);
    int recentTokens = params.intAtLeast("recent-tokens", 0);
    int heavy = params.intAtLeast("heavy-hitters", 0);
    double sinkMass = params.doubleIn("sink-mass", 0, 1);
    double recentMass = params.doubleIn("recent-mass", 0, 1);
    double heavyMass = params.doubleIn("heavy-mass", 0, 1);
    if (sinkMass + recentMass + heavyMass > 1.0 + 1e-9) {
      throw new BadInputException("options --sink-mass + --recent-mass + --heavy-mass = "
          + (sinkMass + recentMass + heavyMass) + " must be <= 1");
    }
    if (layers > Short.MAX_VALUE || bt > Short.MAX_VALUE) {
      throw new BadInputException("options --layers and --block-tokens must be <= 32767");
    }
    // kvflow-seed is the defaults; the preset is recorded so the scenario is named in the file.
    long seed = params.getLong("seed");
    Rng rng = new Rng(seed);
    TraceMetadata meta = TraceMetadata.of(TraceKind.ACCESSES, bt, "kvflow generate decode " + params.canonical())
        .withGenerator("decode", seed);
    if (seedPreset) {
      meta = meta.withExtra("kvflow.preset", preset);
    }
    int maxBlocks = (context + steps + bt - 1) / bt;
    double[] mass = new double[maxBlocks];
    long prefillNs = stepNs;
    long layerNs = Math.max(1, stepNs / layers);
    long total = (long) requests * layers * ((context + bt - 1) / bt) + (long) steps * layers * requests * (maxBlocks + 1);
    try (AccessTraceWriter w = AccessTraceWriter.open(out, meta)) {
      for (int l = 0; l < layers; l++) {
        long t = l * (prefillNs / layers);
        for (int r = 0; r < requests; r++) {
          int blocks = (context + bt - 1) / bt;
          for (int b = 0; b < blocks; b++) {
            int tokens = Math.min(bt, context - b * bt);
            w.append(t, r, -1, l, blockId(r, b), AccessOp.WRITE.code(), tokens, Float.NaN);
          }
        }
      }
      for (int s = 0; s < steps; s++) {
        int length = context + s;
        int blocks = (length + bt - 1) / bt;
        for (int l = 0; l < layers; l++) {
          long t = prefillNs + s * stepNs + l * layerNs;
          for (int r = 0; r < requests; r++) {
            if (attention) {
              attentionMass(mass, blocks, length, bt, r, l, seed, rng, sinkTokens, sinkMass, recentTokens, recentMass,
                  heavy, heavyMass, context);
            }
            for (int b = 0; b < blocks; b++) {
              int tokens = Math.min(bt, length - b * bt);
              w.append(t, r, s, l, blockId(r, b), AccessOp.READ.code(), tokens,
                  attention ? (float) mass[b] : Float.NaN);
            }
            int last = length / bt;
            w.append(t, r, s, l, blockId(r, last), AccessOp.APPEND.code(), length % bt + 1, Float.NaN);
          }
          progress.update(w.rows(), total);
        }
      }
      w.commit();
      return w.rows();
    }
  }

  /** Logical block id of block {@code b} of request {@code r}. */
  static long blockId(int r, int b) {
    return ((long) r << 32) | b;
  }

  private static void attentionMass(double[] mass, int blocks, int length, int bt, int r, int l, long seed, Rng rng,
      int sinkTokens, double sinkMass, int recentTokens, double recentMass, int heavy, double heavyMass, int context) {
    int sinkBlocks = sinkTokens == 0 ? 0 : Math.min(blocks, (sinkTokens + bt - 1) / bt);
    int recentStart = Math.max(sinkBlocks, (Math.max(0, length - recentTokens)) / bt);
    int recentBlocks = recentTokens == 0 ? 0 : blocks - recentStart;
    int middle = Math.max(0, recentStart - sinkBlocks);
    // Persistent heavy hitters: a pure function of (seed, request, layer, j), inside the prompt's middle.
    int promptMiddle = Math.max(0, Math.min(middle, (context / bt) - sinkBlocks));
    int heavyCount = Math.min(heavy, promptMiddle);
    double rest = 1.0 - (sinkBlocks > 0 ? sinkMass : 0) - (recentBlocks > 0 ? recentMass : 0)
        - (heavyCount > 0 ? heavyMass : 0);
    double noiseSum = 0;
    for (int b = 0; b < blocks; b++) {
      double x = rng.exponential(1.0);
      mass[b] = x;
      if (b >= sinkBlocks && b < recentStart) {
        noiseSum += x;
      }
    }
    for (int b = 0; b < blocks; b++) {
      boolean inMiddle = b >= sinkBlocks && b < recentStart;
      mass[b] = inMiddle && noiseSum > 0 ? rest * mass[b] / noiseSum : 0;
    }
    if (middle == 0) {
      // no middle: give the remainder to the recent window (or the sinks)
      recentMass += rest;
    }
    for (int b = 0; b < sinkBlocks; b++) {
      mass[b] += sinkMass / sinkBlocks;
    }
    for (int b = recentStart; b < blocks && recentBlocks > 0; b++) {
      mass[b] += recentMass / recentBlocks;
    }
    for (int j = 0; j < heavyCount; j++) {
      long h = Hashing.mix64(Hashing.chain(Hashing.chain(seed, r), ((long) l << 20) | j));
      int b = sinkBlocks + (int) Long.remainderUnsigned(h, promptMiddle);
      mass[b] += heavyMass / heavyCount;
    }
    double sum = 0;
    for (int b = 0; b < blocks; b++) {
      sum += mass[b];
    }
    for (int b = 0; b < blocks; b++) {
      mass[b] = Math.min(1.0, mass[b] / sum);
    }
  }
}
