package io.kvflow.engine.vllm;

import io.kvflow.common.Hashing;
import java.util.Arrays;

/**
 * vLLM v1's scheduler (vllm/v1/core/sched/scheduler.py, v0.11, first-come first-served, chunked
 * prefill on, no speculative tokens) over a {@link KvBlockPool}, counting without time.
 *
 * <p>Each step, in this order:
 * <ol>
 *   <li><b>Running requests</b>, in admission order, while the token budget lasts: each asks for
 *       the blocks of its tokens not yet computed (one while decoding; the rest of its prompt,
 *       chunked to the budget, while prefilling). When the pool cannot give them, the last request
 *       of the running list is preempted: its blocks are freed (last first), its computed tokens
 *       forgotten, and it goes to the front of the waiting queue; this repeats until the allocation
 *       succeeds or the request preempted itself.
 *   <li><b>Waiting requests</b>, only in a step that preempted nothing, while the batch has room
 *       and the budget lasts: the head looks up its prompt's leading cached blocks, at most {@code
 *       (tokens - 1) / block_tokens} of them (the last token is always recomputed to get logits), then
 *       the blocks after them that the CPU tier holds, and asks for blocks for the rest (chunked to
 *       the budget). If the pool cannot give them, admission stops for this step.
 *   <li><b>Execution</b>: every scheduled request's tokens are computed; one whose tokens are all
 *       computed samples a token; one that sampled its last output token finishes and frees its
 *       blocks, last first. The running list keeps its order.
 * </ol>
 * A request's blocks are named by the trace's chained hashes for its full prompt blocks; blocks
 * past them (the prompt's last partial block filled by output, output blocks, prompts without
 * hashes) get hashes derived from the request id, so only the request itself can hit them (after a
 * preemption). Memory: per-request state of the running and waiting requests only, in arrays
 * indexed by a reused sequence number.
 */
public final class VllmScheduler implements io.kvflow.engine.schedule.TraceRows.Sink {
  private static final long OWN_BLOCK_SALT = 0x6a09e667f3bcc909L;

  private final KvBlockPool pool;
  private final int capacityBlocks;
  private final int blockTokens;
  private final int maxBatch;
  private final long maxBatchedTokens;
  private final VllmObserver observer;

  // per seq
  private long[] requestId = new long[16];
  private int[] promptTokens = new int[16];
  private int[] outputTokens = new int[16];
  private long[] numTokens = new long[16];
  private long[] computed = new long[16];
  private int[] generated = new int[16];
  private long[] scheduled = new long[16];
  private boolean[] admittedOnce = new boolean[16];
  private long[][] hashes = new long[16][];
  private int[] freeSeqs = new int[16];
  private int freeSeqCount;
  private int seqCount;

  private final int[] running;
  private int runningCount;
  /** Waiting seqs, a ring deque: preempted requests go to the front, new ones to the back. */
  private int[] waiting = new int[16];
  private int waitingHead;
  private int waitingCount;
  private boolean more = true;

  private final long[] poolCounters = new long[4];
  private long requests;
  private long skippedTooLarge;
  private long promptBlocks;
  private long promptTokenSum;
  private long gpuHitTokens;
  private long cpuHitTokens;
  private long resumedQueryTokens;
  private long resumedHitTokens;
  private long generatedTokens;
  private long preemptions;
  private long steps;
  private double usageSum;
  private double usagePeak;

  /**
   * @param maxBatch most running requests ({@code max_num_seqs})
   * @param maxBatchedTokens token budget of a step ({@code max_num_batched_tokens}; 0 = no limit)
   */
  public VllmScheduler(KvBlockPool pool, int capacityBlocks, int blockTokens, int maxBatch, long maxBatchedTokens,
      VllmObserver observer) {
    if (blockTokens < 1 || capacityBlocks < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("block_tokens " + blockTokens + ", capacity " + capacityBlocks + ", batch "
          + maxBatch);
    }
    this.pool = pool;
    this.capacityBlocks = capacityBlocks;
    this.blockTokens = blockTokens;
    this.maxBatch = maxBatch;
    this.maxBatchedTokens = maxBatchedTokens <= 0 ? Long.MAX_VALUE : maxBatchedTokens;
    this.observer = observer;
    this.running = new int[maxBatch];
  }

  /**
   * Queues a request at the back of the waiting queue: {@code hashCount} chained block hashes from
   * {@code hashes[hashFrom]}, of which the first {@code promptTokens / block_tokens} (the full blocks)
   * are used. A request that needs more blocks than the pool has is counted and dropped.
   */
  @Override
  public void enqueue(long id, int prompt, int output, long[] hashesIn, int hashFrom, int hashCount) {
    long maxComputed = (long) prompt + Math.max(output, 1) - 1;
    long maxBlocks = blocksOf(maxComputed);
    if (maxBlocks > capacityBlocks) {
      skippedTooLarge++;
      return;
    }
    int seq = newSeq();
    requestId[seq] = id;
    promptTokens[seq] = prompt;
    outputTokens[seq] = output;
    numTokens[seq] = prompt;
    computed[seq] = 0;
    generated[seq] = 0;
    scheduled[seq] = 0;
    admittedOnce[seq] = false;
    int blocks = (int) blocksOf((long) prompt + output) + 1;
    long[] h = hashes[seq];
    if (h == null || h.length < blocks) {
      h = hashes[seq] = new long[Math.max(blocks, 16)];
    }
    int traced = Math.min(hashCount, prompt / blockTokens);
    System.arraycopy(hashesIn, hashFrom, h, 0, traced);
    for (int i = traced; i < blocks; i++) {
      h[i] = Hashing.mix64(Hashing.chain(id ^ OWN_BLOCK_SALT, i));
    }
    pushBack(seq);
  }

  /** Runs until every request of {@code source} has finished (or was too large). */
  public void run(RequestSource source) {
    while (true) {
      step(source);
      if (runningCount == 0 && waitingCount == 0 && !more) {
        return;
      }
    }
  }

  public VllmCounts counts(long cpuCapacityBlocks) {
    pool.counters(poolCounters);
    long computedTokens = promptTokenSum - gpuHitTokens - cpuHitTokens;
    return new VllmCounts(capacityBlocks, cpuCapacityBlocks, blockTokens, requests, skippedTooLarge, promptBlocks,
        promptTokenSum,
        gpuHitTokens, cpuHitTokens, computedTokens, resumedQueryTokens, resumedHitTokens, generatedTokens, preemptions,
        steps, steps == 0 ? 0 : usageSum / steps, usagePeak, poolCounters[0], poolCounters[1], poolCounters[2],
        poolCounters[3]);
  }

  private void step(RequestSource source) {
    long budget = maxBatchedTokens;
    boolean preempted = false;
    int i = 0;
    while (i < runningCount && budget > 0) {
      int seq = running[i];
      long need = Math.min(numTokens[seq] - computed[seq], budget);
      boolean stillRunning = true;
      while (!pool.allocate(seq, hashes[seq], 0, 0, (int) blocksOf(computed[seq] + need),
          (int) ((computed[seq] + need) / blockTokens))) {
        int victim = running[--runningCount];
        pool.free(victim);
        computed[victim] = 0;
        preemptions++;
        preempted = true;
        pushFront(victim);
        if (victim == seq) {
          stillRunning = false;
          break;
        }
      }
      if (!stillRunning) {
        break;
      }
      scheduled[seq] = need;
      budget -= need;
      i++;
    }
    if (!preempted) {
      admitWaiting(source, budget);
    }
    execute();
    steps++;
    double usage = (double) (capacityBlocks - pool.freeBlocks()) / capacityBlocks;
    usageSum += usage;
    usagePeak = Math.max(usagePeak, usage);
    observer.stepFinished(steps - 1, pool.freeBlocks());
  }

  private void admitWaiting(RequestSource source, long budget) {
    while (runningCount < maxBatch && budget > 0 && refill(source)) {
      int seq = waiting[waitingHead];
      int maxHit = (int) ((numTokens[seq] - 1) / blockTokens);
      int hit = pool.cachedBlocks(hashes[seq], maxHit);
      int load = pool.offloadedBlocks(hashes[seq], hit, maxHit);
      long hitTokens = (long) (hit + load) * blockTokens;
      long need = Math.min(numTokens[seq] - hitTokens, budget);
      if (!pool.allocate(seq, hashes[seq], hit, load, (int) blocksOf(hitTokens + need),
          (int) ((hitTokens + need) / blockTokens))) {
        return;
      }
      waitingHead = (waitingHead + 1) % waiting.length;
      waitingCount--;
      boolean resumed = admittedOnce[seq];
      if (resumed) {
        resumedQueryTokens += numTokens[seq];
        resumedHitTokens += (long) hit * blockTokens;
      } else {
        admittedOnce[seq] = true;
        requests++;
        promptTokenSum += promptTokens[seq];
        promptBlocks += blocksOf(promptTokens[seq]);
        gpuHitTokens += (long) hit * blockTokens;
        cpuHitTokens += (long) load * blockTokens;
      }
      observer.admitted(requestId[seq], promptTokens[seq], (long) hit * blockTokens, (long) load * blockTokens, resumed);
      computed[seq] = hitTokens;
      scheduled[seq] = need;
      budget -= need;
      running[runningCount++] = seq;
    }
  }

  private void execute() {
    int kept = 0;
    for (int i = 0; i < runningCount; i++) {
      int seq = running[i];
      computed[seq] += scheduled[seq];
      scheduled[seq] = 0;
      boolean done = false;
      if (computed[seq] == numTokens[seq]) {
        if (generated[seq] < outputTokens[seq]) {
          generated[seq]++;
          numTokens[seq]++;
          generatedTokens++;
        }
        done = generated[seq] >= outputTokens[seq];
      }
      if (done) {
        pool.free(seq);
        freeSeqs[freeSeqCount++] = seq;
      } else {
        running[kept++] = seq;
      }
    }
    runningCount = kept;
  }

  /** Whether a request waits, pulling the next one from {@code source} while none does. */
  private boolean refill(RequestSource source) {
    while (waitingCount == 0 && more) {
      more = source.pull(this);
    }
    return waitingCount > 0;
  }

  private long blocksOf(long tokens) {
    return (tokens + blockTokens - 1) / blockTokens;
  }

  private void pushBack(int seq) {
    growWaiting();
    waiting[(waitingHead + waitingCount++) % waiting.length] = seq;
  }

  private void pushFront(int seq) {
    growWaiting();
    waitingHead = (waitingHead - 1 + waiting.length) % waiting.length;
    waiting[waitingHead] = seq;
    waitingCount++;
  }

  private void growWaiting() {
    if (waitingCount == waiting.length) {
      int[] grown = new int[waiting.length * 2];
      for (int i = 0; i < waitingCount; i++) {
        grown[i] = waiting[(waitingHead + i) % waiting.length];
      }
      waiting = grown;
      waitingHead = 0;
    }
  }

  private int newSeq() {
    if (freeSeqCount > 0) {
      return freeSeqs[--freeSeqCount];
    }
    int seq = seqCount++;
    if (seq == requestId.length) {
      int n = seq * 2;
      requestId = Arrays.copyOf(requestId, n);
      promptTokens = Arrays.copyOf(promptTokens, n);
      outputTokens = Arrays.copyOf(outputTokens, n);
      numTokens = Arrays.copyOf(numTokens, n);
      computed = Arrays.copyOf(computed, n);
      generated = Arrays.copyOf(generated, n);
      scheduled = Arrays.copyOf(scheduled, n);
      admittedOnce = Arrays.copyOf(admittedOnce, n);
      hashes = Arrays.copyOf(hashes, n);
      freeSeqs = Arrays.copyOf(freeSeqs, n);
    }
    return seq;
  }
}
