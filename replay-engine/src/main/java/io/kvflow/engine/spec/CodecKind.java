package io.kvflow.engine.spec;

/** KV quantisation codecs; {@link #bits()} per stored element before group overhead. */
public enum CodecKind {
  NONE(0),
  FP8(8),
  INT8(8),
  INT4(4),
  /** KIVI-style 2-bit: keys quantised per channel, values per token, each group with its scale and zero. */
  KIVI2(2);

  private final int bits;

  CodecKind(int bits) {
    this.bits = bits;
  }

  public int bits() {
    return bits;
  }
}
