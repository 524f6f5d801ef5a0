package io.kvflow.trace.parquet;

import io.kvflow.trace.AccessOp;

/**
 * The value rules of schema v1, shared by the reader's validation and the writers' checks. Each
 * method returns null when the value is fine, else what is wrong and what is expected.
 */
public final class RowRules {
  private RowRules() {}

  public static String nonDecreasing(long previous, long value) {
    return value < previous
        ? "value " + value + " is less than the previous row's " + previous + "; must be non-decreasing"
        : null;
  }

  public static String nonNegative(long value) {
    return value < 0 ? "value " + value + " is negative; expected >= 0" : null;
  }

  public static String inputTokens(int value) {
    return value <= 0 ? "value " + value + " must be > 0" : null;
  }

  public static String outputTokens(int value) {
    return value < 0 ? "value " + value + " must be >= 0" : null;
  }

  /** A block_hashes list is either empty or has one hash per (possibly partial) input block. */
  public static String blockHashCount(int count, int inputTokens, int blockTokens) {
    long expected = (inputTokens + (long) blockTokens - 1) / blockTokens;
    return count != 0 && count != expected
        ? count + " hashes for " + inputTokens + " input tokens; expected 0 or ceil(input_tokens / "
            + blockTokens + ") = " + expected
        : null;
  }

  public static String stepOrLayer(int value) {
    return value < -1 ? "value " + value + " must be >= -1 (-1 means prefill / all layers)" : null;
  }

  public static String op(int value) {
    return AccessOp.isValidCode(value)
        ? null
        : "value " + value + " is not an op; expected 0 READ, 1 WRITE, 2 APPEND or 3 FREE";
  }

  public static String tokens(int value, int blockTokens) {
    return value < 0 || value > blockTokens
        ? "value " + value + " outside 0.." + blockTokens + " (kvflow.block_tokens)"
        : null;
  }

  /** NaN is how batches carry a null, so it is allowed here; the column's nullability is checked apart. */
  public static String attnMass(float value) {
    return Float.isInfinite(value) || value < 0f || value > 1.0001f
        ? "value " + value + " outside [0, 1]"
        : null;
  }
}
