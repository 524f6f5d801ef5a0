package io.kvflow.trace.batch;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;

/** Helpers for Arrow vectors that are refilled in place. */
public final class Vectors {
  private Vectors() {}

  /** Marks the first {@code rows} slots valid (non-null); readers clear bits for nulls. */
  public static void markAllValid(FieldVector v, int rows) {
    ArrowBuf validity = v.getValidityBuffer();
    int bytes = (rows + 7) >>> 3;
    validity.setOne(0, bytes);
  }
}
