package io.kvflow.engine;

import io.kvflow.engine.expand.TraceStats;
import io.kvflow.engine.residency.CompressionResult;
import io.kvflow.engine.residency.ResidencyResult;
import io.kvflow.engine.residency.TierResult;
import io.kvflow.engine.time.TimeResult;
import java.util.List;

/**
 * The result of one replay, one record per stage that produced it.
 *
 * @param trace what the trace held
 * @param residency what the tiers saw (sums of the access outcomes)
 * @param schedule what the scheduler decided (requests traces)
 * @param time the timing model's totals, or null when the config has no hardware
 * @param compression what the tiers' codecs saved and cost
 * @param sparse what sparse reads or discard kept (null for dense reads)
 * @param occupancy samples of {accesses so far, units resident in each tier, simulated ns (-1 without timing)}
 * @param engine what the vllm mode counted in its own terms ({@code "engine": "vllm"}), or null
 * @param sglang what the sglang mode counted in its own terms ({@code "engine": "sglang"}), or null
 */
public record ReplayResult(TraceResult trace, ResidencyResult residency, ScheduleResult schedule, TimeResult time,
    CompressionResult compression, SparseResult sparse, List<long[]> occupancy, io.kvflow.engine.vllm.VllmCounts engine,
    io.kvflow.engine.sglang.SglangCounts sglang) {

  public ReplayResult(TraceResult trace, ResidencyResult residency, ScheduleResult schedule, TimeResult time,
      CompressionResult compression, SparseResult sparse, List<long[]> occupancy, io.kvflow.engine.vllm.VllmCounts engine) {
    this(trace, residency, schedule, time, compression, sparse, occupancy, engine, null);
  }

  public ReplayResult(TraceResult trace, ResidencyResult residency, ScheduleResult schedule, TimeResult time,
      CompressionResult compression, SparseResult sparse, List<long[]> occupancy) {
    this(trace, residency, schedule, time, compression, sparse, occupancy, null);
  }

  /**
   * @param kind requests or accesses
   * @param requests requests in the trace (requests traces) or distinct request ids seen (accesses)
   * @param blockRefs block references in the trace (as inspect counts them)
   * @param distinctBlocks distinct blocks among them
   * @param prefixInfoKnown whether the trace carries prefix hashes
   * @param prefixInfo where they come from: known (the source's), synthetic (an importer's seeded
   *     prefix model) or unknown
   */
  public record TraceResult(String kind, long requests, long blockRefs, long distinctBlocks, boolean prefixInfoKnown,
      String prefixInfo) {
    static TraceResult of(String kind, TraceStats s, boolean prefixInfoKnown, String prefixInfo) {
      return new TraceResult(kind, s.requests(), s.blockRefs(), s.distinctBlocks(), prefixInfoKnown,
          prefixInfoKnown ? prefixInfo : "unknown");
    }
  }

  /**
   * @param preemptions requests stopped because the running batch outgrew the first tier
   * @param waitedForMemory admissions deferred because the batch would not fit the first tier
   */
  public record ScheduleResult(long preemptions, long waitedForMemory) {}

  /**
   * @param policy sparse-read policy
   * @param readsIn decode reads offered
   * @param readsKept reads kept
   * @param tokensDiscarded tokens dropped for good (selective discard)
   * @param windowExceedsContext decisions where the window (or k) covered the whole context: allowed, reported
   * @param retained share of attention mass kept, per (request, step, layer)
   */
  public record SparseResult(String policy, long readsIn, long readsKept, long tokensDiscarded, long windowExceedsContext,
      io.kvflow.engine.sparse.RetainedMass retained) {}

  // the most used figures, by their report names

  public String traceKind() {
    return trace.kind();
  }

  public long requests() {
    return trace.requests();
  }

  public List<TierResult> tiers() {
    return residency.tiers();
  }

  public long unitBytes() {
    return residency.unitBytes();
  }

  public long placementUnitBytes() {
    return residency.placementUnitBytes();
  }

  public double prefixBlockHitRatio() {
    return residency.inputBlocks() == 0 ? 0 : (double) residency.inputBlockHits() / residency.inputBlocks();
  }

  public double prefixTokenHitRatio() {
    return residency.inputTokens() == 0 ? 0 : (double) residency.inputTokenHits() / residency.inputTokens();
  }
}
