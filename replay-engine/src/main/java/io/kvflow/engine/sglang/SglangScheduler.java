package io.kvflow.engine.sglang;

import io.kvflow.common.Hashing;
import java.util.Arrays;

/**
 * SGLang's scheduler (python/sglang/srt/managers/scheduler.py, schedule_policy.py's
 * {@code PrefillAdder}, schedule_batch.py's {@code retract_decode}; FCFS, chunked prefill, no mixed
 * chunk, no speculative decoding) over a {@link RadixCache}, counting without time.
 *
 * <p>Each iteration runs either a prefill (extend) batch or a decode batch, prefill first:
 * <ol>
 *   <li><b>Prefill</b>, when a request is being chunked or waits and the running batch has room:
 *       the chunked request continues first, then waiting requests in order. Each looks its tokens
 *       up ({@code match_prefix} over at most {@code tokens - 1} tokens, whole pages), and is added
 *       while its tokens plus its remaining output (capped at 4096) fit the free and evictable
 *       tokens less what the batch and the running requests reserve (their remaining output times
 *       the new-token ratio); its prefix is locked while that is checked, host hits are loaded back
 *       then, and a prompt longer than the chunk budget is cut to whole pages and becomes the
 *       chunked request. The batch's tokens are computed; a chunked request inserts its pages so far
 *       ({@code cache_unfinished_req}) and relocks; the others sample their first token and join the
 *       running batch.
 *   <li><b>Decode</b> otherwise: every running request needs a slot for one token (a page when its
 *       tokens fill the last); when the free and evictable pages cannot give them, requests are
 *       retracted, fewest output tokens first and of those the longest prompt, at least one, until
 *       they can (their own pages freed, their prefix unlocked, back to the waiting queue), and the
 *       new-token ratio is re-estimated; otherwise it decays.
 *   <li>A request that sampled its last token inserts its tokens but the last into the tree
 *       ({@code cache_finished_req}): pages the tree already held and the partial last page are
 *       freed, its lock released.
 * </ol>
 * A request's page keys chain the trace's block hashes for its traced prompt tokens; pages past
 * them (the untraced part, output) get keys derived from the request id, so only the request itself
 * can hit them (after a retraction).
 */
public final class SglangScheduler implements io.kvflow.engine.schedule.TraceRows.Sink {
  /** SGLang's {@code CLIP_MAX_NEW_TOKENS} (the output a request reserves at most). */
  public static final int CLIP_MAX_NEW_TOKENS = 4096;
  /** {@code retract_decode_steps}. */
  public static final int RETRACT_DECODE_STEPS = 20;
  /** {@code init_new_token_ratio} (0.7 x schedule_conservativeness 1.0). */
  public static final double INIT_NEW_TOKEN_RATIO = 0.7;
  /** {@code min_new_token_ratio} (the initial ratio x 0.14). */
  public static final double MIN_NEW_TOKEN_RATIO = INIT_NEW_TOKEN_RATIO * 0.14;
  /** {@code new_token_ratio_decay}: (initial - min) over 600 decode steps. */
  public static final double NEW_TOKEN_RATIO_DECAY = (INIT_NEW_TOKEN_RATIO - MIN_NEW_TOKEN_RATIO) / 600;

  private static final long OWN_PAGE_SALT = 0x3c6ef372fe94f82bL;
  private static final int NONE = -1;

  /** A source of the trace's requests in file order. */
  @FunctionalInterface
  public interface Requests {
    /** Enqueues the next request into {@code scheduler}; false, enqueuing nothing, at the end. */
    boolean pull(SglangScheduler scheduler);
  }

  private final RadixCache cache;
  private final int capacityPages;
  private final int pageTokens;
  private final int blockTokens;
  private final int maxRunning;
  private final long chunkTokens;
  private final SglangObserver observer;

  // per seq
  private long[] requestId = new long[16];
  private int[] promptTokens = new int[16];
  private int[] outputTokens = new int[16];
  private int[] generated = new int[16];
  private long[] kvTokens = new long[16];
  private long[] extend = new long[16];
  private int[] protectedPages = new int[16];
  private int[] lastNode = new int[16];
  private boolean[] admittedOnce = new boolean[16];
  private long[][] keys = new long[16][];
  private int[] freeSeqs = new int[16];
  private int freeSeqCount;
  private int seqCount;

  private final int[] running;
  private int runningCount;
  private int[] waiting = new int[16];
  private int waitingHead;
  private int waitingCount;
  private int chunked = NONE;
  private int[] batch = new int[16];
  private int batchCount;
  private int[] order = new int[16];
  private boolean more = true;
  private double newTokenRatio = INIT_NEW_TOKEN_RATIO;

  private final long[] cacheCounters = new long[4];
  private long requests;
  private long skippedTooLarge;
  private long promptTokenSum;
  private long deviceHitTokens;
  private long hostHitTokens;
  private long resumedQueryTokens;
  private long resumedHitTokens;
  private long generatedTokens;
  private long retractions;
  private long steps;
  private long prefillBatches;
  private long decodeBatches;
  private long loggedHit;
  private long loggedInput;
  private double usageSum;
  private double usagePeak;
  private double runningSum;

  /**
   * @param capacityPages GPU pages of the cache
   * @param blockTokens tokens of one trace block (its hashes' granularity)
   * @param maxRunning {@code max_running_requests}
   * @param chunkTokens {@code chunked_prefill_size} (0: no chunking)
   */
  public SglangScheduler(RadixCache cache, int capacityPages, int pageTokens, int blockTokens, int maxRunning,
      long chunkTokens, SglangObserver observer) {
    if (capacityPages < 1 || pageTokens < 1 || blockTokens < 1 || maxRunning < 1) {
      throw new IllegalArgumentException("capacity " + capacityPages + ", page " + pageTokens + ", block "
          + blockTokens + ", running " + maxRunning);
    }
    this.cache = cache;
    this.capacityPages = capacityPages;
    this.pageTokens = pageTokens;
    this.blockTokens = blockTokens;
    this.maxRunning = maxRunning;
    this.chunkTokens = chunkTokens <= 0 ? Long.MAX_VALUE : chunkTokens;
    this.observer = observer;
    this.running = new int[maxRunning];
  }

  /**
   * Queues a request at the back of the waiting queue, with {@code hashCount} chained block hashes
   * from {@code hashes[hashFrom]} naming its prompt's blocks (a partial last block's hash included).
   * A request whose prompt and output cannot fit the GPU pool is counted and dropped.
   */
  @Override
  public void enqueue(long id, int prompt, int output, long[] hashes, int hashFrom, int hashCount) {
    long total = (long) prompt + output;
    long capacityTokens = (long) capacityPages * pageTokens;
    if (pagesOf(total) > capacityPages || prompt + (long) Math.min(output, CLIP_MAX_NEW_TOKENS) >= capacityTokens) {
      skippedTooLarge++;
      return;
    }
    int seq = newSeq();
    requestId[seq] = id;
    promptTokens[seq] = prompt;
    outputTokens[seq] = output;
    generated[seq] = 0;
    kvTokens[seq] = 0;
    extend[seq] = 0;
    protectedPages[seq] = 0;
    lastNode[seq] = NONE;
    admittedOnce[seq] = false;
    int pages = (int) pagesOf(total);
    long[] k = keys[seq];
    if (k == null || k.length < pages) {
      k = keys[seq] = new long[Math.max(pages, 16)];
    }
    for (int j = 0; j < pages; j++) {
      long last = (long) (j + 1) * pageTokens - 1;
      long block = last / blockTokens;
      k[j] = last < prompt && block < hashCount
          ? Hashing.mix64(Hashing.chain(hashes[hashFrom + (int) block], last))
          : Hashing.mix64(Hashing.chain(id ^ OWN_PAGE_SALT, j));
    }
    pushBack(seq);
  }

  /** Runs until every request of {@code source} has finished (or was too large). */
  public void run(Requests source) {
    while (true) {
      boolean worked = step(source);
      if (runningCount == 0 && waitingCount == 0 && chunked == NONE && !more) {
        return;
      }
      if (!worked) {
        throw new IllegalStateException("the SGLang scheduler made no progress with " + waitingCount
            + " waiting requests and " + cache.freePages() + " free pages");
      }
    }
  }

  public SglangCounts counts(long hostCapacityPages, boolean writeBack) {
    cache.counters(cacheCounters);
    long p = pageTokens;
    return new SglangCounts((long) capacityPages * p, hostCapacityPages * p, pageTokens, writeBack, requests,
        skippedTooLarge, promptTokenSum, deviceHitTokens, hostHitTokens, promptTokenSum - deviceHitTokens - hostHitTokens,
        resumedQueryTokens, resumedHitTokens, generatedTokens, retractions, steps, prefillBatches, decodeBatches,
        loggedHit, loggedInput, steps == 0 ? 0 : usageSum / steps, usagePeak, steps == 0 ? 0 : runningSum / steps,
        cacheCounters[0] * p, cacheCounters[1] * p, cacheCounters[2] * p, cacheCounters[3] * p);
  }

  private boolean step(Requests source) {
    boolean worked = prefill(source);
    if (!worked && runningCount > 0) {
      decode();
      worked = true;
    }
    steps++;
    double usage = 1.0 - (double) (cache.freePages() + cache.evictablePages()) / capacityPages;
    usageSum += usage;
    usagePeak = Math.max(usagePeak, usage);
    runningSum += runningCount;
    observer.stepFinished(steps - 1, cache.freePages(), cache.evictablePages());
    return worked;
  }

  /** The reservation of the running requests: their remaining output (capped) times the new-token ratio. */
  private double runningReserve() {
    double r = 0;
    for (int i = 0; i < runningCount; i++) {
      int seq = running[i];
      r += Math.min(outputTokens[seq] - generated[seq], CLIP_MAX_NEW_TOKENS) * newTokenRatio;
    }
    return r;
  }

  private double remTotal(double offset) {
    return (double) (cache.freePages() + cache.evictablePages()) * pageTokens - offset;
  }

  /** Forms and runs a prefill batch; false when none could be formed. */
  private boolean prefill(Requests source) {
    if (chunked == NONE && (runningCount >= maxRunning || !refill(source))) {
      return false;
    }
    double offset = runningReserve();
    long remChunk = chunkTokens;
    batchCount = 0;
    int newChunked = NONE;
    if (chunked != NONE) {
      int seq = chunked;
      long rem = Math.min(remChunk, (long) remTotal(offset));
      long left = promptTokens[seq] + generated[seq] - kvTokens[seq];
      boolean truncated = left > rem;
      long n = Math.min(left, rem);
      if (n > 0) {
        extend[seq] = n;
        addToBatch(seq);
        long input = pagesOf(n) * pageTokens;
        offset += input + (truncated ? 0 : Math.min(outputTokens[seq] - generated[seq], CLIP_MAX_NEW_TOKENS));
        remChunk -= input;
        loggedInput += input;
        newChunked = truncated ? seq : NONE;
      } else {
        newChunked = seq;
      }
    }
    while (batchCount + runningCount < maxRunning && refill(source)) {
      int seq = waiting[waitingHead];
      long fill = (long) promptTokens[seq] + generated[seq];
      int maxPages = (int) ((fill - 1) / pageTokens);
      int devicePages = cache.match(keys[seq], maxPages);
      int hostPages = cache.hostPages();
      int last = cache.lastDeviceNode();
      long prefix = (long) devicePages * pageTokens;
      long ext = fill - prefix;
      long total = ext + Math.min(outputTokens[seq] - generated[seq], CLIP_MAX_NEW_TOKENS);
      if (total >= remTotal(offset)) {
        break;
      }
      cache.lock(last);
      if (total >= remTotal(offset)) {
        cache.unlock(last);
        break;
      }
      int loaded = 0;
      int node = last;
      if (hostPages > 0) {
        loaded = cache.loadBack(cache.lastHostNode());
        if (loaded > 0) {
          node = cache.lastDeviceNode();
          prefix += (long) loaded * pageTokens;
          ext = fill - prefix;
        }
      }
      long input = pagesOf(ext) * pageTokens;
      boolean chunk = input > remChunk;
      if (chunk) {
        long trunc = remChunk / pageTokens * pageTokens;
        if (trunc <= 0) {
          cache.unlock(last);
          break;
        }
        ext = trunc;
        input = trunc;
      }
      cache.lock(node);
      cache.unlock(last);
      waitingHead = (waitingHead + 1) % waiting.length;
      waitingCount--;
      lastNode[seq] = node;
      protectedPages[seq] = (int) (prefix / pageTokens);
      kvTokens[seq] = prefix;
      extend[seq] = ext;
      addToBatch(seq);
      offset += input + (chunk ? 0 : Math.min(outputTokens[seq] - generated[seq], CLIP_MAX_NEW_TOKENS));
      remChunk -= input;
      loggedHit += prefix;
      loggedInput += input;
      boolean resumed = admittedOnce[seq];
      long deviceHit = (long) devicePages * pageTokens;
      long hostHit = (long) loaded * pageTokens;
      if (resumed) {
        resumedQueryTokens += fill;
        resumedHitTokens += deviceHit + hostHit;
      } else {
        admittedOnce[seq] = true;
        requests++;
        promptTokenSum += promptTokens[seq];
        deviceHitTokens += deviceHit;
        hostHitTokens += hostHit;
      }
      observer.admitted(requestId[seq], promptTokens[seq], deviceHit, hostHit, resumed);
      if (chunk) {
        newChunked = seq;
      }
      if (remTotal(offset) <= 0 || remChunk <= 0) {
        break; // the budget is spent (PrefillAdder.budget_state)
      }
    }
    chunked = newChunked;
    if (batchCount == 0) {
      return false;
    }
    runPrefill();
    return true;
  }

  private void runPrefill() {
    long need = 0;
    for (int i = 0; i < batchCount; i++) {
      int seq = batch[i];
      need += pagesOf(kvTokens[seq] + extend[seq]) - pagesOf(kvTokens[seq]);
    }
    if (!cache.ensureFree((int) need)) {
      throw new IllegalStateException("prefill needs " + need + " pages; " + cache.freePages() + " free after eviction");
    }
    cache.take((int) need);
    prefillBatches++;
    for (int i = 0; i < batchCount; i++) {
      int seq = batch[i];
      kvTokens[seq] += extend[seq];
      extend[seq] = 0;
      if (seq == chunked) {
        cacheUnfinished(seq);
        continue;
      }
      generated[seq]++;
      generatedTokens++;
      if (generated[seq] >= outputTokens[seq]) {
        finish(seq);
      } else {
        running[runningCount++] = seq;
      }
    }
  }

  /** {@code cache_unfinished_req}: the chunked request's whole pages so far go into the tree and it relocks there. */
  private void cacheUnfinished(int seq) {
    int pages = (int) (kvTokens[seq] / pageTokens);
    int present = cache.insert(keys[seq], pages);
    if (present > protectedPages[seq]) {
      cache.release(present - protectedPages[seq]);
    }
    int found = cache.match(keys[seq], pages);
    if (found != pages) {
      throw new IllegalStateException("request " + requestId[seq] + " inserted " + pages + " pages, found " + found);
    }
    int node = cache.lastDeviceNode();
    cache.lock(node);
    cache.unlock(lastNode[seq]);
    lastNode[seq] = node;
    protectedPages[seq] = pages;
  }

  /** {@code cache_finished_req}: its tokens but the last go into the tree, duplicates and the partial page freed. */
  private void finish(int seq) {
    long kv = kvTokens[seq];
    int pages = (int) (kv / pageTokens);
    int present = cache.insert(keys[seq], pages);
    if (present > protectedPages[seq]) {
      cache.release(present - protectedPages[seq]);
    }
    cache.release((int) (pagesOf(kv) - pages));
    cache.unlock(lastNode[seq]);
    freeSeqs[freeSeqCount++] = seq;
  }

  private void decode() {
    if (!decodeFits(runningCount)) {
      retract();
    } else {
      newTokenRatio = Math.max(newTokenRatio - NEW_TOKEN_RATIO_DECAY, MIN_NEW_TOKEN_RATIO);
    }
    int need = newPages(runningCount);
    if (!cache.ensureFree(need)) {
      throw new IllegalStateException("decode needs " + need + " pages; " + cache.freePages() + " free after eviction");
    }
    cache.take(need);
    decodeBatches++;
    int kept = 0;
    for (int i = 0; i < runningCount; i++) {
      int seq = running[i];
      kvTokens[seq]++;
      generated[seq]++;
      generatedTokens++;
      if (generated[seq] >= outputTokens[seq]) {
        finish(seq);
      } else {
        running[kept++] = seq;
      }
    }
    runningCount = kept;
  }

  /** Pages the first {@code n} running requests need for their next token. */
  private int newPages(int n) {
    int need = 0;
    for (int i = 0; i < n; i++) {
      if (kvTokens[running[i]] % pageTokens == 0) {
        need++;
      }
    }
    return need;
  }

  /** {@code check_decode_mem} over the first {@code n} running requests (evicting what it needs). */
  private boolean decodeFits(int n) {
    return cache.ensureFree(newPages(n));
  }

  /** {@code retract_decode}: at least one request, then more until the rest can decode. */
  private void retract() {
    // sort by (generated, -prompt) descending, keeping the batch's order for the survivors
    if (order.length < runningCount) {
      order = new int[running.length];
    }
    for (int i = 0; i < runningCount; i++) {
      order[i] = i;
    }
    sortForRetraction(runningCount);
    boolean[] gone = new boolean[runningCount];
    int remaining = runningCount;
    boolean first = true;
    while (first || !decodeFitsWithout(gone)) {
      if (remaining == 1) {
        break; // SGLang keeps the last request (and asserts it fits)
      }
      first = false;
      int idx = order[--remaining];
      gone[idx] = true;
      int seq = running[idx];
      cache.release((int) (pagesOf(kvTokens[seq]) - protectedPages[seq]));
      cache.unlock(lastNode[seq]);
      cache.ensureFree((int) pagesOf((long) remaining * RETRACT_DECODE_STEPS));
      kvTokens[seq] = 0;
      protectedPages[seq] = 0;
      lastNode[seq] = NONE;
      retractions++;
      pushBack(seq);
    }
    int kept = 0;
    long decoded = 0;
    long maxNew = 0;
    for (int i = 0; i < runningCount; i++) {
      if (!gone[i]) {
        int seq = running[i];
        running[kept++] = seq;
        decoded += generated[seq];
        maxNew += outputTokens[seq];
      }
    }
    runningCount = kept;
    if (maxNew > 0) {
      newTokenRatio = Math.min(1.0, (double) (decoded + (long) RETRACT_DECODE_STEPS * kept) / maxNew);
    }
  }

  private boolean decodeFitsWithout(boolean[] gone) {
    int need = 0;
    for (int i = 0; i < runningCount; i++) {
      if (!gone[i] && kvTokens[running[i]] % pageTokens == 0) {
        need++;
      }
    }
    return cache.ensureFree(need);
  }

  /** Insertion sort of {@code order[0, n)} by (generated, -prompt) descending; ties keep the batch order. */
  private void sortForRetraction(int n) {
    for (int i = 1; i < n; i++) {
      int x = order[i];
      int j = i - 1;
      while (j >= 0 && retractsBefore(order[j], x)) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
  }

  /** Whether running index {@code a} sorts after {@code b} (so is retracted earlier). */
  private boolean retractsBefore(int a, int b) {
    int sa = running[a];
    int sb = running[b];
    if (generated[sa] != generated[sb]) {
      return generated[sa] < generated[sb];
    }
    return promptTokens[sa] > promptTokens[sb];
  }

  private void addToBatch(int seq) {
    if (batchCount == batch.length) {
      batch = Arrays.copyOf(batch, batchCount * 2);
    }
    batch[batchCount++] = seq;
  }

  /** Whether a request waits, pulling the next one from {@code source} while none does. */
  private boolean refill(Requests source) {
    while (waitingCount == 0 && more) {
      more = source.pull(this);
    }
    return waitingCount > 0;
  }

  private long pagesOf(long tokens) {
    return (tokens + pageTokens - 1) / pageTokens;
  }

  private void pushBack(int seq) {
    if (waitingCount == waiting.length) {
      int[] grown = new int[waiting.length * 2];
      for (int i = 0; i < waitingCount; i++) {
        grown[i] = waiting[(waitingHead + i) % waiting.length];
      }
      waiting = grown;
      waitingHead = 0;
    }
    waiting[(waitingHead + waitingCount++) % waiting.length] = seq;
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
      generated = Arrays.copyOf(generated, n);
      kvTokens = Arrays.copyOf(kvTokens, n);
      extend = Arrays.copyOf(extend, n);
      protectedPages = Arrays.copyOf(protectedPages, n);
      lastNode = Arrays.copyOf(lastNode, n);
      admittedOnce = Arrays.copyOf(admittedOnce, n);
      keys = Arrays.copyOf(keys, n);
      freeSeqs = Arrays.copyOf(freeSeqs, n);
    }
    return seq;
  }
}
