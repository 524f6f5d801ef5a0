package io.kvflow.trace.imports;

import java.util.Arrays;

/**
 * Requests read in file order and held until the end of the input, for formats whose file order
 * is not arrival order (sessions written one after another, arrivals computed from delays). Columns
 * in primitive arrays; block hashes in one pool. {@link #arrivalOrder()} gives the rows sorted by
 * arrival, ties in file order. Memory grows with the input: about 40 bytes a request plus 8 a hash.
 */
final class HeldRequests {
  private long[] arrivalNs = new long[256];
  private long[] sessions = new long[256];
  private int[] input = new int[256];
  private int[] output = new int[256];
  private int[] hashStart = new int[256];
  private int[] hashCount = new int[256];
  private long[] pool = new long[4096];
  private int poolSize;
  private int size;

  int size() {
    return size;
  }

  /** Holds one request; its hashes are copied from {@code hashes[off .. off+len)}. Returns its index. */
  int add(long arrival, long session, int inputTokens, int outputTokens, long[] hashes, int off, int len) {
    if (size == arrivalNs.length) {
      int n = size * 2;
      arrivalNs = Arrays.copyOf(arrivalNs, n);
      sessions = Arrays.copyOf(sessions, n);
      input = Arrays.copyOf(input, n);
      output = Arrays.copyOf(output, n);
      hashStart = Arrays.copyOf(hashStart, n);
      hashCount = Arrays.copyOf(hashCount, n);
    }
    if (poolSize + len > pool.length) {
      long want = Math.max((long) pool.length * 2, (long) poolSize + len);
      if (want > Integer.MAX_VALUE - 8) {
        throw new ImportException("too many block hashes to hold (over 2^31); split the input");
      }
      pool = Arrays.copyOf(pool, (int) want);
    }
    System.arraycopy(hashes, off, pool, poolSize, len);
    arrivalNs[size] = arrival;
    sessions[size] = session;
    input[size] = inputTokens;
    output[size] = outputTokens;
    hashStart[size] = poolSize;
    hashCount[size] = len;
    poolSize += len;
    return size++;
  }

  /** Indices of the held requests sorted by arrival, ties in the order they were added. */
  int[] arrivalOrder() {
    Integer[] boxed = new Integer[size];
    for (int i = 0; i < size; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, (a, b) -> arrivalNs[a] != arrivalNs[b] ? Long.compare(arrivalNs[a], arrivalNs[b]) : Integer.compare(a, b));
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = boxed[i];
    }
    return order;
  }

  long arrivalNs(int i) {
    return arrivalNs[i];
  }

  long session(int i) {
    return sessions[i];
  }

  int inputTokens(int i) {
    return input[i];
  }

  int outputTokens(int i) {
    return output[i];
  }

  long[] hashPool() {
    return pool;
  }

  int hashStart(int i) {
    return hashStart[i];
  }

  int hashCount(int i) {
    return hashCount[i];
  }
}
