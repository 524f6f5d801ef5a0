package io.kvflow.engine.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.engine.spec.ComputeProfile;
import io.kvflow.engine.spec.Curve;
import io.kvflow.engine.spec.Execution;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.ModelShape;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Presets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-operator model worked by hand on a tiny shape, and the shapes of the shipped presets. */
class PerOperatorComputeTest {
  // hidden 8, intermediate 16, 2 heads of 4, 1 KV head, vocab 32, bf16: easy numbers
  static final ModelSpec TINY = new ModelSpec("tiny", 2, 1, 4, 2, 16, 0, 2, new ModelShape(8, 16, 32, false, 2));

  static HardwareSpec hw(Curve gemm) {
    // 1 byte/ns for every stream, 1 FLOP/ns, launches 100 ns (graph) and 1,000 ns (eager)
    ComputeProfile p = new ComputeProfile(1e9, 1e9, 1e9, gemm, Curve.constant(1e9), 1e9, 100, 1000, 7, 4, 500, 1e9, 50);
    return new HardwareSpec("h", 1e12, 1e15, 0, List.of(), 0, p);
  }

  @Test
  void aDecodeLayerIsTheSumOfItsKernels() {
    ComputeModel m = new ComputeModel(hw(Curve.constant(1e9)), TINY, 1, Execution.GRAPH);
    // one token, 64 KV bytes, 32 attention FLOPs:
    // QKV 8x16 weights = 256 B vs 2*1*8*16 = 256 FLOP -> 256 ns; O 8x8: 128; gate/up 8x32: 512; down 16x8: 256
    // attention max(64 B, 32 FLOP) = 64; 4 GEMMs + attention + 7 elementwise = 12 launches x 100
    // activation bytes per token: 2 x (4*8 + 2*(2+1)*4 + 3*16 + 6*8) + 2 x KV bytes per token (2*1*4*2 = 16) = 336
    long expected = 256 + 128 + 512 + 256 + 64 + 12 * 100 + 336;
    assertEquals(expected, m.layerNs(1, 64, 0, 1, 32, 0, 0));
    // eager: the GPU time alone, with the eager GPU-side launch (this profile has none: the graph's)
    ComputeModel eager = new ComputeModel(hw(Curve.constant(1e9)), TINY, 1, Execution.EAGER);
    assertEquals(expected, eager.layerNs(1, 64, 0, 1, 32, 0, 0));
    // listed kernel by kernel in issue order, the same sum: 7 elementwise of 100 + 336 / 7 each
    double[] k = new double[m.kernelsPerLayer()];
    int n = m.layerKernels(1, 64, 0, 1, 32, 0, 0, k);
    assertEquals(12, n);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += k[i];
    }
    assertEquals(expected, sum, 1e-6);
    // the 7 elementwise kernels sit as Llama's 13 do, in proportion: 0 | 3 | 1 | 1 | 1 | 1
    assertEquals(356, k[0], 1e-9); // QKV: 256 + launch
    assertEquals(164, k[4], 1e-9); // attention: 64 + launch, after 3 elementwise
    assertEquals(148, k[1], 1e-9); // an elementwise kernel: launch + 336 / 7
  }

  @Test
  void gemmsTurnComputeBoundAsTheBatchGrows() {
    // FLOP/s rise with M: 1 FLOP/ns at M=1, 100 at M=1024 (log-linear in between)
    ComputeModel m = new ComputeModel(hw(new Curve(new double[] {1, 1024}, new double[] {1e9, 1e11})), TINY, 1,
        Execution.GRAPH);
    long one = m.layerNs(1, 0, 0, 1, 0, 0, 0);
    long many = m.layerNs(1024, 0, 0, 1, 0, 0, 0);
    // at M=1024 the GEMMs stream their weights once (1,152 ns) but compute 2*1024*576 FLOPs at 100/ns
    double gemmFlops = 2.0 * 1024 * (8 * 16 + 8 * 8 + 8 * 32 + 16 * 8) / 100;
    assertTrue(many > one);
    assertEquals(Math.ceil(gemmFlops + 12 * 100 + 1024 * 336.0), many, 1.0);
  }

  @Test
  void tensorParallelSplitsTheWorkAndAddsTwoAllReduces() {
    ComputeModel one = new ComputeModel(hw(Curve.constant(1e9)), TINY, 1, Execution.GRAPH);
    ComputeModel two = new ComputeModel(hw(Curve.constant(1e9)), TINY, 2, Execution.GRAPH);
    long a = one.layerNs(1, 64, 0, 1, 32, 0, 0);
    long b = two.layerNs(1, 64, 0, 1, 32, 0, 0);
    // GEMM and attention halves: (256+128+512+256+64)/2 = 608; activations: 2 x (32 + 12 + 24 + 48) + 16 = 248;
    // all-reduce of 16 bytes: 500 + 16 * 2 * 1/2 = 516 ns, twice
    assertEquals(608 + 12 * 100 + 248 + 2 * 516, b);
    assertTrue(b < a + 2 * 516);
  }

  @Test
  void lmHeadRunsOncePerStepOnOneRowPerSequence() {
    ComputeModel m = new ComputeModel(hw(Curve.constant(1e9)), TINY, 1, Execution.GRAPH);
    // lm_head 8 x 32 bf16 = 512 B vs 2*4*8*32 = 2,048 FLOP for 4 sequences; 1 + 4 launches; 3 x 4 tokens x 16 B
    assertEquals(2048 + 5 * 100 + 3 * 4 * 16, m.stepTailNs(4, 4));
  }

  @Test
  void presetShapesGiveTheParameterCountsOfTheRealModels() {
    assertEquals(8_030_261_248L, Presets.model("llama-3-8b", "t", "$").parameters());
    assertEquals(70_553_706_496L, Presets.model("llama-3-70b", "t", "$").parameters());
    assertEquals(7_241_732_096L, Presets.model("mistral-7b", "t", "$").parameters());
    // Qwen2.5-7B's published 7.62B includes its QKV biases (0.0002B), which the shapes do not count
    assertEquals(7_615_283_200L, Presets.model("qwen2.5-7b", "t", "$").parameters(), 2_000_000L);
  }
}
