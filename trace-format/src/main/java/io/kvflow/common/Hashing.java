package io.kvflow.common;

/** Deterministic 64-bit mixing functions (SplitMix64 finaliser) used for tables and content hashes. */
public final class Hashing {
  private Hashing() {}

  /** The SplitMix64 finaliser: a bijection on longs with good avalanche. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A table index hash of {@code key}. */
  public static int mixToInt(long key) {
    long z = key * 0x9E3779B97F4A7C15L;
    return (int) (z ^ (z >>> 32));
  }

  /** Combines a parent hash with one more value, order-sensitively. */
  public static long chain(long parent, long value) {
    return mix64(parent * 0x9E3779B97F4A7C15L + mix64(value + 0x632BE59BD9B4E019L));
  }
}
