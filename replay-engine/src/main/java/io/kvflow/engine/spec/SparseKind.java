package io.kvflow.engine.spec;

/** Which blocks a layer reads in a decode step. */
public enum SparseKind {
  /** Every block (the default). */
  DENSE,
  /** The k blocks with the most attention mass (Quest-like; needs attn_mass in the trace). */
  TOP_K,
  /** The sink blocks at the start and the recent window at the end (StreamingLLM's pattern). */
  SINK_RECENT
}
