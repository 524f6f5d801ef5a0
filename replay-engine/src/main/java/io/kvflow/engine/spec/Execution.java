package io.kvflow.engine.spec;

/** How the engine launches a step's kernels: each launch has its own fixed cost. */
public enum Execution {
  /** Captured in a CUDA graph (decode in vLLM and SGLang by default). */
  GRAPH,
  /** Launched one by one from the host. */
  EAGER
}
