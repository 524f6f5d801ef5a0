package io.kvflow.engine.expand;

import io.kvflow.common.Hashing;
import io.kvflow.common.LongIntHashMap;
import io.kvflow.common.Progress;
import io.kvflow.engine.schedule.DecisionSink;
import io.kvflow.engine.spec.FinishedRequests;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.Preemption;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.batch.RequestBatch;
import java.util.Arrays;

/**
 * Turns the scheduler's decisions into block accesses on an {@link AccessSink}. It keeps each
 * request's block keys (by the scheduler's {@code seq}) and, when finished requests free their
 * blocks, how many running or paused requests use each key.
 *
 * <ul>
 *   <li><b>Keys</b>: the trace's block hashes for input blocks (shared prefixes share keys); for a
 *       request without hashes, and for every block it generates, keys private to the request.
 *   <li><b>Admission</b>: {@code requestStarted}, then the prefill WRITEs each input block in
 *       sequence order ({@link AccessSink#INPUT_BLOCK}; a block resident through a shared prefix is
 *       a hit and is not rewritten).
 *   <li><b>Decode</b>: every block of the sequence is READ (dense attention), then the token is
 *       APPENDed to the last block; a new private block starts every {@code blockTokens} tokens.
 *   <li><b>Finish</b>: under {@code finished_requests: free}, each block no other running or paused
 *       request uses is FREEd; then {@code requestFinished}. Under {@code cache} blocks stay.
 *   <li><b>Preemption</b>: recompute FREEs the request's generated blocks (its input blocks stay
 *       for the prefix cache); swap emits nothing, its blocks age out to lower tiers.
 *   <li><b>Resumption</b>: recompute prefills the whole sequence again, every block WRITTEN with
 *       {@link AccessSink#RECOMPUTE_BLOCK}; swap emits nothing, the next decode reads the blocks
 *       back from where they are.
 *   <li><b>Iteration end</b>: {@code stepFinished}.
 * </ul>
 * Under block x layer placement each block access is one access per layer with key
 * (block, layer); under whole-block placement one access standing for all layers.
 */
final class BlockExpander implements DecisionSink {
  private static final long PRIVATE = 0x7072_6976_6174_6521L;

  private final AccessSink sink;
  private final Placement placement;
  private final FinishedRequests finished;
  private final int layers;
  private final int blockTokens;
  private final TraceStats stats;
  private final Progress progress;
  private final long totalRows;
  /** Running and paused requests using each key (only when finished requests free their blocks). */
  private final LongIntHashMap users = new LongIntHashMap(1 << 12);

  // per seq
  private long[][] keys = new long[0][];
  private int[] keyCount = new int[0];
  private int[] inputBlocks = new int[0];

  BlockExpander(AccessSink sink, Placement placement, FinishedRequests finished, int layers, int blockTokens,
      TraceStats stats, Progress progress, long totalRows) {
    this.sink = sink;
    this.placement = placement;
    this.finished = finished;
    this.layers = layers;
    this.blockTokens = blockTokens;
    this.stats = stats;
    this.progress = progress;
    this.totalRows = totalRows;
  }

  static long privateKey(long request, long index) {
    return Hashing.chain(Hashing.chain(PRIVATE, request), index);
  }

  /** {@code expansion: prefix}: the request's input blocks, one READ each, as a started and finished request. */
  void referenceInputBlocks(RequestBatch rows, int row) {
    long id = rows.requestId(row);
    int input = rows.inputTokens(row);
    int start = rows.hashStart(row);
    int hashes = count(rows, row);
    sink.requestStarted(id, rows.arrivalNs(row), input, rows.outputTokens(row));
    int n = blocksOf(input);
    for (int k = 0; k < n; k++) {
      long key = hashes > 0 ? rows.hash(start + k) : privateKey(id, k);
      sink.access(key, AccessOp.READ.code(), 1, tokensOf(k, input), id, -1, -1, AccessSink.INPUT_BLOCK);
    }
    sink.requestFinished(id);
    stats.rows++;
  }

  /** Counts the request and its block references in the trace statistics; returns its hash count. */
  private int count(RequestBatch rows, int row) {
    int start = rows.hashStart(row);
    int hashes = rows.hashEnd(row) - start;
    stats.requests++;
    for (int k = 0; k < hashes; k++) {
      stats.ref(rows.hash(start + k));
    }
    return hashes;
  }

  private int blocksOf(long tokens) {
    return (int) ((tokens + blockTokens - 1) / blockTokens);
  }

  private int tokensOf(int blockIndex, long length) {
    return (int) Math.min(blockTokens, length - (long) blockIndex * blockTokens);
  }

  @Override
  public void admit(int seq, RequestBatch rows, int row) {
    long id = rows.requestId(row);
    int input = rows.inputTokens(row);
    int start = rows.hashStart(row);
    int hashes = count(rows, row);
    stats.rows++;
    ensureSeq(seq);
    int n = blocksOf(input);
    inputBlocks[seq] = n;
    keyCount[seq] = 0;
    sink.requestStarted(id, rows.arrivalNs(row), input, rows.outputTokens(row));
    for (int k = 0; k < n; k++) {
      long key = hashes > 0 ? rows.hash(start + k) : privateKey(id, k);
      addKey(seq, key);
      emit(key, AccessOp.WRITE.code(), tokensOf(k, input), id, -1, inputFlag | offloaded(k, n, input));
    }
  }

  /** {@link AccessSink#OFFLOADED} when block {@code index} of {@code blocks} falls in the offloaded token range. */
  private int offloaded(int index, int blocks, long tokens) {
    return offload.offloaded(index, blocks, tokens, blockTokens) ? AccessSink.OFFLOADED : 0;
  }

  private io.kvflow.engine.spec.OffloadSpec offload = io.kvflow.engine.spec.OffloadSpec.NONE;
  /** {@link AccessSink#INPUT_BLOCK}, or 0 when the prompt's KV was prefilled elsewhere (see {@link #setPrefilledElsewhere}). */
  private int inputFlag = AccessSink.INPUT_BLOCK;

  /**
   * A decode instance of a disaggregated cluster: every admitted request's prompt KV was computed on
   * a prefill instance and arrives by transfer, so its input blocks are written without
   * {@link AccessSink#INPUT_BLOCK}: found ones are reused, missing ones placed, none computed, and
   * none counted as prefix-cache lookups (the prefill instance counted them).
   */
  void setPrefilledElsewhere() {
    inputFlag = 0;
  }

  /** Keeps a token range of every sequence in a lower tier (flags its accesses {@link AccessSink#OFFLOADED}). */
  void setOffload(io.kvflow.engine.spec.OffloadSpec o) {
    this.offload = o;
  }

  @Override
  public void decode(int seq, long requestId, int step, long contextTokens) {
    int n = keyCount[seq];
    long[] k = keys[seq];
    if (placement != Placement.BLOCK_LAYER && offload.range() == io.kvflow.engine.spec.OffloadSpec.Range.NONE) {
      // every layer reads the same blocks with the same residency: one call for the request's run
      sink.reads(k, n, layers, blockTokens, contextTokens, requestId, step);
    } else {
      for (int i = 0; i < n; i++) {
        emit(k[i], AccessOp.READ.code(), tokensOf(i, contextTokens), requestId, step, offloaded(i, n, contextTokens));
      }
    }
    int last = (int) (contextTokens / blockTokens);
    if (last == n) {
      addKey(seq, privateKey(requestId, last));
    }
    emit(keys[seq][last], AccessOp.APPEND.code(), 1, requestId, step, 0);
  }

  @Override
  public void finish(int seq, long requestId, int decodedTokens) {
    if (finished == FinishedRequests.FREE) {
      long[] k = keys[seq];
      for (int i = 0; i < keyCount[seq]; i++) {
        if (users.increment(k[i], -1) == 0) {
          users.remove(k[i]);
          emit(k[i], AccessOp.FREE.code(), 0, requestId, decodedTokens, 0);
        }
      }
    }
    sink.requestFinished(requestId);
  }

  @Override
  public void preempt(int seq, long requestId, int decodedTokens, Preemption mode) {
    if (mode != Preemption.RECOMPUTE) {
      return;
    }
    long[] k = keys[seq];
    for (int i = inputBlocks[seq]; i < keyCount[seq]; i++) {
      if (finished == FinishedRequests.FREE && users.increment(k[i], -1) == 0) {
        users.remove(k[i]);
      }
      emit(k[i], AccessOp.FREE.code(), 0, requestId, decodedTokens, 0);
    }
  }

  @Override
  public void resume(int seq, long requestId, long contextTokens, Preemption mode) {
    if (mode != Preemption.RECOMPUTE) {
      return;
    }
    long[] k = keys[seq];
    for (int i = 0; i < keyCount[seq]; i++) {
      if (i >= inputBlocks[seq] && finished == FinishedRequests.FREE) {
        users.increment(k[i], 1);
      }
      // a new prefill over the prompt and the tokens generated so far (cached blocks hit)
      emit(k[i], AccessOp.WRITE.code(), tokensOf(i, contextTokens), requestId, -1, AccessSink.RECOMPUTE_BLOCK);
    }
  }

  @Override
  public void iterationFinished(long iteration) {
    sink.stepFinished(iteration);
    progress.update(stats.rows, totalRows);
  }

  private void ensureSeq(int seq) {
    if (seq >= keys.length) {
      int n = Math.max(8, seq * 2);
      int old = keys.length;
      keys = Arrays.copyOf(keys, n);
      for (int i = old; i < n; i++) {
        keys[i] = new long[64];
      }
      keyCount = Arrays.copyOf(keyCount, n);
      inputBlocks = Arrays.copyOf(inputBlocks, n);
    }
  }

  private void addKey(int seq, long key) {
    if (keyCount[seq] == keys[seq].length) {
      keys[seq] = Arrays.copyOf(keys[seq], keyCount[seq] * 2);
    }
    keys[seq][keyCount[seq]++] = key;
    if (finished == FinishedRequests.FREE) {
      users.increment(key, 1);
    }
  }

  /** One access per placement unit: one per layer under block x layer placement, else one standing for all layers. */
  private void emit(long key, int op, int tokens, long id, int step, int flags) {
    if (placement == Placement.BLOCK_LAYER) {
      for (int l = 0; l < layers; l++) {
        sink.access(Hashing.chain(key, l), op, 1, tokens, id, step, l, flags);
      }
    } else {
      sink.access(key, op, layers, tokens, id, step, -1, flags);
    }
  }
}
