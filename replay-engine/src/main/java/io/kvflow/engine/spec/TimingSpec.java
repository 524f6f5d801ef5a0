package io.kvflow.engine.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The timing model's settings; absent from a config, replay counts without time. Prefetch depth and
 * budget exist only for a prefetch policy other than none.
 *
 * @param hardware GPU and links
 * @param prefetch prefetch policy
 * @param depth layers (layer-ahead, reuse-predicted) or iterations (request-ahead) ahead; 0 without prefetch
 * @param budgetBytesPerStep most bytes prefetched per step (0 = unlimited); the rest is demand-fetched; 0 without prefetch
 * @param maxTransferBytes adjacent blocks of one layer on one link are coalesced into transfers of up to this size (0 = one transfer per block)
 * @param tensorParallel GPUs of one instance that split every layer's weights and KV heads (1: one GPU)
 * @param execution how kernels are launched (CUDA graph or eager), for the per-operator model
 * @param crossStep whether layer-ahead prefetch reaches into the next step (the first layers of step
 *     s+1 fetched during the last layers of step s); false: each step's first layers are demand-fetched
 */
public record TimingSpec(HardwareSpec hardware, PrefetchKind prefetch, int depth, long budgetBytesPerStep, long maxTransferBytes,
    int tensorParallel, Execution execution, boolean crossStep) {
  /** The deepest prefetch. */
  public static final int MAX_DEPTH = 1_000;

  public TimingSpec(HardwareSpec hardware, PrefetchKind prefetch, int depth, long budgetBytesPerStep, long maxTransferBytes) {
    this(hardware, prefetch, depth, budgetBytesPerStep, maxTransferBytes, 1, Execution.GRAPH, true);
  }

  public TimingSpec {
    if (tensorParallel < 1 || tensorParallel > 1024) {
      throw ConfigException.at("$.tensor_parallel", tensorParallel + " must be in [1, 1024]");
    }
    Objects.requireNonNull(execution, "execution");
    if (hardware == null) {
      throw ConfigException.at("$.hardware", "missing");
    }
    Objects.requireNonNull(prefetch, "prefetch");
    if (prefetch == PrefetchKind.NONE && depth != 0) {
      throw noPrefetch("depth");
    }
    if (prefetch == PrefetchKind.NONE && budgetBytesPerStep != 0) {
      throw noPrefetch("budget_bytes_per_step");
    }
    if (prefetch != PrefetchKind.NONE && (depth < 1 || depth > MAX_DEPTH)) {
      throw ConfigException.at("$.prefetch.depth", ReplayConfig.lower(prefetch) + " prefetch needs depth in [1, "
          + MAX_DEPTH + "], not " + depth);
    }
    if (budgetBytesPerStep < 0) {
      throw ConfigException.at("$.prefetch.budget_bytes_per_step", budgetBytesPerStep + " must be >= 0");
    }
    if (maxTransferBytes < 0) {
      throw ConfigException.at("$.max_transfer_bytes", maxTransferBytes + " must be >= 0");
    }
  }

  private static ConfigException noPrefetch(String field) {
    return ConfigException.at("$.prefetch." + field, "applies to a prefetch policy (layer-ahead, request-ahead, "
        + "reuse-predicted), not none; remove it or choose one");
  }

  /** Binds {@code $.hardware}, {@code $.prefetch} and {@code $.max_transfer_bytes}; null without hardware. */
  static TimingSpec bind(ConfigNode n, List<TierConfig> tiers) {
    var hw = n.raw("hardware");
    if (hw == null) {
      for (String f : new String[] {"prefetch", "max_transfer_bytes", "tensor_parallel", "execution"}) {
        n.rejectIfGiven(f, "applies to the timing model only; add \"hardware\" (a preset name or object) or remove it");
      }
      return null;
    }
    HardwareSpec hardware;
    boolean inline = !hw.isTextual();
    if (hw.isTextual()) {
      hardware = Presets.hardware(hw.asText());
      if (hardware == null) {
        throw n.fieldError("hardware", "unknown hardware preset '" + hw.asText() + "'; presets are " + Presets.HARDWARE);
      }
    } else {
      hardware = HardwareSpec.bind(n.object("hardware"));
    }
    Set<String> kinds = new HashSet<>();
    tiers.forEach(t -> kinds.add(ReplayConfig.lower(t.tier().kind())));
    Set<String> linkNames = new HashSet<>();
    for (int i = 0; i < hardware.links().size(); i++) {
      LinkSpec l = hardware.links().get(i);
      String at = n.path() + ".hardware.links[" + i + "]";
      if (!linkNames.add(l.name())) {
        throw n.error(at + ".name", "duplicate link name '" + l.name() + "'");
      }
      for (String end : new String[] {l.from(), l.to()}) {
        boolean known = false;
        for (TierKind k : TierKind.values()) {
          known |= ReplayConfig.lower(k).equals(end);
        }
        // a preset's links may join kinds this config does not have; links written here may not
        if (!known || (inline && !kinds.contains(end))) {
          throw n.error(at + (end.equals(l.from()) ? ".from" : ".to"), "no tier of kind '" + end
              + "' in this configuration; links join tiers listed in $.tiers (kinds " + kinds + ")");
        }
      }
    }
    PrefetchKind prefetch = PrefetchKind.NONE;
    boolean crossStep = true;
    int depth = 0;
    long budget = 0;
    if (n.has("prefetch")) {
      ConfigNode p = n.object("prefetch");
      prefetch = p.choice("policy", PrefetchKind.values(), ReplayConfig::lower, PrefetchKind.NONE);
      if (prefetch == PrefetchKind.NONE) {
        for (String f : new String[] {"depth", "budget_bytes_per_step"}) {
          p.rejectIfGiven(f, "applies to a prefetch policy (layer-ahead, request-ahead, reuse-predicted), not none; "
              + "remove it or choose one");
        }
      }
      if (prefetch != PrefetchKind.LAYER_AHEAD && prefetch != PrefetchKind.REUSE_PREDICTED) {
        p.rejectIfGiven("cross_step", "applies to layer-ahead and reuse-predicted prefetch, which fetch layers ahead");
      }
      crossStep = p.bool("cross_step", true);
      depth = p.intValue("depth", prefetch == PrefetchKind.NONE ? 0 : 1, MAX_DEPTH, prefetch == PrefetchKind.NONE ? 0 : 1);
      budget = p.longValue("budget_bytes_per_step", 0, Long.MAX_VALUE, 0L);
      p.finish();
    }
    long maxTransfer = n.longValue("max_transfer_bytes", 0, Long.MAX_VALUE, 0L);
    int tp = n.intValue("tensor_parallel", 1, 1024, 1);
    Execution execution = n.choice("execution", Execution.values(), ReplayConfig::lower, Execution.GRAPH);
    if (hardware.compute() == null) {
      n.rejectIfGiven("execution", "applies to hardware with a per-operator compute profile (h100-sxm, h200); "
          + "hardware '" + hardware.name() + "' has none");
    }
    return new TimingSpec(hardware, prefetch, depth, budget, maxTransfer, tp, execution, crossStep);
  }
}
