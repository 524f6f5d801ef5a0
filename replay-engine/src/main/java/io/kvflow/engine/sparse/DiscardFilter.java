package io.kvflow.engine.sparse;

import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.spec.DiscardKind;
import io.kvflow.engine.spec.DiscardSpec;
import io.kvflow.trace.AccessOp;
import java.util.Arrays;

/**
 * Selective discard on an accesses trace, per sequence and layer. Blocks are tracked in the order
 * they appear (prefill writes, then appends) with the tokens they hold. After each decode step of
 * a (request, layer):
 *
 * <ul>
 *   <li>StreamingLLM keeps tokens [0, sink) and [n - recent, n) of the n tokens: a block keeps its
 *       overlap with those ranges (a partly discarded block holds fewer tokens);
 *   <li>H2O keeps the blocks covering the recent window and the {@code heavy_hitters} other blocks
 *       with the most attention mass accumulated over the steps so far.
 *   <li>SnapKV decides once, after the first decode step: the blocks covering the recent window of
 *       the prompt and the {@code heavy_hitters} other blocks with the most attention mass in that
 *       step (its observation window); everything after is kept.
 * </ul>
 *
 * A block left with no tokens is FREEd once and its later reads are dropped; reads of kept blocks
 * pass with the tokens they still hold. The share of each step's attention mass on kept tokens is
 * recorded (a block's mass counts in proportion to its kept tokens).
 */
public final class DiscardFilter extends ReadGroupStage {
  private final DiscardSpec spec;
  private final RetainedMass retained;
  // (request, layer) -> slot in sequenceList: primitive keys, no object per access
  private final LongIntHashMap sequences = new LongIntHashMap(64);
  private final java.util.ArrayList<Sequence> sequenceList = new java.util.ArrayList<>();
  private long frees;
  private long tokensDiscarded;
  private long readsIn;
  private long readsKept;
  private long windowExceedsContext;

  /** Decisions where the windows covered the whole sequence, so nothing could be discarded. */
  public long windowExceedsContext() {
    return windowExceedsContext;
  }

  /** One sequence's blocks in one layer. */
  private static final class Sequence {
    long[] blocks = new long[64];
    int[] tokens = new int[64];
    int[] kept = new int[64];
    double[] accumulated = new double[64];
    boolean[] gone = new boolean[64];
    int size;
    boolean decided; // SnapKV: the one-shot selection is done
    final LongIntHashMap index = new LongIntHashMap(64);

    int indexOf(long key, int tokenCount) {
      int i = index.get(key);
      if (i != LongIntHashMap.MISSING) {
        int added = Math.max(0, tokenCount - tokens[i]); // an append fills the block further
        tokens[i] += added;
        if (!gone[i]) {
          kept[i] += added;
        }
        return i;
      }
      if (size == blocks.length) {
        int c = size * 2;
        blocks = Arrays.copyOf(blocks, c);
        tokens = Arrays.copyOf(tokens, c);
        kept = Arrays.copyOf(kept, c);
        accumulated = Arrays.copyOf(accumulated, c);
        gone = Arrays.copyOf(gone, c);
      }
      blocks[size] = key;
      tokens[size] = tokenCount;
      kept[size] = tokenCount;
      index.put(key, size);
      return size++;
    }

    long heldTokens() {
      long t = 0;
      for (int i = 0; i < size; i++) {
        t += gone[i] ? 0 : kept[i];
      }
      return t;
    }
  }

  public DiscardFilter(AccessSink next, DiscardSpec spec, RetainedMass retained) {
    super(next);
    this.spec = spec;
    this.retained = retained;
  }

  private Sequence sequence(long request, int layer) {
    long key = request * 65_537 + layer;
    int slot = sequences.get(key);
    if (slot == LongIntHashMap.MISSING) {
      slot = sequenceList.size();
      sequenceList.add(new Sequence());
      sequences.put(key, slot);
    }
    return sequenceList.get(slot);
  }

  @Override
  void other(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags, float attnMass) {
    if (op == AccessOp.WRITE.code() || op == AccessOp.APPEND.code()) {
      Sequence s = sequence(requestId, layer);
      int i = s.indexOf(key, tokens);
      if (s.gone[i]) {
        return; // a discarded block is not written again
      }
      forward(key, op, weight, tokens, requestId, step, layer, flags, attnMass);
      if (op == AccessOp.APPEND.code() && step >= 0) {
        discard(s, requestId, step, layer, false); // the window slides with every new token
      }
      return;
    } else if (op == AccessOp.FREE.code()) {
      Sequence s = sequence(requestId, layer);
      int i = s.index.get(key);
      if (i != LongIntHashMap.MISSING && s.gone[i]) {
        return; // already freed by the discard policy
      }
    }
    forward(key, op, weight, tokens, requestId, step, layer, flags, attnMass);
  }

  /** Decides the buffered group: drop reads of discarded blocks, then discard for the next step. */
  @Override
  void flushGroup() {
    Sequence s = sequence(groupRequest, groupLayer);
    double total = 0;
    double kept = 0;
    boolean allMass = true;
    for (int j = 0; j < n; j++) {
      int i = s.indexOf(keys[j], 0);
      if (Float.isNaN(mass[j])) {
        allMass = false;
      } else {
        total += mass[j];
        s.accumulated[i] += mass[j];
        if (!s.gone[i] && s.tokens[i] > 0) {
          kept += mass[j] * s.kept[i] / s.tokens[i];
        }
      }
      readsIn++;
      if (!s.gone[i]) {
        readsKept++;
        forward(keys[j], AccessOp.READ.code(), weights[j], s.kept[i], groupRequest, groupStep, groupLayer, flags[j], mass[j]);
      }
    }
    if (allMass && total > 0) {
      retained.record(kept / total);
    }
    discard(s, groupRequest, groupStep, groupLayer, true);
  }

  private void discard(Sequence s, long request, int step, int layer, boolean afterReads) {
    if (spec.kind() == DiscardKind.SNAPKV) {
      if (s.decided || !afterReads) {
        return; // one selection, made on the first decode step's attention
      }
      s.decided = true;
    }
    long length = 0;
    for (int i = 0; i < s.size; i++) {
      length += s.tokens[i];
    }
    long recentStart = Math.max(0, length - spec.recentTokens());
    if (spec.sinkTokens() + spec.recentTokens() >= length) {
      windowExceedsContext++;
    }
    boolean[] heavy = null;
    if (spec.kind() != DiscardKind.STREAMING_LLM && spec.heavyHitters() > 0) {
      heavy = new boolean[s.size];
      Integer[] order = new Integer[s.size];
      long pos = 0;
      int candidates = 0;
      for (int i = 0; i < s.size; i++) {
        boolean inRecent = pos + s.tokens[i] > recentStart;
        pos += s.tokens[i];
        if (!s.gone[i] && !inRecent) {
          order[candidates++] = i;
        }
      }
      Arrays.sort(order, 0, candidates, (a, b) -> s.accumulated[a] != s.accumulated[b]
          ? Double.compare(s.accumulated[b], s.accumulated[a]) : Integer.compare(a, b));
      for (int k = 0; k < Math.min(spec.heavyHitters(), candidates); k++) {
        heavy[order[k]] = true;
      }
    }
    long pos = 0;
    for (int i = 0; i < s.size; i++) {
      long start = pos;
      long end = pos + s.tokens[i];
      pos = end;
      if (s.gone[i]) {
        continue;
      }
      long keep;
      if (spec.kind() == DiscardKind.STREAMING_LLM) {
        long sinkEnd = spec.sinkTokens();
        keep = overlap(start, end, 0, sinkEnd) + overlap(start, end, Math.max(recentStart, sinkEnd), length);
      } else {
        keep = heavy[i] ? end - start : overlap(start, end, recentStart, length);
      }
      if (keep < s.kept[i]) {
        tokensDiscarded += s.kept[i] - keep;
        s.kept[i] = (int) keep;
      }
      if (s.kept[i] == 0) {
        s.gone[i] = true;
        frees++;
        forward(s.blocks[i], AccessOp.FREE.code(), 1, 0, request, step, layer, 0, Float.NaN);
      }
    }
  }

  private static long overlap(long a, long b, long c, long d) {
    return Math.max(0, Math.min(b, d) - Math.max(a, c));
  }

  /** Tokens a (request, layer) still holds (for tests). */
  public long heldTokens(long request, int layer) {
    return sequence(request, layer).heldTokens();
  }

  /** Blocks a (request, layer) still holds whole or in part. */
  public int heldBlocks(long request, int layer) {
    Sequence s = sequence(request, layer);
    int c = 0;
    for (int i = 0; i < s.size; i++) {
      c += s.gone[i] ? 0 : 1;
    }
    return c;
  }

  public long readsIn() {
    return readsIn;
  }

  public long readsKept() {
    return readsKept;
  }

  public long frees() {
    return frees;
  }

  public long tokensDiscarded() {
    return tokensDiscarded;
  }
}
