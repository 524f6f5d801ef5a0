package io.kvflow.engine.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.engine.spec.ComputeProfile;
import io.kvflow.engine.spec.Curve;
import io.kvflow.engine.spec.Execution;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Presets;
import io.kvflow.engine.time.StepPredictor.Kind;
import io.kvflow.engine.time.StepPredictor.OffloadMode;
import io.kvflow.engine.time.StepPredictor.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Eager host issue against a slow obvious reference: the whole step written out as a list of
 * operations (kernels, copies, event records, stream waits), each with its host cost, its stream and
 * the operation it waits for, then timed one by one: the host issues them in order; an operation
 * starts at the latest of its issue, its stream's previous operation and what it waits for.
 */
class HostIssueTest {
  static final ModelSpec L8B = Presets.model("llama-3-8b", "test", "$");
  static final int COMPUTE = 0;
  static final int COPY = 1;
  static final int HOST_ONLY = -1;

  /** One operation of the reference's list. */
  record Op(int stream, double hostNs, double gpuNs, int waitsFor) {}

  /** Times the list: when the compute stream has run its last operation. */
  static double reference(List<Op> ops) {
    double host = 0;
    double[] free = new double[2];
    double[] end = new double[ops.size()];
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      host += op.hostNs();
      if (op.stream() == HOST_ONLY) {
        end[i] = host;
        continue;
      }
      double start = Math.max(host, free[op.stream()]);
      if (op.waitsFor() >= 0) {
        start = Math.max(start, end[op.waitsFor()]);
      }
      end[i] = start + op.gpuNs();
      free[op.stream()] = end[i];
    }
    return free[COMPUTE];
  }

  /** A profile with distinct host constants, so that a mix-up shows. */
  static HardwareSpec hw(long hostLayerNs, long launchEagerNs) {
    ComputeProfile h200 = Presets.hardware("h200").compute();
    ComputeProfile p = new ComputeProfile(h200.weightStreamBps(), h200.kvStreamBps(), h200.activationBps(),
        h200.gemmFlops(), h200.prefillAttentionFlops(), h200.decodeAttentionFlops(), 1100, launchEagerNs, 13, 4, 9000,
        3e11, 1300, 4600, 11000, 1000, 1900, hostLayerNs, 6700, 850, 900);
    return new HardwareSpec("t", 2e12, 7.9e14, 0, List.of(new LinkSpec("pcie", "dram", "hbm", 55.5e9, 6500, 2)),
        150_000_000_000L, p);
  }

  /** The reference's list of one eager step of {@code s}. */
  static List<Op> stepOps(HardwareSpec hw, Scenario s) {
    ComputeModel c = new ComputeModel(hw, L8B, 1, Execution.EAGER);
    ComputeProfile p = hw.compute();
    double[] k = new double[c.kernelsPerLayer()];
    long kvBytes = s.batch() * s.context() * L8B.kvBytesPerTokenPerLayer();
    int n = s.kind() == Kind.PREFILL
        ? c.layerKernels(s.context(), 0, 0, 1, 0, c.prefillAttentionFlops(0, s.context()), s.context(), k)
        : c.layerKernels(s.batch(), kvBytes, 0, 1, s.batch() * c.attentionFlops(s.context()), 0, 0, k);
    double perKernel = p.launchEagerNs() + (double) p.hostLayerNs() / n;
    long hostBytes = s.kind() == Kind.PREFILL ? 0 : Math.round(kvBytes * s.offloadFraction());
    LinkSpec link = hw.links().get(0);
    long copyNs = link.overheadNs() + (long) Math.ceil(hostBytes * 1e9 / link.bandwidthBps());
    boolean ahead = hostBytes > 0 && s.offloadMode() == OffloadMode.LAYER_AHEAD;
    List<Op> ops = new ArrayList<>();
    int[] copyOf = new int[s.layers()];
    if (ahead) {
      ops.add(new Op(HOST_ONLY, p.hostStreamWaitNs(), 0, -1));
      copyOf[0] = ops.size();
      ops.add(new Op(COPY, 2.0 * p.hostCopyNs(), copyNs, -1));
      ops.add(new Op(HOST_ONLY, p.hostEventRecordNs(), 0, -1));
    }
    for (int layer = 0; layer < s.layers(); layer++) {
      if (ahead) {
        if (layer + 1 < s.layers()) {
          ops.add(new Op(HOST_ONLY, p.hostStreamWaitNs(), 0, -1));
          copyOf[layer + 1] = ops.size();
          ops.add(new Op(COPY, 2.0 * p.hostCopyNs(), copyNs, -1));
          ops.add(new Op(HOST_ONLY, p.hostEventRecordNs(), 0, -1));
        }
        ops.add(new Op(COMPUTE, p.hostStreamWaitNs(), p.crossStreamWaitNs(), copyOf[layer]));
      } else if (hostBytes > 0) {
        ops.add(new Op(COMPUTE, 2.0 * p.hostCopyNs(), copyNs, -1));
      }
      for (int i = 0; i < n; i++) {
        ops.add(new Op(COMPUTE, perKernel, k[i], -1));
      }
      if (ahead) {
        ops.add(new Op(HOST_ONLY, p.hostEventRecordNs(), 0, -1));
      }
    }
    double tokens = s.kind() == Kind.PREFILL ? s.context() : s.batch();
    int t = c.stepTailKernels(s.batch(), tokens, k);
    for (int i = 0; i < t; i++) {
      ops.add(new Op(COMPUTE, p.launchEagerNs(), k[i], -1));
    }
    return ops;
  }

  static Scenario eager(Kind kind, int batch, long context, double fraction, OffloadMode mode) {
    return new Scenario(kind, batch, context, 32, true, fraction, mode, Execution.EAGER, 1);
  }

  @Test
  void anEagerStepIsItsOperationListTimedOneByOne() {
    List<Scenario> grid = new ArrayList<>();
    for (int b : new int[] {1, 8, 64, 256}) {
      for (long c : new long[] {1024, 8192, 32768}) {
        grid.add(eager(Kind.DECODE, b, c, 0, OffloadMode.SYNC));
        for (double f : new double[] {0.02, 0.25, 1.0}) {
          grid.add(eager(Kind.DECODE, b, c, f, OffloadMode.SYNC));
          grid.add(eager(Kind.DECODE, b, c, f, OffloadMode.LAYER_AHEAD));
        }
      }
    }
    grid.add(eager(Kind.PREFILL, 1, 512, 0, OffloadMode.SYNC));
    grid.add(eager(Kind.PREFILL, 1, 8192, 0, OffloadMode.SYNC));
    for (long hostLayerNs : new long[] {0, 150_000, 600_000}) {
      HardwareSpec hw = hw(hostLayerNs, 6800);
      for (Scenario s : grid) {
        double want = reference(stepOps(hw, s));
        long got = StepPredictor.stepNs(L8B, hw, s);
        assertEquals(want, got, 2 + 1e-9 * want, s + " host per layer " + hostLayerNs);
      }
    }
  }

  @Test
  void offloadedKvOfSeveralSequencesPaysTheLinksScatter() {
    HardwareSpec plain = hw(150_000, 6800);
    LinkSpec l = plain.links().get(0);
    HardwareSpec scatter = plain.withLinks(List.of(new LinkSpec(l.name(), l.from(), l.to(), l.bandwidthBps(),
        l.overheadNs(), l.dmaEngines(), 800e9, 5000)));
    for (Execution e : Execution.values()) {
      // batch 8 x 8K, a quarter offloaded: 32 MiB per layer, copy-bound; sync pays each layer's scatter
      Scenario sync = new Scenario(Kind.DECODE, 8, 8192, 32, true, 0.25, OffloadMode.SYNC, e, 1);
      long bytes = Math.round(8 * 8192 * L8B.kvBytesPerTokenPerLayer() * 0.25);
      long scatterNs = 5000 + (long) Math.ceil(bytes * 1e9 / 800e9);
      assertEquals(StepPredictor.stepNs(L8B, plain, sync) + 32 * scatterNs, StepPredictor.stepNs(L8B, scatter, sync),
          2, e.name());
      // one sequence: a contiguous destination, no scatter
      Scenario one = new Scenario(Kind.DECODE, 1, 8192, 32, true, 0.25, OffloadMode.LAYER_AHEAD, e, 1);
      assertEquals(StepPredictor.stepNs(L8B, plain, one), StepPredictor.stepNs(L8B, scatter, one), e.name());
    }
  }

  @Test
  void hostIssueEqualsTheReferenceOnRandomKernels() {
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(50);
      double[] gpu = new double[n];
      List<Op> ops = new ArrayList<>();
      double hostPer = random.nextInt(20_000);
      for (int i = 0; i < n; i++) {
        // a mix of tiny kernels (host-bound) and long ones (the host runs ahead)
        gpu[i] = random.nextBoolean() ? random.nextInt(3_000) : random.nextInt(200_000);
        ops.add(new Op(COMPUTE, hostPer, gpu[i], -1));
      }
      HostIssue h = new HostIssue();
      h.start(0, 0);
      h.kernels(gpu, n, hostPer);
      assertEquals(reference(ops), h.gpuNs(), 1, "trial " + trial);
    }
  }

  @Test
  void launchesHideBehindABusyGpuAndGateAnIdleOne() {
    HostIssue h = new HostIssue();
    // 10 kernels of 100 us after launches of 7 us: the GPU's time and the first launch
    h.start(0, 0);
    double[] big = new double[10];
    java.util.Arrays.fill(big, 100_000);
    h.kernels(big, 10, 7_000);
    assertEquals(7_000 + 1_000_000, h.gpuNs());
    // 10 kernels of 2 us: the host's time and the last kernel
    double[] tiny = new double[10];
    java.util.Arrays.fill(tiny, 2_000);
    h.start(0, 0);
    h.kernels(tiny, 10, 7_000);
    assertEquals(70_000 + 2_000, h.gpuNs());
    assertEquals(70_000, h.hostNs());
  }

  @Test
  void eagerDecodeAtBatchOneIsTheHostsTimeAndAtBatch256TheGpus() {
    HardwareSpec hw = Presets.hardware("h200");
    Scenario small = eager(Kind.DECODE, 1, 1024, 0, OffloadMode.SYNC);
    Scenario large = eager(Kind.DECODE, 256, 4096, 0, OffloadMode.SYNC);
    ComputeProfile p = hw.compute();
    ComputeModel c = new ComputeModel(hw, L8B, 1, Execution.EAGER);
    double[] k = new double[c.kernelsPerLayer()];
    int n = c.layerKernels(1, 0, 0, 1, 0, 0, 0, k);
    double hostPerStep = 32 * (n * (double) p.launchEagerNs() + p.hostLayerNs());
    long smallNs = StepPredictor.stepNs(L8B, hw, small);
    assertTrue(smallNs > hostPerStep && smallNs < hostPerStep * 1.1, smallNs + " vs host " + hostPerStep);
    // batch 256 x 4K: the GPU time with eager launch gaps, launches hidden
    Scenario graph = new Scenario(Kind.DECODE, 256, 4096, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1);
    long gpuNs = StepPredictor.stepNs(L8B, hw, graph);
    long largeNs = StepPredictor.stepNs(L8B, hw, large);
    double launchGaps = 32.0 * 18 * (p.eagerGpuLaunchNs() - p.launchGraphNs());
    assertEquals(gpuNs + launchGaps, largeNs, 0.01 * largeNs);
  }
}
