package io.kvflow.trace.imports;

import java.util.Arrays;

/**
 * The requests of one agentic-coding session, nested subagent requests flattened: filled in
 * pre-order (a request before the requests nested in it), then put in time order with
 * {@link #sortByTime()}, ties kept in pre-order, so a parent issued at the same instant as its
 * subagent's first request still comes first. Parent links are kept as positions in that order.
 */
final class AgentSession {
  static final int NO_PARENT = -1;

  final long ordinal;
  final long line;
  int blockTokens;
  boolean localScope;
  private int size;
  private long[] timeNs = new long[16];
  private int[] inputTokens = new int[16];
  private int[] outputTokens = new int[16];
  private String[] types = new String[16];
  private int[] parents = new int[16];
  private int[] hashStart = new int[16];
  private int[] hashCount = new int[16];
  private long[] hashes = new long[256];
  private int hashesUsed;
  /** Position in time order -> pre-order index; null until sorted. */
  private int[] order;
  /** Pre-order index -> position in time order. */
  private int[] positionOf;
  private int cursor;

  AgentSession(long ordinal, long line) {
    this.ordinal = ordinal;
    this.line = line;
  }

  /** Appends a request in pre-order and returns its pre-order index. */
  int add(long arrivalNs, int in, int out, String type, int parent, long[] ids, int idCount) {
    if (size == timeNs.length) {
      int n = size * 2;
      timeNs = Arrays.copyOf(timeNs, n);
      inputTokens = Arrays.copyOf(inputTokens, n);
      outputTokens = Arrays.copyOf(outputTokens, n);
      types = Arrays.copyOf(types, n);
      parents = Arrays.copyOf(parents, n);
      hashStart = Arrays.copyOf(hashStart, n);
      hashCount = Arrays.copyOf(hashCount, n);
    }
    if (hashesUsed + idCount > hashes.length) {
      hashes = Arrays.copyOf(hashes, Math.max(hashes.length * 2, hashesUsed + idCount));
    }
    System.arraycopy(ids, 0, hashes, hashesUsed, idCount);
    timeNs[size] = arrivalNs;
    inputTokens[size] = in;
    outputTokens[size] = out;
    types[size] = type;
    parents[size] = parent;
    hashStart[size] = hashesUsed;
    hashCount[size] = idCount;
    hashesUsed += idCount;
    return size++;
  }

  int size() {
    return size;
  }

  /** Time order, ties in pre-order: a stable merge sort of the pre-order indices by time. */
  void sortByTime() {
    order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    int[] buffer = new int[size];
    for (int width = 1; width < size; width *= 2) {
      for (int lo = 0; lo < size; lo += 2 * width) {
        int mid = Math.min(lo + width, size);
        int hi = Math.min(lo + 2 * width, size);
        int a = lo;
        int b = mid;
        for (int k = lo; k < hi; k++) {
          // take from the left run on ties: stability keeps pre-order among equal times
          buffer[k] = b >= hi || a < mid && timeNs[order[a]] <= timeNs[order[b]] ? order[a++] : order[b++];
        }
      }
      int[] t = order;
      order = buffer;
      buffer = t;
    }
    positionOf = new int[size];
    for (int p = 0; p < size; p++) {
      positionOf[order[p]] = p;
    }
  }

  /** Applies {@code f} to every hash id of the session (scope mapping). */
  void mapHashes(java.util.function.LongUnaryOperator f) {
    for (int i = 0; i < hashesUsed; i++) {
      hashes[i] = f.applyAsLong(hashes[i]);
    }
  }

  // accessors by position in time order

  long timeNs(int pos) {
    return timeNs[order[pos]];
  }

  int inputTokens(int pos) {
    return inputTokens[order[pos]];
  }

  int outputTokens(int pos) {
    return outputTokens[order[pos]];
  }

  String type(int pos) {
    return types[order[pos]];
  }

  /** The position of the request this one is nested in, or {@link #NO_PARENT}. */
  int parentPosition(int pos) {
    int parent = parents[order[pos]];
    return parent == NO_PARENT ? NO_PARENT : positionOf[parent];
  }

  long[] hashPool() {
    return hashes;
  }

  int hashStart(int pos) {
    return hashStart[order[pos]];
  }

  int hashCount(int pos) {
    return hashCount[order[pos]];
  }

  long startNs() {
    return size == 0 ? Long.MAX_VALUE : timeNs(0);
  }

  // emission cursor, used by the merge of concurrent sessions

  boolean hasNext() {
    return cursor < size;
  }

  int cursor() {
    return cursor;
  }

  long nextTimeNs() {
    return timeNs(cursor);
  }

  void advance() {
    cursor++;
  }
}
