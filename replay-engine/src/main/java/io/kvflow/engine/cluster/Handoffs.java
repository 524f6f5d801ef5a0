package io.kvflow.engine.cluster;

import io.kvflow.engine.spec.DisaggregationSpec;
import io.kvflow.engine.time.TimedListener;
import io.kvflow.trace.batch.RequestBatch;
import java.util.Arrays;

/**
 * The prefill-to-decode hand-over of a disaggregated cluster. When a prefill instance has timed a
 * request's prefill (its end: arrival + its end-to-end time there), the transfer of its KV starts:
 * the prompt blocks no tier of the chosen decode instance holds (looked at then) cross that
 * instance's inbound link, which carries one transfer at a time, first ready first (busy for
 * overhead + bytes / bandwidth, landing {@code latency} later; nothing to move, no transfer). When
 * the KV has landed the decode instance is given the request with its original arrival and output
 * tokens (it admits it at once if it can: the request has arrived long before), so its TTFT
 * counts the prefill's queue and compute, the transfer and the decode instance's first step.
 */
final class Handoffs {
  private static final int START = 0;
  private static final int LAND = 1;
  private final DisaggregationSpec spec;
  private final Instance[] decode;
  private final RequestLog log;
  private final EventQueue events = new EventQueue();
  private final long[] linkFreeNs;
  private final int blockTokens;
  // per request row of the log: what the decode instance needs
  private int[] input = new int[1024];
  private int[] output = new int[1024];
  private int[] hashFrom = new int[1024];
  private int[] hashCount = new int[1024];
  private long[] readyNs = new long[1024];
  private long[] hashes = new long[1 << 14];
  private int hashTail;
  private int prefilled;
  // totals
  private long transfers;
  private long blocks;
  private long reusedBlocks;
  private long busyNs;
  private long transferNs;
  private long maxTransferNs;

  Handoffs(DisaggregationSpec spec, Instance[] decode, RequestLog log, int blockTokens) {
    this.spec = spec;
    this.blockTokens = blockTokens;
    this.decode = decode;
    this.log = log;
    this.linkFreeNs = new long[decode.length];
  }

  /** Keeps what request row {@code k} (row {@code row} of {@code rows}) needs on its decode instance. */
  void keep(int k, RequestBatch rows, int row) {
    if (k == input.length) {
      int n = k * 2;
      input = Arrays.copyOf(input, n);
      output = Arrays.copyOf(output, n);
      hashFrom = Arrays.copyOf(hashFrom, n);
      hashCount = Arrays.copyOf(hashCount, n);
      readyNs = Arrays.copyOf(readyNs, n);
    }
    int start = rows.hashStart(row);
    int n = rows.hashEnd(row) - start;
    if (hashTail + n > hashes.length) {
      hashes = Arrays.copyOf(hashes, Math.max(hashes.length * 2, hashTail + n));
    }
    for (int i = 0; i < n; i++) {
      hashes[hashTail + i] = rows.hash(start + i);
    }
    input[k] = rows.inputTokens(row);
    output[k] = rows.outputTokens(row);
    hashFrom[k] = hashTail;
    hashCount[k] = n;
    readyNs[k] = -1;
    hashTail += n;
  }

  /** The listener of the prefill instances: a timed prefill starts its request's transfer. */
  TimedListener prefillDone() {
    return new TimedListener() {
      @Override
      public void requestTimed(long id, long ttft, long tpot, long e2e) {
        int k = log.rowOf(id);
        if (k < 0 || readyNs[k] >= 0) {
          throw new IllegalStateException("request " + id + (k < 0 ? " was prefilled but never routed"
              : " was prefilled twice"));
        }
        readyNs[k] = log.arrivalNs(k) + e2e;
        prefilled++;
        events.add(readyNs[k], k * 2 + START);
      }
    };
  }

  /** Runs every transfer start and landing at or before {@code ns}, in time order. */
  void runUntil(long ns) {
    while (!events.isEmpty() && events.peekTime() <= ns) {
      long t = events.peekTime();
      int e = events.poll();
      int k = e >>> 1;
      Instance d = decode[log.decodeInstance(k) - spec.prefillInstances()];
      d.advanceTo(t);
      if ((e & 1) == START) {
        start(k, t, d);
      } else {
        d.idleTo(t);
        d.giveDecode(log.requestId(k), log.arrivalNs(k), input[k], output[k], hashes, hashFrom[k], hashCount[k]);
      }
    }
  }

  private void start(int k, long ready, Instance d) {
    int all = (int) ((input[k] + (long) blockTokens - 1) / blockTokens);
    // the prompt's blocks are keyed by the row's hashes; a block past them (or of a row without
    // hashes) has a key private to the request, which the decode instance cannot hold
    int hashed = Math.min(hashCount[k], all);
    int moved = d.probe().missing(hashes, hashFrom[k], hashed) + (all - hashed);
    reusedBlocks += all - moved;
    long landNs = ready;
    if (moved > 0) {
      int link = log.decodeInstance(k) - spec.prefillInstances();
      long begin = Math.max(ready, linkFreeNs[link]);
      long busy = spec.link().busyNs(moved * d.probe().blockBytes());
      linkFreeNs[link] = begin + busy;
      landNs = begin + busy + spec.link().latencyNs();
      transfers++;
      blocks += moved;
      busyNs += busy;
    }
    long took = landNs - ready;
    transferNs += took;
    maxTransferNs = Math.max(maxTransferNs, took);
    log.transfer(k, moved, took);
    events.add(landNs, k * 2 + LAND);
  }

  /** Requests whose prefill has been timed. */
  long prefilled() {
    return prefilled;
  }

  boolean idle() {
    return events.isEmpty();
  }

  /** The totals of every transfer. */
  TransferTotals totals(long blockBytes) {
    return new TransferTotals(spec.prefillInstances(), spec.decodeInstances(), transfers, blocks,
        blocks * blockBytes, reusedBlocks, busyNs, transferNs, maxTransferNs);
  }
}
