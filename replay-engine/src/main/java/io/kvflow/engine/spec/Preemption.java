package io.kvflow.engine.spec;

/** What the scheduler does when the running batch outgrows the first tier. */
public enum Preemption {
  /** Nothing: the batch keeps running and the tier evicts what it must. */
  NONE,
  /** The newest request stops; its generated blocks are freed and rebuilt by a new prefill when it resumes. */
  RECOMPUTE,
  /** The newest request stops; its blocks stay, ageing out to the tier below, and come back when it resumes. */
  SWAP
}
