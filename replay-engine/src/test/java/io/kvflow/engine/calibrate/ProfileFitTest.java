package io.kvflow.engine.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.engine.calibrate.Calibration.ConstantFit;
import io.kvflow.engine.calibrate.Calibration.Fitting;
import io.kvflow.engine.calibrate.Calibration.PointFit;
import io.kvflow.engine.spec.ComputeProfile;
import io.kvflow.engine.spec.Curve;
import io.kvflow.engine.spec.Execution;
import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.LinkSpec;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.spec.Presets;
import io.kvflow.engine.time.StepPredictor;
import io.kvflow.engine.time.StepPredictor.Kind;
import io.kvflow.engine.time.StepPredictor.OffloadMode;
import io.kvflow.engine.time.StepPredictor.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The fit recovers known constants from points the model itself predicts for them, starting from a
 * profile whose every constant is 20-50% off; constants the points do not constrain keep base's value.
 */
class ProfileFitTest {
  static final ModelSpec L8B = Presets.model("llama-3-8b", "test", "$");
  static final ModelSpec L70B = Presets.model("llama-3-70b", "test", "$");

  /** A plausible H200-like profile: the constants to recover. */
  static HardwareSpec known() {
    Curve gemm = new Curve(new double[] {1, 16, 128, 1024, 8192}, new double[] {2.0e14, 3.5e14, 5.5e14, 6.6e14, 7.0e14});
    Curve prefill = new Curve(new double[] {512, 4096, 32768}, new double[] {2.5e14, 4.5e14, 5.2e14});
    // eager: 6.5 us per launch and 120 us per layer on the host, 3 us between kernels on the GPU
    ComputeProfile p = new ComputeProfile(4.0e12, 3.6e12, 2.5e12, gemm, prefill, 2.5e13, 2500, 6500, 7, 4, 8000, 3.0e11,
        9000, 0, 0, 0, 3000, 120_000, 6000, 800, 800);
    List<LinkSpec> links = List.of(new LinkSpec("pcie-h2d", "dram", "hbm", 54.86e9, 2693, 2),
        new LinkSpec("ssd-h2d", "ssd", "hbm", 7e9, 20000, 1));
    return new HardwareSpec("known", 2.0e12, 7.9e14, 1000, links, 141_000_000_000L, p);
  }

  /** {@link #known} with every fitted constant 20-50% off, in both directions. */
  static HardwareSpec offBase() {
    double[] v = ProfileConstant.read(known());
    double[] off = {0.7, 1.35, 0.6, 1.4, 0.8, 1.3, 1.5, 0.65, 0.5, 1.45, 0.75};
    for (int i = 0; i < v.length; i++) {
      v[i] *= off[i];
    }
    return ProfileConstant.apply(known(), v);
  }

  static MeasuredPoint point(ModelSpec m, Kind kind, int batch, long context, int layers, boolean lmHead, double fraction,
      OffloadMode mode, Execution execution, int tp) {
    Scenario s = new Scenario(kind, batch, context, layers, lmHead, fraction, mode, execution, tp);
    return new MeasuredPoint(0, m.name(), m, s, StepPredictor.stepNs(m, known(), s) / 1e6);
  }

  static MeasuredPoint decode(ModelSpec m, int batch, long context) {
    return point(m, Kind.DECODE, batch, context, m.layers(), true, 0, OffloadMode.SYNC, Execution.GRAPH, 1);
  }

  /**
   * The grid: Llama-3-8B decode batch 1-256 x context 1K-128K, a 10-layer slice of Llama-3-70B
   * (no lm_head) and the whole 70B at tensor_parallel 8, prefills 512-32K, offload sync and
   * layer-ahead, eager decode and prefill.
   */
  static List<MeasuredPoint> grid() {
    List<MeasuredPoint> p = new ArrayList<>();
    for (int b : new int[] {1, 4, 16, 64, 256}) {
      for (long c : new long[] {1024, 4096, 16384, 65536, 131072}) {
        p.add(decode(L8B, b, c));
      }
    }
    for (int b : new int[] {1, 16, 256}) {
      for (long c : new long[] {1024, 16384, 131072}) {
        p.add(point(L70B, Kind.DECODE, b, c, 10, false, 0, OffloadMode.SYNC, Execution.GRAPH, 1));
      }
    }
    for (int b : new int[] {1, 32}) {
      for (long c : new long[] {4096, 65536}) {
        p.add(point(L70B, Kind.DECODE, b, c, 80, true, 0, OffloadMode.SYNC, Execution.GRAPH, 8));
      }
    }
    p.add(point(L8B, Kind.DECODE, 8, 8192, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 2));
    for (long prompt : new long[] {512, 2048, 8192, 32768}) {
      p.add(point(L8B, Kind.PREFILL, 1, prompt, 32, true, 0, OffloadMode.SYNC, Execution.GRAPH, 1));
    }
    for (long prompt : new long[] {1024, 8192, 32768}) {
      p.add(point(L70B, Kind.PREFILL, 1, prompt, 10, false, 0, OffloadMode.SYNC, Execution.GRAPH, 1));
    }
    for (int b : new int[] {1, 16}) {
      for (long c : new long[] {1024, 32768}) {
        p.add(point(L8B, Kind.DECODE, b, c, 32, true, 0, OffloadMode.SYNC, Execution.EAGER, 1));
      }
    }
    p.add(point(L8B, Kind.PREFILL, 1, 512, 32, true, 0, OffloadMode.SYNC, Execution.EAGER, 1));
    for (OffloadMode mode : OffloadMode.values()) {
      for (int b : new int[] {1, 16}) {
        for (long c : new long[] {8192, 65536}) {
          for (double f : new double[] {0.25, 1.0}) {
            p.add(point(L8B, Kind.DECODE, b, c, 32, true, f, mode, Execution.GRAPH, 1));
          }
        }
      }
      p.add(point(L70B, Kind.DECODE, 4, 32768, 10, false, 0.5, mode, Execution.GRAPH, 1));
    }
    return p;
  }

  @Test
  void recoversKnownConstantsFromPointsTheModelPredicts() {
    List<MeasuredPoint> points = grid();
    Calibration c = new ProfileFit(offBase()).calibrate(points, false);
    double[] want = ProfileConstant.read(known());
    double[] got = ProfileConstant.read(c.fitted());
    // the scales are relative to base's curves: compare the curves themselves
    got[ProfileConstant.GEMM_FLOPS.ordinal()] = c.fitted().compute().gemmFlops().at(1) / known().compute().gemmFlops().at(1);
    got[ProfileConstant.PREFILL_ATTENTION_FLOPS.ordinal()] = c.fitted().compute().prefillAttentionFlops().at(1)
        / known().compute().prefillAttentionFlops().at(1);
    StringBuilder report = new StringBuilder();
    for (ProfileConstant k : ProfileConstant.values()) {
      int j = k.ordinal();
      report.append(String.format("%-24s known %.5g fitted %.5g (%+.3f%%)%n", k.field(), want[j], got[j],
          (got[j] / want[j] - 1) * 100));
    }
    System.out.print(report);
    for (ProfileConstant k : ProfileConstant.values()) {
      int j = k.ordinal();
      assertEquals(Fitting.FITTED, c.constant(k).fitting(), k + "\n" + report);
      assertEquals(want[j], got[j], 0.02 * want[j], k + " within 2%\n" + report);
    }
    for (PointFit p : c.points()) {
      assertTrue(Math.abs(p.errorPct()) < 1, p + " within 1%");
    }
    assertTrue(c.errors().maxPct() < 1, c.errors().toString());
  }

  @Test
  void recoversFromStartsOffInEveryDirection() {
    // seeded: each constant 20-50% too high or too low, so maxima start on either side (a base whose
    // decode attention FLOP/s is low makes attention FLOP-bound everywhere: no gradient for KV streaming)
    List<MeasuredPoint> points = grid();
    double[] want = ProfileConstant.read(known());
    Random random = new Random(13);
    for (int start = 0; start < 12; start++) {
      double[] v = want.clone();
      double[] off = new double[v.length];
      for (int j = 0; j < v.length; j++) {
        double f = 1.2 + 0.3 * random.nextDouble();
        off[j] = random.nextBoolean() ? f : 1 / f;
        v[j] *= off[j];
      }
      Calibration c = new ProfileFit(ProfileConstant.apply(known(), v)).calibrate(points, false);
      for (ConstantFit f : c.constants()) {
        int j = f.constant().ordinal();
        // a curve's scale is relative to base's curve, which was off by off[j]
        double got = f.constant().unit() == ProfileConstant.Unit.SCALE ? f.fitted() * off[j] : f.fitted();
        assertEquals(want[j], got, 0.02 * want[j], "start " + start + ": " + f);
      }
      assertTrue(c.errors().maxPct() < 1, "start " + start + ": " + c.errors());
    }
  }

  @Test
  void constantsThePointsDoNotConstrainKeepTheBaseValue() {
    // graph decode of the 8B only: no eager, no offload, no prefill; attention never compute-bound
    List<MeasuredPoint> points = grid().stream().filter(isDecodeOf8bOnGraphInHbm()).toList();
    HardwareSpec base = offBase();
    Calibration c = new ProfileFit(base).calibrate(points, false);
    double[] baseValues = ProfileConstant.read(base);
    for (ProfileConstant k : List.of(ProfileConstant.HOST_LAYER_NS, ProfileConstant.CROSS_STREAM_WAIT_NS,
        ProfileConstant.PREFILL_ATTENTION_FLOPS, ProfileConstant.DRAM_LINK_OVERHEAD_NS,
        ProfileConstant.DRAM_LINK_BANDWIDTH_BPS)) {
      ConstantFit f = c.constant(k);
      assertEquals(Fitting.NOT_CONSTRAINED, f.fitting(), k.name());
      assertEquals(baseValues[k.ordinal()], f.fitted(), 1e-9 * baseValues[k.ordinal()], k.name());
    }
    // decode attention is KV-bound for Llama-3-8B at both the known and the base rate: the points
    // only say it is above some value, and it stays at base
    ConstantFit attention = c.constant(ProfileConstant.DECODE_ATTENTION_FLOPS);
    assertEquals(Fitting.BOUNDED, attention.fitting());
    assertEquals(attention.base(), attention.fitted(), 1e-9 * attention.base());
    assertTrue(c.errors().maxPct() < 1, c.errors().toString());
  }

  @Test
  void leaveOneOutPredictsEachPointFromTheOthers() {
    // a few 8B decode points: every prediction, fitted or left out, is the known model's
    List<MeasuredPoint> points = grid().stream().filter(isDecodeOf8bOnGraphInHbm())
        .filter(p -> p.scenario().context() <= 16384).toList();
    Calibration c = new ProfileFit(offBase()).calibrate(points, true);
    for (PointFit p : c.points()) {
      assertTrue(Math.abs(p.leaveOneOutErrorPct()) < 1, p.toString());
    }
    assertTrue(c.leaveOneOutErrors().maxPct() < 1);
  }

  private static Predicate<MeasuredPoint> isDecodeOf8bOnGraphInHbm() {
    return p -> p.model() == L8B && p.scenario().kind() == Kind.DECODE && p.scenario().execution() == Execution.GRAPH
        && p.scenario().offloadFraction() == 0 && p.scenario().tensorParallel() == 1;
  }
}
