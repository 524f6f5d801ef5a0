package io.kvflow.engine.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Everything a replay needs besides the trace.
 *
 * @param model model shape (block bytes, layers)
 * @param tiers tiers, fastest first; the first is the one compute reads from
 * @param hierarchy exclusive or inclusive
 * @param placement whole blocks or block x layer
 * @param finished what happens to a finished request's blocks
 * @param expansion how requests become accesses
 * @param maxBatch requests decoded together (simple batching until the scheduler lands)
 * @param seed seed of any random choice (recorded in the report)
 * @param timing the timing model's settings, or null to count without time
 * @param maxBatchedTokens tokens one iteration may process (prefill plus decode; 0 = no limit)
 * @param waitForMemory whether admission waits while the batch's blocks would not fit the first tier
 * @param preemption what happens when the running batch outgrows the first tier
 * @param sparse which blocks a layer reads in a decode step
 * @param discard which tokens are dropped for good
 * @param codecRule the distance rule for data read from lower tiers, or null
 */
public record ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
    FinishedRequests finished, Expansion expansion, int maxBatch, long seed, TimingSpec timing, long maxBatchedTokens,
    boolean waitForMemory, Preemption preemption, SparseSpec sparse, DiscardSpec discard, CodecRule codecRule) {

  public ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
      FinishedRequests finished, Expansion expansion, int maxBatch, long seed, TimingSpec timing) {
    this(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, 0, true, Preemption.RECOMPUTE,
        SparseSpec.DENSE, DiscardSpec.NONE, null);
  }

  public ReplayConfig {
    tiers = List.copyOf(tiers);
  }

  public ReplayConfig withTiers(List<TierConfig> t) {
    return new ReplayConfig(model, t, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule);
  }

  public ReplayConfig withModel(ModelSpec m) {
    return new ReplayConfig(m, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule);
  }

  public ReplayConfig withTiming(TimingSpec t) {
    return new ReplayConfig(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, t, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule);
  }

  public ReplayConfig withExpansion(Expansion e) {
    return new ReplayConfig(model, tiers, hierarchy, placement, finished, e, maxBatch, seed, timing, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule);
  }

  /** A boolean field, or its default. */
  private record JsonNodeBool(com.fasterxml.jackson.databind.JsonNode v, ConfigNode n) {
    boolean value(boolean def) {
      if (v == null) {
        return def;
      }
      if (!v.isBoolean()) {
        throw n.fieldError("wait_for_memory", "expected true or false, got " + v);
      }
      return v.asBoolean();
    }
  }

  static <E extends Enum<E>> String lower(E e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static ReplayConfig bind(ConfigNode n) {
    var modelNode = n.raw("model");
    ModelSpec model;
    if (modelNode == null) {
      throw n.fieldError("model", "missing; name a preset (" + Presets.modelNames() + ") or give an object");
    } else if (modelNode.isTextual()) {
      model = Presets.model(modelNode.asText(), n.source(), n.path() + ".model");
    } else {
      model = ModelSpec.bind(n.object("model"));
    }
    List<ConfigNode> tierNodes = n.objects("tiers");
    if (tierNodes.isEmpty()) {
      throw n.fieldError("tiers", "at least one tier is needed");
    }
    List<TierConfig> tiers = tierNodes.stream().map(TierConfig::bind).toList();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < tiers.size(); i++) {
      TierConfig t = tiers.get(i);
      if (!names.add(t.tier().name())) {
        throw n.error(n.path() + ".tiers[" + i + "].name", "duplicate tier name '" + t.tier().name() + "'");
      }
      if (i > 0 && t.tier().kind().ordinal() < tiers.get(i - 1).tier().kind().ordinal()) {
        throw n.error(n.path() + ".tiers[" + i + "].kind", "tiers out of order: " + lower(t.tier().kind())
            + " after " + lower(tiers.get(i - 1).tier().kind()) + "; list tiers fastest first (sram, hbm, cxl, dram, ssd)");
      }
      if (i > 0 && t.policy() == io.kvflow.engine.policy.PolicyKind.OPT) {
        throw n.error(n.path() + ".tiers[" + i + "].policy", "OPT is available for the first tier only");
      }
    }
    if (tiers.size() > 1 && tiers.get(0).policy() == io.kvflow.engine.policy.PolicyKind.OPT) {
      throw n.error(n.path() + ".tiers[0].policy", "OPT needs a single-tier configuration (its oracle is that tier's access sequence)");
    }
    Hierarchy h = n.choice("hierarchy", Hierarchy.values(), ReplayConfig::lower, Hierarchy.EXCLUSIVE);
    Placement p = n.choice("placement", Placement.values(), ReplayConfig::lower, Placement.BLOCK);
    FinishedRequests f = n.choice("finished_requests", FinishedRequests.values(), ReplayConfig::lower, FinishedRequests.CACHE);
    Expansion e = n.choice("expansion", Expansion.values(), ReplayConfig::lower, Expansion.FULL);
    int batch = n.intValue("max_batch", 1, 1_000_000, 8);
    long seed = n.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE, 0L);
    TimingSpec timing = timing(n, tiers);
    long batchedTokens = n.longValue("max_batched_tokens", 0, Long.MAX_VALUE, 0L);
    JsonNodeBool wait = new JsonNodeBool(n.raw("wait_for_memory"), n);
    Preemption pre = n.choice("preemption", Preemption.values(), ReplayConfig::lower, Preemption.RECOMPUTE);
    SparseSpec sparse = SparseSpec.bind(n);
    DiscardSpec discard = DiscardSpec.bind(n);
    CodecRule rule = CodecRule.bind(n);
    n.finish();
    if (sparse.kind() != SparseKind.DENSE && discard.kind() != DiscardKind.NONE) {
      throw n.fieldError("discard", "sparse_reads and discard together are not supported yet; choose one");
    }
    return new ReplayConfig(model, tiers, h, p, f, e, batch, seed, timing, batchedTokens, wait.value(true), pre, sparse,
        discard, rule);
  }

  private static TimingSpec timing(ConfigNode n, List<TierConfig> tiers) {
    var hw = n.raw("hardware");
    if (hw == null) {
      if (n.has("prefetch") || n.has("max_transfer_bytes")) {
        throw n.fieldError("hardware", "missing: prefetch and transfer settings need a hardware preset or object");
      }
      return null;
    }
    HardwareSpec hardware;
    boolean inline = !hw.isTextual();
    if (hw.isTextual()) {
      var preset = Presets.resource("hardware", hw.asText());
      if (preset == null) {
        throw n.fieldError("hardware", "unknown hardware preset '" + hw.asText() + "'; presets are " + Presets.HARDWARE);
      }
      hardware = HardwareSpec.bind(new ConfigNode("preset hardware/" + hw.asText(), "$", preset));
    } else {
      hardware = HardwareSpec.bind(n.object("hardware"));
    }
    Set<String> kinds = new HashSet<>();
    tiers.forEach(t -> kinds.add(lower(t.tier().kind())));
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
          known |= lower(k).equals(end);
        }
        if (!known || (inline && !kinds.contains(end))) {
          throw n.error(at + (end.equals(l.from()) ? ".from" : ".to"), "no tier of kind '" + end
              + "' in this configuration; links join tiers listed in $.tiers (kinds " + kinds + ")");
        }
      }
    }
    String top = lower(tiers.get(0).tier().kind());
    for (int i = 1; i < tiers.size(); i++) {
      String k = lower(tiers.get(i).tier().kind());
      if (hardware.route(k, top, new java.util.HashSet<>(kinds)) == null) {
        throw n.error(n.path() + ".tiers[" + i + "]", "no link from " + k + " to " + top + " in hardware '"
            + hardware.name() + "', directly or through the other tiers; add one to $.hardware.links");
      }
    }
    PrefetchKind prefetch = PrefetchKind.NONE;
    int depth = 0;
    long budget = 0;
    if (n.has("prefetch")) {
      ConfigNode p = n.object("prefetch");
      prefetch = p.choice("policy", PrefetchKind.values(), ReplayConfig::lower, PrefetchKind.NONE);
      depth = p.intValue("depth", 0, 1_000, prefetch == PrefetchKind.NONE ? 0 : 1);
      budget = p.longValue("budget_bytes_per_step", 0, Long.MAX_VALUE, 0L);
      p.finish();
      if (prefetch != PrefetchKind.NONE && depth < 1) {
        throw n.error(n.path() + ".prefetch.depth", lower(prefetch) + " prefetch needs depth >= 1");
      }
    }
    long maxTransfer = n.longValue("max_transfer_bytes", 0, Long.MAX_VALUE, 0L);
    return new TimingSpec(hardware, prefetch, depth, budget, maxTransfer);
  }
}
