package io.kvflow.engine.time;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.residency.ResidencyTracker;
import io.kvflow.engine.spec.AdmissionKind;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.Hierarchy;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.PrefetchKind;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.engine.spec.TierKind;
import io.kvflow.engine.spec.TierSpec;
import io.kvflow.engine.spec.TimingSpec;
import io.kvflow.trace.AccessOp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The timing arithmetic on cases worked by hand. */
class TimingArithmeticTest {
  static LinkSpec link(double bw, long overhead, int engines) {
    return new LinkSpec("l", "dram", "hbm", bw, overhead, engines);
  }

  @Test
  void oneTransfer() {
    Link l = new Link(link(1e9, 1000, 1));
    assertEquals(2000, l.transfer(0, 1000)); // 1,000 ns overhead + 1,000 B at 1 GB/s
    assertEquals(1000, l.busyNs());
  }

  @Test
  void twoTransfersShareTheLink() {
    Link two = new Link(link(1e9, 1000, 2));
    assertEquals(2000, two.transfer(0, 1000));
    assertEquals(3000, two.transfer(0, 1000)); // overheads overlap on two engines; bytes share the wire
    Link one = new Link(link(1e9, 1000, 1));
    assertEquals(2000, one.transfer(0, 1000));
    assertEquals(4000, one.transfer(0, 1000)); // one engine: fully serial
    Link later = new Link(link(1e9, 1000, 2));
    assertEquals(2000, later.transfer(0, 1000));
    assertEquals(7000, later.transfer(5000, 1000)); // an idle link starts at issue: 5,000 + 1,000 + 1,000
  }

  /**
   * A copy into a strided destination is followed by a scatter on its stream (500 ns + 1,000 B at
   * 2 GB/s = 1,000 ns): it ends later, and the link's next transfer waits for it.
   */
  @Test
  void aStridedCopyIsFollowedByItsScatter() {
    LinkSpec spec = new LinkSpec("l", "dram", "hbm", 1e9, 1000, 2, 2e9, 500);
    assertEquals(1000, spec.scatterNs(1000));
    assertEquals(0, link(1e9, 1000, 2).scatterNs(1000), "no scatter cost given: none");
    Link l = new Link(spec);
    assertEquals(3000, l.transfer(0, 1000, spec.scatterNs(1000))); // 1,000 overhead + 1,000 data + 1,000 scatter
    assertEquals(4000, l.transfer(0, 1000)); // its data waits for the scatter (stream order)
    assertEquals(2000, l.busyNs(), "the wire is busy for the data only");
  }

  @Test
  void memoryBoundAndComputeBoundLayers() {
    ModelSpec m = new ModelSpec("m", 2, 1, 8, 2, 4, 0, 1);
    ComputeModel c = new ComputeModel(new HardwareSpec("h", 1e12, 1e15, 100, List.of()), m);
    assertEquals(1_000 + 100, c.layerNs(1_000_000, 1e6)); // 1 MB at 1 TB/s = 1 us > 1 MFLOP at 1 PFLOP/s
    assertEquals(1_000_000 + 100, c.layerNs(1_000, 1e12)); // 1 TFLOP at 1 PFLOP/s = 1 ms
  }

  /**
   * Prefill compute, FLOP-bound at 32 FLOP/ns so that one (query, key) pair of attention (4 x
   * head_dim 8 x 1 head = 32 FLOPs) costs 1 ns; no weights. Request 1 prefills two uncached
   * 16-token blocks: causal pairs 16 x 17 / 2 = 136, then 16 x 16 + 136 = 392, 528 ns. Request 2
   * shares the first block (cached: loaded, not computed) and computes its second: 392 ns. Request 3
   * resumes after a recompute preemption with one new block: 136 ns.
   */
  @Test
  void prefillComputesOnlyUncachedTokensWithCausalAttention() {
    ModelSpec m = new ModelSpec("m", 1, 1, 8, 2, 16, 0, 1);
    HardwareSpec hw = new HardwareSpec("h", 1e18, 32e9, 0, List.of());
    List<TierConfig> tiers = List.of(new TierConfig(new TierSpec("hbm", TierKind.HBM, 0, 1e18, 1e18, 0), 100,
        PolicyKind.LRU, AdmissionKind.ALWAYS, 1, 0, 2));
    ReplayConfig c = new ReplayConfig(m, tiers, Hierarchy.EXCLUSIVE, Placement.BLOCK, FinishedRequests.CACHE,
        Expansion.FULL, 4, 0, new TimingSpec(hw, PrefetchKind.NONE, 0, 0, 0));
    long unit = m.blockBytesPerLayer(16);
    ResidencyTracker tracker = new ResidencyTracker(c, unit, unit, m.kvBytesPerTokenPerLayer(), PolicyParams.DEFAULT);
    Steps steps = new Steps();
    TimedPipeline t = new TimedPipeline(c, tracker, unit, unit, true, List.of(steps));
    int w = AccessOp.WRITE.code();
    int input = io.kvflow.engine.expand.AccessSink.INPUT_BLOCK;
    t.requestStarted(1, 0, 32, 1);
    t.access(11, w, 1, 16, 1, -1, -1, input);
    t.access(12, w, 1, 16, 1, -1, -1, input);
    t.stepFinished(0);
    t.requestStarted(2, 0, 32, 1);
    t.access(11, w, 1, 16, 2, -1, -1, input);
    t.access(22, w, 1, 16, 2, -1, -1, input);
    t.stepFinished(1);
    t.access(33, w, 1, 16, 3, -1, -1, io.kvflow.engine.expand.AccessSink.RECOMPUTE_BLOCK);
    t.stepFinished(2);
    t.finish();
    assertEquals(528, steps.steps.get(0)[2]);
    assertEquals(392, steps.steps.get(1)[2]);
    assertEquals(136, steps.steps.get(2)[2]);
  }

  /** Captures step times. */
  static final class Steps implements TimedListener {
    final List<long[]> steps = new ArrayList<>();

    @Override
    public void stepTimed(long step, long startNs, long stepNs, long stallNs, long computeNs) {
      steps.add(new long[] {stepNs, stallNs, computeNs});
    }
  }

  /**
   * Two layers, 128-byte units, HBM at 1 GB/s: layer 0 reads {@code hbmBlocks} blocks from HBM
   * (128 ns each), layer 1 streams one block from DRAM over a link of 1 GB/s and 100 ns overhead
   * (a 228 ns transfer) into a staging buffer that layer 1 then reads (128 ns). Returns {step ns,
   * stall ns} of the decode step.
   */
  static long[] decodeStep(int hbmBlocks, PrefetchKind prefetch, long[] prefetchCounts) {
    return decodeStep(hbmBlocks, prefetch, prefetchCounts, io.kvflow.engine.spec.CodecSpec.NONE, new long[1]);
  }

  static long[] decodeStep(int hbmBlocks, PrefetchKind prefetch, long[] prefetchCounts,
      io.kvflow.engine.spec.CodecSpec dramCodec, long[] computeNs) {
    ModelSpec m = new ModelSpec("m", 2, 1, 8, 2, 4, 0, 1);
    HardwareSpec hw = new HardwareSpec("h", 1e9, 1e18, 0, List.of(new LinkSpec("pcie", "dram", "hbm", 1e9, 100, 1)));
    List<TierConfig> tiers = List.of(
        new TierConfig(new TierSpec("hbm", TierKind.HBM, 0, 1e9, 1e9, 0), hbmBlocks, PolicyKind.STATIC,
            AdmissionKind.ALWAYS, 1, 0, 2),
        new TierConfig(new TierSpec("dram", TierKind.DRAM, 0, 1e9, 1e9, 0), 100, PolicyKind.LRU, AdmissionKind.ALWAYS,
            1, 0, 2, dramCodec));
    ReplayConfig c = new ReplayConfig(m, tiers, Hierarchy.EXCLUSIVE, Placement.BLOCK_LAYER, FinishedRequests.CACHE,
        Expansion.FULL, 1, 0, new TimingSpec(hw, prefetch, prefetch == PrefetchKind.NONE ? 0 : 1, 0, 0));
    long unit = m.blockBytesPerLayer(4);
    assertEquals(128, unit);
    ResidencyTracker tracker = new ResidencyTracker(c, unit, unit, m.kvBytesPerTokenPerLayer(), PolicyParams.DEFAULT);
    Steps steps = new Steps();
    TimedPipeline t = new TimedPipeline(c, tracker, unit, unit, false, List.of(steps));
    int w = AccessOp.WRITE.code();
    int r = AccessOp.READ.code();
    // prefill: layer 0's blocks fill the static HBM tier, layer 1's block goes to DRAM
    for (int b = 0; b < hbmBlocks; b++) {
      t.access(b, w, 1, 0, 0, -1, 0, 0);
    }
    t.access(1000, w, 1, 0, 0, -1, 1, 0);
    // decode step 0
    for (int b = 0; b < hbmBlocks; b++) {
      t.access(b, r, 1, 0, 0, 0, 0, 0);
    }
    t.access(1000, r, 1, 0, 0, 0, 1, 0);
    TimeResult result = t.finish();
    prefetchCounts[0] = result.prefetchIssued();
    prefetchCounts[1] = result.prefetchUseful();
    prefetchCounts[2] = result.prefetchLate();
    long[] decode = steps.steps.get(steps.steps.size() - 1);
    computeNs[0] = decode[2];
    return new long[] {decode[0], decode[1]};
  }

  /**
   * A block in SSD with no SSD-to-HBM link crosses SSD -> DRAM (1 GB/s, 100 ns) and DRAM -> HBM
   * (2 GB/s, 50 ns): 100 + 128 = 228 ns, then 50 + 64 = 114 ns, a 342 ns demand stall before layer 1.
   */
  @Test
  void aTierWithoutADirectLinkCrossesItsRouteHopByHop() {
    ModelSpec m = new ModelSpec("m", 2, 1, 8, 2, 4, 0, 1);
    HardwareSpec hw = new HardwareSpec("h", 1e9, 1e18, 0, List.of(new LinkSpec("ssd-dram", "ssd", "dram", 1e9, 100, 1),
        new LinkSpec("dram-hbm", "dram", "hbm", 2e9, 50, 1)));
    List<TierConfig> tiers = List.of(
        new TierConfig(new TierSpec("hbm", TierKind.HBM, 0, 1e9, 1e9, 0), 10, PolicyKind.STATIC, AdmissionKind.ALWAYS, 1,
            0, 2),
        new TierConfig(new TierSpec("dram", TierKind.DRAM, 0, 1e9, 1e9, 0), 100, PolicyKind.LRU, AdmissionKind.NEVER, 1,
            0, 2),
        new TierConfig(new TierSpec("ssd", TierKind.SSD, 0, 1e9, 1e9, 0), 100, PolicyKind.LRU, AdmissionKind.ALWAYS, 1,
            0, 2));
    ReplayConfig c = new ReplayConfig(m, tiers, Hierarchy.EXCLUSIVE, Placement.BLOCK_LAYER, FinishedRequests.CACHE,
        Expansion.FULL, 1, 0, new TimingSpec(hw, PrefetchKind.NONE, 0, 0, 0));
    assertEquals(2, hw.route("ssd", "hbm", java.util.Set.of("hbm", "dram", "ssd")).length);
    long unit = m.blockBytesPerLayer(4);
    ResidencyTracker tracker = new ResidencyTracker(c, unit, unit, m.kvBytesPerTokenPerLayer(), PolicyParams.DEFAULT);
    Steps steps = new Steps();
    TimedPipeline t = new TimedPipeline(c, tracker, unit, unit, false, List.of(steps));
    int w = AccessOp.WRITE.code();
    int r = AccessOp.READ.code();
    for (int b = 0; b < 10; b++) {
      t.access(b, w, 1, 0, 0, -1, 0, 0);
    }
    t.access(1000, w, 1, 0, 0, -1, 1, 0); // HBM is full and DRAM admits nothing: to SSD
    for (int b = 0; b < 10; b++) {
      t.access(b, r, 1, 0, 0, 0, 0, 0);
    }
    t.access(1000, r, 1, 0, 0, 0, 1, 0);
    t.finish();
    long[] decode = steps.steps.get(steps.steps.size() - 1);
    assertEquals(342, decode[1]);
    assertEquals(1280 + 342 + 128, decode[0]);
  }

  @Test
  void demandTransferIsOnTheCriticalPath() {
    long[] p = new long[3];
    long[] s = decodeStep(10, PrefetchKind.NONE, p);
    assertEquals(1280 + 228 + 128, s[0]); // layer 0 computes 1,280 ns, layer 1 waits 228 ns, then computes 128 ns
    assertEquals(228, s[1]);
    assertEquals(0, p[0]);
  }

  @Test
  void prefetchFullyHidden() {
    long[] p = new long[3];
    long[] s = decodeStep(10, PrefetchKind.LAYER_AHEAD, p);
    assertEquals(1280 + 128, s[0]); // issued when layer 0 starts, done at 228 < 1,280
    assertEquals(0, s[1]);
    assertEquals(1, p[1]); // useful
    assertEquals(0, p[2]);
  }

  @Test
  void prefetchLateByAKnownAmount() {
    long[] p = new long[3];
    long[] s = decodeStep(1, PrefetchKind.LAYER_AHEAD, p);
    assertEquals(228 + 128, s[0]); // layer 0 computes 128 ns; the block arrives at 228; layer 1 computes 128
    assertEquals(100, s[1]); // late by 228 - 128
    assertEquals(1, p[2]); // late
  }

  @Test
  void reusePredictedPrefetchesUnitsSeenBefore() {
    long[] p = new long[3];
    long[] s = decodeStep(10, PrefetchKind.REUSE_PREDICTED, p);
    assertEquals(1280 + 128, s[0]); // the block was written at prefill: its reuse is predicted, the fetch hidden
    assertEquals(0, s[1]);
    assertEquals(1, p[0]);
  }

  @Test
  void decompressionLandsOnTheConfiguredPathOnly() {
    var copy = new io.kvflow.engine.spec.CodecSpec(io.kvflow.engine.spec.CodecKind.INT4, 32, 0, 1e9, 0, 1e9,
        io.kvflow.engine.spec.CodecPlace.COPY_PATH);
    var stream = new io.kvflow.engine.spec.CodecSpec(io.kvflow.engine.spec.CodecKind.INT4, 32, 0, 1e9, 0, 1e9,
        io.kvflow.engine.spec.CodecPlace.COMPUTE_STREAM);
    long[] p = new long[3];
    long[] compute = new long[1];
    // int4 block: 32 bytes cross the link (100 + 32 ns); 128 bytes decompressed at 1 GB/s (128 ns)
    long[] s = decodeStep(10, PrefetchKind.NONE, p, copy, compute);
    assertEquals(132 + 128, s[1]); // copy path: the layer waits for transfer and decompression
    assertEquals(1280 + 128, compute[0]); // compute unchanged
    long[] t = decodeStep(10, PrefetchKind.NONE, p, stream, compute);
    assertEquals(132, t[1]); // compute stream: the wait is the transfer alone
    assertEquals(1280 + 128 + 128, compute[0]); // and the layer computes 128 ns longer
    assertEquals(s[0], t[0]);
    long[] none = decodeStep(10, PrefetchKind.NONE, p);
    assertEquals(228, none[1]); // uncompressed: 128 bytes cross the link, nothing decompressed
  }
}
