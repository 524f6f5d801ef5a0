package io.kvflow.engine.expand;

import io.kvflow.common.Hashing;
import io.kvflow.common.LongIntHashMap;
import io.kvflow.common.Progress;
import io.kvflow.engine.spec.Expansion;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.Placement;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The request expander as it was before the scheduler was split from expansion, kept unchanged as
 * the reference that {@link RequestExpander} must reproduce access for access
 * ({@code SchedulerSplitEquivalenceTest}).
 *
 * <p>Expands a requests trace into block accesses, streaming (memory: one batch of rows plus the
 * running requests' block lists).
 *
 * <p>PREFIX: each request's input blocks, one READ each, requests in file order.
 *
 * <p>FULL: requests join a batch of at most {@code maxBatch} in file (arrival) order as slots free
 * up. On joining, a request's prefill WRITEs its input blocks (blocks already resident through a
 * shared prefix are hits and are not rewritten). Then every iteration, each running request
 * decodes one token: every layer reads every block of the sequence (dense), and the token is
 * APPENDed to the last block, a new block every {@code block_tokens} tokens. A request that has
 * produced its output leaves the batch; its blocks stay cached, or are FREEd unless another
 * running request still uses them. Keys: the trace's block hashes for input blocks (so shared
 * prefixes share keys), and keys private to the request for blocks without a hash and for
 * generated blocks.
 */
final class LegacyRequestExpander implements AccessSource {
  private static final long PRIVATE = 0x7072_6976_6174_6521L;

  private final Path file;
  private final Expansion expansion;
  private final Placement placement;
  private final FinishedRequests finished;
  private final int layers;
  private final int maxBatch;
  private final TraceStats stats = new TraceStats();

  // running requests, by batch slot
  private final long[] requestId;
  private final long[][] blocks;
  private final int[] blockCount;
  private final long[] contextTokens;
  private final int[] remaining;
  private final int[] decoded;
  private final int[] inputBlockCount;
  private int running;
  private final LongIntHashMap users = new LongIntHashMap(1 << 12);
  private int blockTokens;
  private AdmissionClock clock;
  private long maxBatchedTokens;
  private long capacityBlocks;
  private long usedBlocks;
  private long waitedForMemory;
  private io.kvflow.engine.spec.Preemption preemption = io.kvflow.engine.spec.Preemption.NONE;
  private long preemptions;
  private final long[] admittedAt;
  private long admissions;
  private final java.util.ArrayDeque<Paused> paused = new java.util.ArrayDeque<>();

  /** A preempted request waiting to resume (one object per preemption, not per access). */
  private record Paused(long id, long[] blocks, int blockCount, int inputBlocks, long contextTokens, int remaining,
      int decoded, long admittedAt) {}

  public void setPreemption(io.kvflow.engine.spec.Preemption p) {
    this.preemption = p;
  }

  /** Requests stopped because the running batch outgrew the first tier. */
  public long preemptions() {
    return preemptions;
  }

  /**
   * Scheduler limits: at most {@code tokens} tokens processed per iteration (prefill input plus one
   * per decoding request; 0 = no limit), and admission waits while the running batch's blocks plus
   * the newcomer's (and one block of growth per request) would not fit {@code blocks} blocks of the
   * compute tier (0 = no limit). A request too large to fit alone is admitted when nothing runs.
   */
  public void setLimits(long tokens, long blocks) {
    this.maxBatchedTokens = tokens;
    this.capacityBlocks = blocks;
  }

  /** Admissions that waited because the compute tier could not hold the batch's working set. */
  public long waitedForMemory() {
    return waitedForMemory;
  }

  /** With a clock, requests join the batch only once the simulated time has reached their arrival. */
  public void setClock(AdmissionClock c) {
    this.clock = c;
  }

  LegacyRequestExpander(Path file, Expansion expansion, Placement placement, FinishedRequests finished, int layers,
      int maxBatch) {
    this.file = file;
    this.expansion = expansion;
    this.placement = placement;
    this.finished = finished;
    this.layers = layers;
    this.maxBatch = maxBatch;
    requestId = new long[maxBatch];
    blocks = new long[maxBatch][];
    blockCount = new int[maxBatch];
    contextTokens = new long[maxBatch];
    remaining = new int[maxBatch];
    decoded = new int[maxBatch];
    admittedAt = new long[maxBatch];
    inputBlockCount = new int[maxBatch];
    for (int i = 0; i < maxBatch; i++) {
      blocks[i] = new long[64];
    }
  }

  @Override
  public TraceStats stats() {
    return stats;
  }

  static long privateKey(long request, long index) {
    return Hashing.chain(Hashing.chain(PRIVATE, request), index);
  }

  @Override
  public void run(AccessSink sink, Progress progress) {
    try (TraceReader r = TraceReader.open(file); RequestBatch b = r.newRequestBatch(4096)) {
      blockTokens = r.metadata().blockTokens();
      long total = r.rowCount();
      long iteration = 0;
      boolean more = r.next(b);
      int row = 0;
      while (more || running > 0 || !paused.isEmpty()) {
        long iterationTokens = running;
        // preempted requests resume first (they were admitted before any waiting request)
        while (!paused.isEmpty() && running < maxBatch) {
          Paused p = paused.peekFirst();
          if (running > 0 && capacityBlocks > 0 && usedBlocks + p.blockCount() + running + 1 > capacityBlocks) {
            break;
          }
          paused.pollFirst();
          resume(p, sink);
          iterationTokens += preemption == io.kvflow.engine.spec.Preemption.RECOMPUTE ? p.contextTokens() : 0;
        }
        // admit new requests into free slots, in file order
        while (running < maxBatch && more && paused.isEmpty()) {
          if (row == b.size()) {
            more = r.next(b);
            row = 0;
            continue;
          }
          if (clock != null && expansion == Expansion.FULL && b.arrivalNs(row) > clock.nowNs()) {
            if (running > 0) {
              break; // not arrived yet: decode the running batch first
            }
            clock.idleUntil(b.arrivalNs(row));
          }
          if (expansion == Expansion.FULL && running > 0) {
            long input = b.inputTokens(row);
            if (maxBatchedTokens > 0 && iterationTokens + input > maxBatchedTokens) {
              break;
            }
            long blocks = (input + blockTokens - 1) / blockTokens;
            if (capacityBlocks > 0 && usedBlocks + blocks + running + 1 > capacityBlocks) {
              waitedForMemory++;
              break;
            }
          }
          iterationTokens += b.inputTokens(row);
          admit(b, row++, sink);
          stats.rows++;
          if (expansion == Expansion.PREFIX) {
            running = 0;
          }
        }
        if (expansion == Expansion.PREFIX) {
          if ((stats.rows & 1023) == 0) {
            progress.update(stats.rows, total);
          }
          continue;
        }
        decodeStep(iteration, sink);
        preemptIfNeeded(sink);
        sink.stepFinished(iteration++);
        progress.update(stats.rows, total);
      }
      progress.update(stats.rows, total);
    }
  }

  private void admit(RequestBatch b, int i, AccessSink sink) {
    long id = b.requestId(i);
    int input = b.inputTokens(i);
    int start = b.hashStart(i);
    int hashes = b.hashEnd(i) - start;
    stats.requests++;
    for (int k = 0; k < hashes; k++) {
      stats.ref(b.hash(start + k));
    }
    int inputBlocks = (int) ((input + (long) blockTokens - 1) / blockTokens);
    if (expansion == Expansion.PREFIX) {
      sink.requestStarted(id, b.arrivalNs(i), input, b.outputTokens(i));
      for (int k = 0; k < inputBlocks; k++) {
        long key = hashes > 0 ? b.hash(start + k) : privateKey(id, k);
        sink.access(key, AccessOp.READ.code(), 1, tokensOf(k, input), id, -1, -1, AccessSink.INPUT_BLOCK);
      }
      sink.requestFinished(id);
      return;
    }
    int slot = running++;
    admittedAt[slot] = admissions++;
    inputBlockCount[slot] = inputBlocks;
    requestId[slot] = id;
    contextTokens[slot] = input;
    remaining[slot] = b.outputTokens(i);
    decoded[slot] = 0;
    blockCount[slot] = 0;
    sink.requestStarted(id, b.arrivalNs(i), input, b.outputTokens(i));
    for (int k = 0; k < inputBlocks; k++) {
      long key = hashes > 0 ? b.hash(start + k) : privateKey(id, k);
      addBlock(slot, key);
      emit(sink, key, AccessOp.WRITE.code(), tokensOf(k, input), id, -1, AccessSink.INPUT_BLOCK);
    }
    if (remaining[slot] == 0) {
      finish(slot, sink);
    }
  }

  private int tokensOf(int blockIndex, long length) {
    return (int) Math.min(blockTokens, length - (long) blockIndex * blockTokens);
  }

  private void addBlock(int slot, long key) {
    if (blockCount[slot] == blocks[slot].length) {
      blocks[slot] = Arrays.copyOf(blocks[slot], blockCount[slot] * 2);
    }
    blocks[slot][blockCount[slot]++] = key;
    usedBlocks++;
    if (finished == FinishedRequests.FREE) {
      users.increment(key, 1);
    }
  }

  /** One access per placement unit: one per layer under block x layer placement, else one standing for all layers. */
  private void emit(AccessSink sink, long key, int op, int tokens, long id, int step, int flags) {
    if (placement == Placement.BLOCK_LAYER) {
      for (int l = 0; l < layers; l++) {
        sink.access(Hashing.chain(key, l), op, 1, tokens, id, step, l, flags);
      }
    } else {
      sink.access(key, op, layers, tokens, id, step, -1, flags);
    }
  }

  private void decodeStep(long iteration, AccessSink sink) {
    for (int slot = 0; slot < running; slot++) {
      long id = requestId[slot];
      int step = decoded[slot];
      long length = contextTokens[slot];
      int n = blockCount[slot];
      for (int k = 0; k < n; k++) {
        emit(sink, blocks[slot][k], AccessOp.READ.code(), tokensOf(k, length), id, step, 0);
      }
      long position = length;
      int index = (int) (position / blockTokens);
      if (index == n) {
        addBlock(slot, privateKey(id, index));
      }
      emit(sink, blocks[slot][index], AccessOp.APPEND.code(), 1, id, step, 0);
      contextTokens[slot]++;
      decoded[slot]++;
      remaining[slot]--;
    }
    for (int slot = running - 1; slot >= 0; slot--) {
      if (remaining[slot] == 0) {
        finish(slot, sink);
      }
    }
  }

  private void finish(int slot, AccessSink sink) {
    long id = requestId[slot];
    if (finished == FinishedRequests.FREE) {
      for (int k = 0; k < blockCount[slot]; k++) {
        long key = blocks[slot][k];
        if (users.increment(key, -1) == 0) {
          users.remove(key);
          emit(sink, key, AccessOp.FREE.code(), 0, id, decoded[slot], 0);
        }
      }
    }
    sink.requestFinished(id);
    usedBlocks -= blockCount[slot];
    // move the last running request into this slot (order of running requests is not significant)
    int last = --running;
    if (slot != last) {
      moveSlot(last, slot);
    }
  }

  private void moveSlot(int from, int to) {
    long[] tmp = blocks[to];
    blocks[to] = blocks[from];
    blocks[from] = tmp;
    requestId[to] = requestId[from];
    blockCount[to] = blockCount[from];
    contextTokens[to] = contextTokens[from];
    remaining[to] = remaining[from];
    decoded[to] = decoded[from];
    admittedAt[to] = admittedAt[from];
    inputBlockCount[to] = inputBlockCount[from];
  }

  /**
   * While the running batch's blocks (and one block of growth per request) exceed the first tier,
   * the most recently admitted request stops (vLLM's policy): under recompute its generated blocks
   * are freed, under swap they stay and age out; it resumes before any new request is admitted.
   */
  private void preemptIfNeeded(AccessSink sink) {
    if (preemption == io.kvflow.engine.spec.Preemption.NONE || capacityBlocks <= 0) {
      return;
    }
    while (running > 1 && usedBlocks + running > capacityBlocks) {
      int victim = 0;
      for (int s = 1; s < running; s++) {
        if (admittedAt[s] > admittedAt[victim]) {
          victim = s;
        }
      }
      long id = requestId[victim];
      int n = blockCount[victim];
      if (preemption == io.kvflow.engine.spec.Preemption.RECOMPUTE) {
        for (int k = inputBlockCount[victim]; k < n; k++) {
          long key = blocks[victim][k];
          if (finished == FinishedRequests.FREE && users.increment(key, -1) == 0) {
            users.remove(key);
          }
          emit(sink, key, AccessOp.FREE.code(), 0, id, decoded[victim], 0);
        }
      }
      paused.addLast(new Paused(id, Arrays.copyOf(blocks[victim], n), n, inputBlockCount[victim], contextTokens[victim],
          remaining[victim], decoded[victim], admittedAt[victim]));
      usedBlocks -= n;
      preemptions++;
      int last = --running;
      if (victim != last) {
        moveSlot(last, victim);
      }
    }
  }

  private void resume(Paused p, AccessSink sink) {
    int slot = running++;
    requestId[slot] = p.id();
    admittedAt[slot] = p.admittedAt();
    inputBlockCount[slot] = p.inputBlocks();
    contextTokens[slot] = p.contextTokens();
    remaining[slot] = p.remaining();
    decoded[slot] = p.decoded();
    blockCount[slot] = 0;
    if (blocks[slot].length < p.blockCount()) {
      blocks[slot] = new long[p.blockCount() * 2];
    }
    for (int k = 0; k < p.blockCount(); k++) {
      long key = p.blocks()[k];
      if (preemption == io.kvflow.engine.spec.Preemption.RECOMPUTE) {
        if (k >= p.inputBlocks() && finished == FinishedRequests.FREE) {
          users.increment(key, 1);
        }
        blocks[slot][blockCount[slot]++] = key;
        usedBlocks++;
        // recompute: a new prefill over the prompt and the tokens generated so far (cached blocks hit)
        emit(sink, key, AccessOp.WRITE.code(), tokensOf(k, p.contextTokens()), p.id(), -1, AccessSink.RECOMPUTE_BLOCK);
      } else {
        blocks[slot][blockCount[slot]++] = key;
        usedBlocks++;
      }
    }
  }
}
