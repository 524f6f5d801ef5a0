package io.kvflow.engine.spec;

import io.kvflow.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything a replay needs besides the trace. Valid by construction: the constructor checks every
 * rule that does not depend on the trace ({@link ConfigRules}), so JSON, command-line overrides
 * ({@code with*}) and code cannot make a config whose settings would not apply; {@link #checkApplies}
 * checks the rules that depend on the trace.
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
 * @param offload the token range of every layer's context kept in a lower tier (requests traces)
 * @param engine the cache model: the generic tiers, or an engine's own rules (requests traces)
 * @param cluster engine instances and their router (requests traces), or null for one engine
 * @param sglang the sglang mode's own settings (page size, HiCache write policy), or null when not given
 */
public record ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
    FinishedRequests finished, Expansion expansion, int maxBatch, long seed, TimingSpec timing, long maxBatchedTokens,
    boolean waitForMemory, Preemption preemption, SparseSpec sparse, DiscardSpec discard, CodecRule codecRule, OffloadSpec offload, EngineKind engine,
    ClusterSpec cluster, SglangSpec sglang) {

  /** The largest batch. */
  public static final int MAX_BATCH = 1_000_000;

  /** The most tiers a configuration may have (five kinds of memory, several of a kind). */
  public static final int MAX_TIERS = 16;

  public ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
      FinishedRequests finished, Expansion expansion, int maxBatch, long seed, TimingSpec timing, long maxBatchedTokens,
      boolean waitForMemory, Preemption preemption, SparseSpec sparse, DiscardSpec discard, CodecRule codecRule,
      OffloadSpec offload, EngineKind engine, ClusterSpec cluster) {
    this(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory,
        preemption, sparse, discard, codecRule, offload, engine, cluster, null);
  }

  public ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
      FinishedRequests finished, Expansion expansion, int maxBatch, long seed, TimingSpec timing, long maxBatchedTokens,
      boolean waitForMemory, Preemption preemption, SparseSpec sparse, DiscardSpec discard, CodecRule codecRule,
      OffloadSpec offload) {
    this(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory,
        preemption, sparse, discard, codecRule, offload, EngineKind.GENERIC, null);
  }

  public ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
      FinishedRequests finished, Expansion expansion, int maxBatch, long seed, TimingSpec timing, long maxBatchedTokens,
      boolean waitForMemory, Preemption preemption, SparseSpec sparse, DiscardSpec discard, CodecRule codecRule) {
    this(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory,
        preemption, sparse, discard, codecRule, OffloadSpec.NONE);
  }

  public ReplayConfig(ModelSpec model, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement,
      FinishedRequests finished, Expansion expansion, int maxBatch, long seed, TimingSpec timing) {
    this(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, 0, true, Preemption.RECOMPUTE,
        SparseSpec.DENSE, DiscardSpec.NONE, null);
  }

  public ReplayConfig {
    if (model == null || tiers == null || hierarchy == null || placement == null) {
      throw ConfigException.at("$", "model, tiers, hierarchy and placement are required");
    }
    tiers = List.copyOf(tiers);
    if (offload == null) {
      offload = OffloadSpec.NONE;
    }
    if (engine == null) {
      engine = EngineKind.GENERIC;
    }
    if (offload.tier() >= tiers.size()) {
      throw ConfigException.at("$.offload.tier", "tier " + offload.tier() + " is not one of the " + tiers.size() + " tiers");
    }
    ConfigRules.tiers(tiers);
    ConfigRules.scheduler(expansion, finished, maxBatch, maxBatchedTokens, waitForMemory, preemption);
    ConfigRules.readFilters(tiers, sparse, discard, codecRule);
    ConfigRules.timing(tiers, timing);
    ConfigRules.weightsFit(model, tiers, timing);
    ConfigRules.engine(engine, tiers, hierarchy, placement, timing, expansion, finished, preemption, offload);
    ConfigRules.cluster(cluster, expansion, timing, tiers);
    ConfigRules.sglang(engine, sglang, tiers, maxBatchedTokens);
    ConfigRules.sharedPoolOffload(cluster, offload, tiers);
    if (cluster != null && engine != EngineKind.GENERIC) {
      throw ConfigException.at("$.cluster", "instances of the generic engine only; \"engine\": \"" + lower(engine)
          + "\" replays one engine; remove one of them");
    }
  }

  /** This config with {@code c} as its cluster (null: one engine). */
  public ReplayConfig withCluster(ClusterSpec c) {
    return new ReplayConfig(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule, offload, engine, c, sglang);
  }

  /**
   * Refuses a setting that cannot apply to a trace of {@code kind} (sparse reads, discard or the
   * distance rule on a requests trace, OPT on a requests trace expanded in full, the expansion,
   * scheduling modes or request-ahead prefetch on an accesses trace), naming its JSON path.
   *
   * @throws ConfigException without a source; the caller adds the trace and the config's name
   */
  public void checkApplies(TraceKind kind) {
    ConfigRules.applies(this, kind);
  }

  /**
   * {@link #checkApplies(TraceKind)}, and the sizes a trace of {@code blockTokens}-token blocks gives
   * this config ({@link ConfigRules#sizes}): a block's bytes, each tier's capacity in placement units
   * and bytes, the transfers {@code max_transfer_bytes} splits a unit into; every refusal names its
   * JSON path and the limit, so no size derived on replay wraps around 64 bits.
   *
   * @throws ConfigException without a source; the caller adds the trace and the config's name
   */
  public void checkApplies(TraceKind kind, int blockTokens) {
    ConfigRules.applies(this, kind);
    ConfigRules.sizes(this, blockTokens);
  }

  /**
   * The placement units all tiers hold together for a trace of {@code blockTokens}-token blocks, as
   * the replay sizes them (a tier's blocks, or its bytes over a unit's stored bytes); a config that
   * {@link #checkApplies(TraceKind, int)} accepted gives at most 2^31 per tier.
   */
  public long placementUnits(int blockTokens) {
    return ConfigRules.placementUnits(this, blockTokens);
  }

  public ReplayConfig withTiers(List<TierConfig> t) {
    return new ReplayConfig(model, t, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule, offload, engine, cluster, sglang);
  }

  /** This config with the first tier's policy replaced. */
  public ReplayConfig withFirstTierPolicy(io.kvflow.engine.policy.PolicyKind p) {
    List<TierConfig> t = new ArrayList<>(tiers);
    t.set(0, t.get(0).withPolicy(p));
    return withTiers(t);
  }

  public ReplayConfig withModel(ModelSpec m) {
    return new ReplayConfig(m, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, timing, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule, offload, engine, cluster, sglang);
  }

  public ReplayConfig withTiming(TimingSpec t) {
    return new ReplayConfig(model, tiers, hierarchy, placement, finished, expansion, maxBatch, seed, t, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule, offload, engine, cluster, sglang);
  }

  public ReplayConfig withExpansion(Expansion e) {
    return new ReplayConfig(model, tiers, hierarchy, placement, finished, e, maxBatch, seed, timing, maxBatchedTokens, waitForMemory, preemption, sparse, discard, codecRule, offload, engine, cluster, sglang);
  }

  /** The sglang mode's settings: those given, or SGLang's defaults. */
  public SglangSpec sglangSpec() {
    return sglang == null ? SglangSpec.DEFAULT : sglang;
  }

  static <E extends Enum<E>> String lower(E e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Binds a config object; a rule the records refuse is reported with {@code n}'s source. */
  static ReplayConfig bind(ConfigNode n) {
    try {
      return bindRecords(n);
    } catch (ConfigException e) {
      throw e.from(n.source());
    }
  }

  private static ReplayConfig bindRecords(ConfigNode n) {
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
    if (tierNodes.size() > MAX_TIERS) {
      throw n.fieldError("tiers", tierNodes.size() + " tiers; at most " + MAX_TIERS);
    }
    boolean timed = n.has("hardware");
    List<TierConfig> tiers = new ArrayList<>();
    for (int i = 0; i < tierNodes.size(); i++) {
      tiers.add(TierConfig.bind(tierNodes.get(i), i == 0, timed));
    }
    // tier rules first, so that a tier out of order is named before a link that cannot reach it
    ConfigRules.tiers(tiers);
    Hierarchy h = n.choice("hierarchy", Hierarchy.values(), ReplayConfig::lower, Hierarchy.EXCLUSIVE);
    Placement p = n.choice("placement", Placement.values(), ReplayConfig::lower, Placement.BLOCK);
    FinishedRequests f = n.choice("finished_requests", FinishedRequests.values(), ReplayConfig::lower, FinishedRequests.CACHE);
    Expansion e = n.choice("expansion", Expansion.values(), ReplayConfig::lower, Expansion.FULL);
    int batch = n.intValue("max_batch", 1, MAX_BATCH, 8);
    long seed = n.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE, 0L);
    TimingSpec timing = TimingSpec.bind(n, tiers);
    long batchedTokens = n.longValue("max_batched_tokens", 0, Long.MAX_VALUE, 0L);
    var waitNode = n.raw("wait_for_memory");
    if (waitNode != null && !waitNode.isBoolean()) {
      throw n.fieldError("wait_for_memory", "expected true or false, got " + waitNode);
    }
    boolean wait = waitNode == null || waitNode.asBoolean();
    // without waiting for memory nothing tracks the batch's growth, so nothing preempts by default
    Preemption pre = n.choice("preemption", Preemption.values(), ReplayConfig::lower,
        wait ? Preemption.RECOMPUTE : Preemption.NONE);
    SparseSpec sparse = SparseSpec.bind(n);
    DiscardSpec discard = DiscardSpec.bind(n);
    CodecRule rule = CodecRule.bind(n);
    OffloadSpec offload = OffloadSpec.bind(n, tiers);
    EngineKind engine = n.choice("engine", EngineKind.values(), ReplayConfig::lower, EngineKind.GENERIC);
    ClusterSpec cluster = ClusterSpec.bind(n);
    SglangSpec sglang = SglangSpec.bind(n, tiers);
    n.finish();
    return new ReplayConfig(model, tiers, h, p, f, e, batch, seed, timing, batchedTokens, wait, pre, sparse, discard, rule,
        offload, engine, cluster, sglang);
  }
}
