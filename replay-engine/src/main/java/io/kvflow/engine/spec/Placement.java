package io.kvflow.engine.spec;

/** The unit a tier places and evicts. */
public enum Placement {
  /** A block with all its layers, as vLLM allocates. */
  BLOCK,
  /** One layer of one block. */
  BLOCK_LAYER
}
