package io.kvflow.trace.generate;

import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.List;

/** A seeded synthetic workload: same parameters and seed give a byte-identical trace file. */
public interface WorkloadGenerator {
  /** One line saying what the workload models. */
  String description();

  /** Its parameters with defaults; {@link ParamSpec#SEED} among them. */
  List<ParamSpec> params();

  /** Writes the trace to {@code out} atomically; returns the rows written. */
  long generate(Params params, Path out, Progress progress);
}
