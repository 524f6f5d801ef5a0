package io.kvflow.engine;

import io.kvflow.common.Progress;
import io.kvflow.engine.policy.EvictionPolicy;
import io.kvflow.engine.policy.NextUse;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.policy.PolicyStats;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceSchema;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Cache simulation as libCacheSim does it: the block ids of an accesses trace (READ and WRITE rows),
 * one tier, no model. Reads only the block and op columns and hands the policy each batch's keys
 * as one primitive array.
 */
public final class KeyOnlySimulator {
  private KeyOnlySimulator() {}

  public static PolicyStats run(Path trace, PolicyKind kind, int capacityBlocks, PolicyParams params, Progress progress) {
    PolicyParams p = params;
    if (kind.offline()) {
      p = params.withNextUse(oracle(trace));
    }
    EvictionPolicy policy = kind.create(capacityBlocks, p);
    long[] keys = new long[1 << 16];
    try (TraceReader r = open(trace); AccessBatch b = r.newAccessBatch(keys.length)) {
      long done = 0;
      while (r.next(b)) {
        int n = b.size();
        int m = 0;
        for (int i = 0; i < n; i++) {
          int op = b.op(i);
          if (op == AccessOp.READ.code() || op == AccessOp.WRITE.code()) {
            keys[m++] = b.block(i);
          }
        }
        policy.accessAll(keys, m); // the keys of a batch in one call: the policy looks a few ahead
        done += n;
        progress.update(done, r.rowCount());
      }
    }
    policy.checkInvariants();
    return policy.stats();
  }

  private static TraceReader open(Path trace) {
    TraceReader r = TraceReader.open(trace, List.of(TraceSchema.BLOCK, TraceSchema.OP));
    if (r.kind() != TraceKind.ACCESSES) {
      r.close();
      throw new io.kvflow.common.BadInputException(trace + ": key-only simulation needs an accesses trace");
    }
    return r;
  }

  private static NextUse oracle(Path trace) {
    long[] keys = new long[1 << 16];
    int n = 0;
    try (TraceReader r = open(trace); AccessBatch b = r.newAccessBatch(1 << 16)) {
      while (r.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          int op = b.op(i);
          if (op == AccessOp.READ.code() || op == AccessOp.WRITE.code()) {
            if (n == keys.length) {
              keys = Arrays.copyOf(keys, (int) Math.min(Integer.MAX_VALUE - 8, n * 2L));
            }
            keys[n++] = b.block(i);
          }
        }
      }
    }
    return NextUse.of(keys, n);
  }
}
