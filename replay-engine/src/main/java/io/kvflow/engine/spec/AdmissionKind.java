package io.kvflow.engine.spec;

/** When a tier admits a block it does not hold. */
public enum AdmissionKind {
  /** Always admit. */
  ALWAYS,
  /** Never admit: the tier is bypassed and the block is read from below. */
  NEVER,
  /** Admit on the k-th access (vLLM's reuse threshold for storing). */
  AFTER_K
}
