package io.kvflow.engine.spec;

import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.trace.TraceKind;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules that join settings of several config records: nothing is accepted that cannot apply.
 * {@link ReplayConfig}'s constructor runs every rule that does not depend on the trace, so a config
 * made by binding JSON, by a command-line override ({@code with*}) or in code obeys them alike;
 * {@link #applies} holds the rules that do. Each refusal names the JSON path it refuses, says why
 * and what to do.
 */
final class ConfigRules {
  /** The slowest rate a config may give in bytes per second (1 MB/s): anything slower is a mistake of units. */
  static final double MIN_BYTES_PER_SECOND = 1e6;

  /** The fastest rate in bytes per second (1 EB/s). */
  static final double MAX_BYTES_PER_SECOND = 1e18;

  /** The slowest compute rate in FLOP/s. */
  static final double MIN_FLOPS = 1e6;

  /** The fastest compute rate in FLOP/s (a thousand times a whole current GPU cluster's). */
  static final double MAX_FLOPS = 1e21;

  /** The largest fixed cost in nanoseconds of one transfer, layer, kernel or block (1,000 s). */
  static final long MAX_COST_NS = 1_000_000_000_000L;

  /** The most transfers one placement unit may be split into by {@code max_transfer_bytes}. */
  static final long MAX_TRANSFERS_PER_UNIT = 16;

  private ConfigRules() {}

  /** Tiers: each tier's own rules, unique names, fastest first, OPT only as the only tier. */
  static void tiers(List<TierConfig> tiers) {
    if (tiers.isEmpty()) {
      throw ConfigException.at("$.tiers", "at least one tier is needed");
    }
    if (tiers.size() > ReplayConfig.MAX_TIERS) {
      throw ConfigException.at("$.tiers", tiers.size() + " tiers; at most " + ReplayConfig.MAX_TIERS);
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < tiers.size(); i++) {
      TierConfig t = tiers.get(i);
      String at = "$.tiers[" + i + "]";
      if (t == null) {
        throw ConfigException.at(at, "missing");
      }
      t.check(at);
      if (!names.add(t.tier().name())) {
        throw ConfigException.at(at + ".name", "duplicate tier name '" + t.tier().name() + "'");
      }
      if (i > 0 && t.tier().kind().ordinal() < tiers.get(i - 1).tier().kind().ordinal()) {
        throw ConfigException.at(at + ".kind", "tiers out of order: " + ReplayConfig.lower(t.tier().kind()) + " after "
            + ReplayConfig.lower(tiers.get(i - 1).tier().kind()) + "; list tiers fastest first (sram, hbm, cxl, dram, ssd)");
      }
      if (t.policy() == PolicyKind.OPT && tiers.size() > 1) {
        throw ConfigException.at(at + ".policy", "opt needs a single-tier configuration (its oracle is the one tier's "
            + "lookup sequence; a tier above or below would change what it sees); this one has " + tiers.size()
            + " tiers; remove the others or choose another policy");
      }
    }
  }

  /**
   * The scheduler of requests traces: batch sizes in range; preemption only while admission waits
   * for memory (only then is the batch's growth tracked); with {@code expansion: prefix} (no batch,
   * no decode) no scheduling mode other than the defaults.
   */
  static void scheduler(Expansion expansion, FinishedRequests finished, int maxBatch, long maxBatchedTokens,
      boolean waitForMemory, Preemption preemption) {
    if (expansion == null || finished == null || preemption == null) {
      throw ConfigException.at("$", "expansion, finished_requests and preemption are required");
    }
    if (maxBatch < 1 || maxBatch > ReplayConfig.MAX_BATCH) {
      throw ConfigException.at("$.max_batch", maxBatch + " must be in [1, " + ReplayConfig.MAX_BATCH + "]");
    }
    if (maxBatchedTokens < 0) {
      throw ConfigException.at("$.max_batched_tokens", maxBatchedTokens + " must be >= 0");
    }
    if (expansion == Expansion.PREFIX) {
      schedulingModes(finished, waitForMemory, preemption, "with \"expansion\": \"prefix\" (each request's input blocks "
          + "are read once, in file order: nothing is batched, decoded or finished)");
    }
    if (!waitForMemory && preemption != Preemption.NONE) {
      throw ConfigException.at("$.preemption", ReplayConfig.lower(preemption) + " acts when the running batch outgrows "
          + "the first tier, which only \"wait_for_memory\": true tracks; remove it (none is the default without "
          + "waiting) or set wait_for_memory to true");
    }
  }

  /** Refuses a scheduling mode other than the default where no scheduler runs ({@code where} says why). */
  private static void schedulingModes(FinishedRequests finished, boolean waitForMemory, Preemption preemption,
      String where) {
    if (finished != FinishedRequests.CACHE) {
      throw ConfigException.at("$.finished_requests", ReplayConfig.lower(finished) + " does not apply " + where
          + "; remove it");
    }
    if (!waitForMemory) {
      throw ConfigException.at("$.wait_for_memory", "false does not apply " + where + "; remove it");
    }
    if (preemption != Preemption.RECOMPUTE) {
      throw ConfigException.at("$.preemption", ReplayConfig.lower(preemption) + " does not apply " + where
          + "; remove it");
    }
  }

  /**
   * What reads keep: sparse reads and discard are exclusive; OPT's oracle is taken from the trace
   * before either selects reads, so neither goes with it; the distance rule needs a tier below the
   * compute tier to read from.
   */
  static void readFilters(List<TierConfig> tiers, SparseSpec sparse, DiscardSpec discard, CodecRule codecRule) {
    if (sparse == null || discard == null) {
      throw ConfigException.at(sparse == null ? "$.sparse_reads" : "$.discard", "required (dense / none for no filter)");
    }
    if (sparse.kind() != SparseKind.DENSE && discard.kind() != DiscardKind.NONE) {
      throw ConfigException.at("$.discard", "sparse_reads and discard together are not supported yet; choose one");
    }
    if (tiers.get(0).policy() == PolicyKind.OPT) {
      if (sparse.kind() != SparseKind.DENSE) {
        throw ConfigException.at("$.sparse_reads", "policy opt takes its oracle from every lookup of the trace, before "
            + "sparse reads keep some; remove sparse_reads or choose another policy for $.tiers[0]");
      }
      if (discard.kind() != DiscardKind.NONE) {
        throw ConfigException.at("$.discard", "policy opt takes its oracle from every lookup of the trace, before "
            + "discard drops some; remove discard or choose another policy for $.tiers[0]");
      }
    }
    if (codecRule != null && tiers.size() == 1) {
      throw ConfigException.at("$.codec_rule", "sets the codec of data read from tiers below the compute tier; this "
          + "configuration has one tier; remove it or add a lower tier");
    }
  }

  /**
   * Timing: every lower tier reaches the compute tier over the hardware's links; a codec's place
   * applies to a lower tier's data on its way up, in the timing model only.
   */
  static void timing(List<TierConfig> tiers, TimingSpec timing) {
    if (tiers.get(0).codec().place() == CodecPlace.COMPUTE_STREAM && tiers.get(0).codec().kind() != CodecKind.NONE) {
      throw ConfigException.at("$.tiers[0].codec.place", "the compute tier reads its compressed KV in place and "
          + "decompresses it on the compute stream; place applies to lower tiers only; remove it");
    }
    if (timing == null) {
      for (int i = 1; i < tiers.size(); i++) {
        if (tiers.get(i).codec().place() != CodecPlace.COPY_PATH) {
          throw ConfigException.at("$.tiers[" + i + "].codec.place", "applies to the timing model only; add "
              + "\"hardware\" (a preset name or object) or remove it");
        }
      }
      return;
    }
    Set<String> kinds = new HashSet<>();
    tiers.forEach(t -> kinds.add(ReplayConfig.lower(t.tier().kind())));
    String top = ReplayConfig.lower(tiers.get(0).tier().kind());
    for (int i = 1; i < tiers.size(); i++) {
      String k = ReplayConfig.lower(tiers.get(i).tier().kind());
      if (timing.hardware().route(k, top, new HashSet<>(kinds)) == null) {
        throw ConfigException.at("$.tiers[" + i + "]", "no link from " + k + " to " + top + " in hardware '"
            + timing.hardware().name() + "', directly or through the other tiers; add one to $.hardware.links");
      }
    }
  }

  /**
   * The rules that depend on the trace. Requests traces: sparse reads, discard and the distance rule
   * select among the reads of one (request, step, layer) of a recorded decode, which the expansion of
   * requests does not produce; OPT needs a sequence of lookups ({@code expansion: prefix}). Accesses
   * traces are replayed as recorded: the expansion, the scheduling modes and request-ahead prefetch
   * (which follows the scheduler's admissions) do not apply. Batch sizes are not refused there: a
   * shipped config describes a serving system and serves both kinds.
   */
  /**
   * The engine modes: {@code vllm} models one GPU block pool and at most one CPU offload tier below
   * it, whole blocks, vLLM's own scheduler (recompute preemption) and its own eviction order;
   * {@code sglang} one GPU radix cache and at most one HiCache host tier below it, SGLang's scheduler
   * (retraction) and LRU of unlocked leaves. Both count without time; settings that would have no
   * effect there are refused, naming their path.
   */
  static void engine(EngineKind engine, List<TierConfig> tiers, Hierarchy hierarchy, Placement placement, TimingSpec timing,
      Expansion expansion, FinishedRequests finished, Preemption preemption, OffloadSpec offload) {
    if (engine == EngineKind.GENERIC) {
      return;
    }
    String mode = "\"engine\": \"" + ReplayConfig.lower(engine) + "\"";
    boolean sglang = engine == EngineKind.SGLANG;
    String who = sglang ? "SGLang" : "vLLM";
    String gpu = sglang ? "GPU radix cache" : "GPU block pool";
    String lower = sglang ? "HiCache host tier" : "CPU offload tier";
    if (tiers.size() > 2) {
      throw ConfigException.at("$.tiers", mode + " models the " + gpu + " (the first tier) and at most one " + lower
          + " below it; this config has " + tiers.size() + " tiers; remove the others");
    }
    for (int i = 0; i < tiers.size(); i++) {
      if (tiers.get(i).policy() != PolicyKind.LRU) {
        throw ConfigException.at("$.tiers[" + i + "].policy", mode + " evicts by the engine's own order ("
            + (sglang ? "LRU of unlocked leaves on the GPU, of host-only leaves on the host" : "the GPU pool's free "
            + "queue, LRU on the CPU tier") + "); remove the policy or set \"lru\"");
      }
      if (tiers.get(i).admission() != AdmissionKind.ALWAYS) {
        throw ConfigException.at("$.tiers[" + i + "].admission", mode + (sglang ? " caches every finished request's "
            + "pages (GPU) and writes nodes by the HiCache write policy (host)" : " caches every full block it computes "
            + "(GPU) and every block the GPU evicts (CPU)") + "; remove \"admission\"");
      }
      if (tiers.get(i).codec() != null && tiers.get(i).codec().kind() != CodecKind.NONE) {
        throw ConfigException.at("$.tiers[" + i + "].codec", mode + " stores blocks uncompressed; remove \"codec\"");
      }
    }
    if (hierarchy != Hierarchy.EXCLUSIVE && (sglang || tiers.size() < 2)) {
      throw ConfigException.at("$.hierarchy", mode + (sglang ? " keeps a node on the host tier by the HiCache write "
          + "policy (\"sglang\": {\"hicache_write_policy\"}) (docs/engines.md); remove \"hierarchy\""
          : " writes blocks through to a CPU tier with \"inclusive\", and this config has none; add a second tier "
          + "or remove \"hierarchy\""));
    }
    if (placement != Placement.BLOCK) {
      throw ConfigException.at("$.placement", mode + " allocates " + (sglang ? "pages" : "whole blocks")
          + " (all layers together); remove \"placement\"");
    }
    if (timing != null) {
      throw ConfigException.at("$.engine", mode + " counts blocks and tokens without time in this version; remove "
          + "\"hardware\" (and the timing settings) or use the generic engine");
    }
    if (expansion != Expansion.FULL) {
      throw ConfigException.at("$.expansion", mode + " runs " + who + "'s scheduler over prefill and decode; remove "
          + "\"expansion\"");
    }
    if (finished != FinishedRequests.CACHE) {
      throw ConfigException.at("$.finished_requests", mode + (sglang ? " inserts a finished request's tokens into the "
          + "radix tree" : " keeps a finished request's blocks cached in the free queue") + ", as " + who + " does; "
          + "remove \"finished_requests\"");
    }
    if (preemption != Preemption.RECOMPUTE) {
      throw ConfigException.at("$.preemption", mode + (sglang ? " retracts requests (recompute), as SGLang does"
          : " preempts by recompute, as vLLM v1 does") + "; remove \"preemption\" and \"wait_for_memory\"");
    }
    if (offload.range() != OffloadSpec.Range.NONE) {
      throw ConfigException.at("$.offload", mode + " offloads by its " + (sglang ? lower : "CPU tier") + "'s store rule, not a token range; "
          + "remove \"offload\"");
    }
  }

  /** The {@code "sglang"} settings apply to {@code "engine": "sglang"} only. */
  static void sglang(EngineKind engine, SglangSpec sglang, List<TierConfig> tiers, long maxBatchedTokens) {
    if (sglang != null && engine != EngineKind.SGLANG) {
      throw ConfigException.at("$.sglang", "sets the page size and HiCache write policy of \"engine\": \"sglang\"; "
          + "this config's engine is \"" + ReplayConfig.lower(engine) + "\"; remove \"sglang\" or set the engine");
    }
    int page = sglang == null ? 1 : sglang.pageTokens();
    if (engine == EngineKind.SGLANG && maxBatchedTokens > 0 && maxBatchedTokens < page) {
      throw ConfigException.at("$.max_batched_tokens", maxBatchedTokens + " is SGLang's chunked_prefill_size and must "
          + "hold at least one page (" + page + " tokens); raise it or lower $.sglang.page_size");
    }
  }

  static void applies(ReplayConfig c, TraceKind kind) {
    if (kind == TraceKind.REQUESTS) {
      String why = "applies to accesses traces only (it works on the recorded reads of one request, step and layer, "
          + "which the expansion of requests does not make); this is a requests trace; remove it";
      if (c.sparse().kind() != SparseKind.DENSE) {
        throw ConfigException.at("$.sparse_reads", why);
      }
      if (c.discard().kind() != DiscardKind.NONE) {
        throw ConfigException.at("$.discard", why);
      }
      if (c.codecRule() != null) {
        throw ConfigException.at("$.codec_rule", why);
      }
      if (c.offload().range() != OffloadSpec.Range.NONE && c.expansion() != Expansion.FULL) {
        throw ConfigException.at("$.offload", "applies to decode steps; \"expansion\": \"prefix\" has none; remove it");
      }
      if (c.tiers().get(0).policy() == PolicyKind.OPT && c.expansion() != Expansion.PREFIX) {
        throw ConfigException.at("$.tiers[0].policy", "opt replays a sequence of lookups only; for a requests trace use "
            + "\"expansion\": \"prefix\" (decode appends and frees change residency outside its oracle)");
      }
      return;
    }
    String where = "to an accesses trace (it is replayed as recorded, with its own batches and FREE rows)";
    if (c.engine() != EngineKind.GENERIC) {
      throw ConfigException.at("$.engine", "\"" + ReplayConfig.lower(c.engine()) + "\" applies to requests traces "
          + "only (the engine schedules requests and looks up their prompt blocks); this is an accesses trace; remove "
          + "it or import a requests trace");
    }
    if (c.cluster() != null) {
      throw ConfigException.at("$.cluster", "routes requests to instances; an accesses trace records one engine's "
          + "accesses and has no requests to route; remove it or replay a requests trace");
    }
    if (c.expansion() != Expansion.FULL) {
      throw ConfigException.at("$.expansion", ReplayConfig.lower(c.expansion()) + " applies to requests traces only; "
          + "an accesses trace is replayed as recorded; remove it");
    }
    schedulingModes(c.finished(), c.waitForMemory(), c.preemption(), where);
    if (c.offload().range() != OffloadSpec.Range.NONE) {
      throw ConfigException.at("$.offload", "applies to requests traces (the expansion knows each block's place in its "
          + "sequence); an accesses trace records its own reads; remove it");
    }
    if (c.timing() != null && c.timing().prefetch() == PrefetchKind.REQUEST_AHEAD) {
      throw ConfigException.at("$.prefetch.policy", "request-ahead fetches the prefill blocks of the requests the "
          + "scheduler admits next; an accesses trace has no scheduler; use layer-ahead or reuse-predicted");
    }
  }

  /**
   * The sizes a trace's block size ({@code blockTokens}, which wins over the model's) derives,
   * checked with exact arithmetic before a replay: one block's KV in all layers at most {@link
   * ModelSpec#MAX_BLOCK_BYTES}; each tier at least one placement unit (a block, or one layer of it),
   * at most {@link TierConfig#MAX_CAPACITY_BLOCKS} units (all tiers together in an exclusive
   * hierarchy) and {@link TierConfig#MAX_CAPACITY_BYTES} bytes; {@code max_transfer_bytes} splitting a
   * unit into at most {@link #MAX_TRANSFERS_PER_UNIT} transfers (each is simulated on its own).
   */
  static void sizes(ReplayConfig c, int blockTokens) {
    ModelSpec m = c.model();
    String large = m.blockTooLarge(blockTokens);
    if (large != null) {
      throw ConfigException.at("$.model", large + " (the trace's blocks are " + blockTokens + " tokens, its block size "
          + "wins over the model's); use a smaller model");
    }
    boolean block = c.placement() == Placement.BLOCK;
    long unitBytes = m.blockBytesPerLayer(blockTokens);
    long keyBytes = block ? unitBytes * m.layers() : unitBytes;
    String unit = block ? "a " + blockTokens + "-token block in all " + m.layers() + " layers"
        : "one layer of a " + blockTokens + "-token block";
    long total = 0;
    for (int i = 0; i < c.tiers().size(); i++) {
      TierConfig t = c.tiers().get(i);
      String at = "$.tiers[" + i + "]";
      long stored = Math.max(1, t.codec().stored(keyBytes, m.kvDtypeBytes()));
      long units;
      if (t.capacityBlocks() > 0) {
        units = t.capacityBlocks();
        if (units > TierConfig.MAX_CAPACITY_BYTES / stored) {
          throw ConfigException.at(at + ".capacity_blocks", units + " placement units of " + stored + " bytes (" + unit
              + ") are more than " + TierConfig.MAX_CAPACITY_BYTES + " bytes (2^60), the most a tier holds; lower it");
        }
      } else {
        units = t.tier().capacityBytes() / stored;
        if (units < 1) {
          throw ConfigException.at(at + ".capacity_bytes", t.tier().capacityBytes() + " holds no placement unit of "
              + stored + " bytes (" + unit + "); raise it");
        }
      }
      if (units > TierConfig.MAX_CAPACITY_BLOCKS) {
        throw ConfigException.at(at + ".capacity_bytes", t.tier().capacityBytes() + " bytes are " + units
            + " placement units of " + stored + " bytes (" + unit + "); at most " + TierConfig.MAX_CAPACITY_BLOCKS
            + " (2^31) are simulated; lower it" + (block ? "" : " or use \"placement\": \"block\""));
      }
      total += units;
      if (c.hierarchy() == Hierarchy.EXCLUSIVE && total > TierConfig.MAX_CAPACITY_BLOCKS) {
        throw ConfigException.at(at, "the tiers up to this one hold " + total + " placement units of " + unit
            + "; an exclusive hierarchy simulates at most " + TierConfig.MAX_CAPACITY_BLOCKS + " (2^31) in all; "
            + "lower the capacities" + (block ? "" : " or use \"placement\": \"block\""));
      }
    }
    long max = c.timing() == null ? 0 : c.timing().maxTransferBytes();
    if (max > 0) {
      long transfers = (unitBytes - 1) / max + 1;
      if (transfers > MAX_TRANSFERS_PER_UNIT) {
        long least = (unitBytes - 1) / MAX_TRANSFERS_PER_UNIT + 1;
        throw ConfigException.at("$.max_transfer_bytes", max + " splits every placement unit of " + unitBytes
            + " bytes (one layer of a " + blockTokens + "-token block) into " + transfers + " transfers; at most "
            + MAX_TRANSFERS_PER_UNIT + " a unit are simulated; give at least " + least
            + ", or 0 for one transfer a unit");
      }
    }
  }

  /** The units all tiers hold for {@code blockTokens}-token blocks ({@link ReplayConfig#placementUnits}). */
  static long placementUnits(ReplayConfig c, int blockTokens) {
    ModelSpec m = c.model();
    long unitBytes = m.blockBytesPerLayer(blockTokens);
    long keyBytes = c.placement() == Placement.BLOCK ? Math.multiplyExact(unitBytes, (long) m.layers()) : unitBytes;
    long total = 0;
    for (TierConfig t : c.tiers()) {
      long stored = Math.max(1, t.codec().stored(keyBytes, m.kvDtypeBytes()));
      total += t.capacityBlocks() > 0 ? t.capacityBlocks() : t.tier().capacityBytes() / stored;
    }
    return total;
  }

  /**
   * With a GPU of known memory: the weights (split over tensor-parallel GPUs) and a first tier of
   * kind hbm (its capacity is the instance's, split the same way) must fit each GPU's memory.
   */
  static void weightsFit(ModelSpec model, List<TierConfig> tiers, TimingSpec timing) {
    if (timing == null || timing.hardware().hbmCapacityBytes() == 0) {
      return;
    }
    long gpu = timing.hardware().hbmCapacityBytes();
    int tp = timing.tensorParallel();
    TierConfig first = tiers.get(0);
    long kv = first.tier().kind() == TierKind.HBM ? first.tier().capacityBytes() : 0;
    double perGpu = (double) model.weightBytes() / tp + (double) kv / tp;
    if (perGpu <= gpu) {
      return;
    }
    int need = tp;
    while (need < 1024 && (double) model.weightBytes() / need + (double) kv / need > gpu) {
      need *= 2;
    }
    String fix = (double) model.weightBytes() / need + (double) kv / need <= gpu
        ? "set \"tensor_parallel\": " + need + " (or more)" : "no tensor_parallel up to 1024 fits; use a larger GPU";
    throw ConfigException.at(tp > 1 ? "$.tensor_parallel" : "$.model", String.format(java.util.Locale.ROOT,
        "model %s needs %.1f GB of weights%s, %.1f GB per GPU at tensor_parallel %d; hardware %s has %.1f GB per GPU; %s",
        model.name(), model.weightBytes() / 1e9, kv > 0 ? String.format(java.util.Locale.ROOT, " and the %s tier %.1f GB",
            first.tier().name(), kv / 1e9) : "", perGpu / 1e9, tp, timing.hardware().name(), gpu / 1e9, fix));
  }

  /**
   * A cluster shares one simulated clock (the timing model's) and routes each request once, at its
   * arrival, to a scheduler: it needs timing and {@code expansion: full}; OPT's oracle sees one
   * engine's lookups only.
   */
  static void cluster(ClusterSpec cluster, Expansion expansion, TimingSpec timing, List<TierConfig> tiers) {
    if (cluster == null) {
      return;
    }
    if (timing == null) {
      throw ConfigException.at("$.cluster", "instances share one simulated clock, the timing model's; add \"hardware\" "
          + "(a preset name or an object) or remove $.cluster");
    }
    if (expansion != Expansion.FULL) {
      throw ConfigException.at("$.cluster", "routes requests to instances' schedulers; \"expansion\": \""
          + ReplayConfig.lower(expansion) + "\" has no scheduler; use \"full\" or remove $.cluster");
    }
    if (tiers.get(0).policy() == PolicyKind.OPT) {
      throw ConfigException.at("$.cluster", "policy opt's oracle sees one engine's lookups; use another policy or remove "
          + "$.cluster");
    }
    String pool = cluster.sharedPoolTier();
    if (pool != null) {
      String last = tiers.get(tiers.size() - 1).tier().name();
      if (tiers.size() < 2) {
        throw ConfigException.at("$.cluster.shared_pool.tier", "the pool is a lower tier below each instance's own "
            + "first tier; add the pool's tier after the first tier of $.tiers");
      }
      if (!pool.equals(last)) {
        throw ConfigException.at("$.cluster.shared_pool.tier", "'" + pool + "' must be the last tier of $.tiers ('"
            + last + "'): the pool is the slowest tier, below every instance's own tiers; list it last");
      }
    }
  }

  /** {@code $.offload} keeps a token range in one instance's tier; a cluster's shared pool is no one instance's. */
  static void sharedPoolOffload(ClusterSpec cluster, OffloadSpec offload, List<TierConfig> tiers) {
    if (cluster != null && cluster.sharedPoolTier() != null && offload.range() != OffloadSpec.Range.NONE
        && offload.tier() == tiers.size() - 1) {
      throw ConfigException.at("$.offload.tier", "the offload tier is $.cluster.shared_pool's tier, which all "
          + "instances share; offload into another tier or remove $.cluster.shared_pool");
    }
  }
}
