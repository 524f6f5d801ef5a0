package io.kvflow.engine.calibrate;

import io.kvflow.engine.spec.HardwareSpec;
import io.kvflow.engine.spec.ModelSpec;
import io.kvflow.engine.time.StepPredictor;
import io.kvflow.engine.time.StepPredictor.Scenario;

/**
 * One measured step time.
 *
 * @param line the line of the points file it was read from (1-based)
 * @param modelName the model preset named there
 * @param model that preset
 * @param scenario what the step did
 * @param measuredMs the time measured, milliseconds
 */
public record MeasuredPoint(int line, String modelName, ModelSpec model, Scenario scenario, double measuredMs) {
  public MeasuredPoint {
    if (!(measuredMs > 0) || Double.isInfinite(measuredMs)) {
      throw new IllegalArgumentException("measured time " + measuredMs + " ms must be > 0");
    }
  }

  /** The step time {@code hw} predicts for this point, milliseconds. */
  public double predictedMs(HardwareSpec hw) {
    return StepPredictor.stepNs(model, hw, scenario) / 1e6;
  }

  /** Whether part of the KV is copied from host memory (the point needs a dram -> hbm link). */
  public boolean offloaded() {
    return scenario.kind() == StepPredictor.Kind.DECODE && scenario.offloadFraction() > 0;
  }
}
