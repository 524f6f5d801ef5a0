package io.kvflow.engine.cluster;

import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.time.TimedListener;
import java.util.Arrays;

/**
 * One row per request of a cluster replay, in arrival order, in primitive arrays: where it was
 * routed, its KV transfer (disaggregated clusters) and the times its serving instance measured.
 * It is also the listener that records those times, so it can check that every request was served
 * exactly once.
 */
public final class RequestLog {
  private final LongIntHashMap index = new LongIntHashMap(1 << 12);
  private int count;
  private long[] requestId = new long[1024];
  private long[] arrivalNs = new long[1024];
  private int[] instance = new int[1024];
  private int[] decodeInstance = new int[1024];
  private int[] transferBlocks = new int[1024];
  private long[] transferNs = new long[1024];
  private long[] ttftNs = new long[1024];
  private long[] e2eNs = new long[1024];
  private int[] timed = new int[1024];
  private long blockBytes;

  /** Adds request {@code id}, routed to {@code instance} (and {@code decode}, -1 without disaggregation); returns its row. */
  int add(long id, long arrival, int instance, int decode) {
    if (index.get(id) >= 0) {
      // a trace's writer refuses a repeated request_id (row and column named), so a valid trace has none
      throw new IllegalStateException("request_id " + id + " routed twice");
    }
    if (count == requestId.length) {
      int n = count * 2;
      requestId = Arrays.copyOf(requestId, n);
      arrivalNs = Arrays.copyOf(arrivalNs, n);
      this.instance = Arrays.copyOf(this.instance, n);
      decodeInstance = Arrays.copyOf(decodeInstance, n);
      transferBlocks = Arrays.copyOf(transferBlocks, n);
      transferNs = Arrays.copyOf(transferNs, n);
      ttftNs = Arrays.copyOf(ttftNs, n);
      e2eNs = Arrays.copyOf(e2eNs, n);
      timed = Arrays.copyOf(timed, n);
    }
    int k = count++;
    index.put(id, k);
    requestId[k] = id;
    arrivalNs[k] = arrival;
    this.instance[k] = instance;
    decodeInstance[k] = decode;
    transferNs[k] = -1;
    ttftNs[k] = -1;
    e2eNs[k] = -1;
    return k;
  }

  void setBlockBytes(long bytes) {
    blockBytes = bytes;
  }

  void transfer(int k, int blocks, long ns) {
    transferBlocks[k] = blocks;
    transferNs[k] = ns;
  }

  /** The row of request {@code id}, or -1. */
  int rowOf(long id) {
    return index.get(id);
  }

  /** The listener of the instances that serve requests to the end (every instance, or the decode pool). */
  TimedListener recorder() {
    return new TimedListener() {
      @Override
      public void requestTimed(long id, long ttft, long tpot, long e2e) {
        int k = index.get(id);
        if (k < 0) {
          throw new IllegalStateException("request " + id + " was timed but never routed");
        }
        timed[k]++;
        ttftNs[k] = ttft;
        e2eNs[k] = e2e;
      }
    };
  }

  /** Throws IllegalStateException unless every request was timed by exactly one serving instance. */
  void checkServedOnce() {
    for (int k = 0; k < count; k++) {
      if (timed[k] != 1) {
        throw new IllegalStateException("request " + requestId[k] + " was served " + timed[k] + " times");
      }
    }
  }

  public int size() {
    return count;
  }

  public long requestId(int k) {
    return requestId[k];
  }

  public long arrivalNs(int k) {
    return arrivalNs[k];
  }

  /** The instance that served it (the prefill instance when disaggregated). */
  public int instance(int k) {
    return instance[k];
  }

  /** The decode instance, or -1 without disaggregation. */
  public int decodeInstance(int k) {
    return decodeInstance[k];
  }

  /** Blocks its KV transfer moved (0 without disaggregation, or when the decode instance held them all). */
  public int transferBlocks(int k) {
    return transferBlocks[k];
  }

  public long transferBytes(int k) {
    return transferBlocks[k] * blockBytes;
  }

  /** From the end of its prefill to its KV landing on the decode instance (link queue included); -1 without disaggregation. */
  public long transferNs(int k) {
    return transferNs[k];
  }

  public long ttftNs(int k) {
    return ttftNs[k];
  }

  public long e2eNs(int k) {
    return e2eNs[k];
  }
}
