package io.kvflow.engine.spec;

/** Where a codec's decompression runs. */
public enum CodecPlace {
  /** On the copy path, after the transfer and before the layer may start. */
  COPY_PATH,
  /** On the compute stream, delaying the layer that reads the block. */
  COMPUTE_STREAM
}
