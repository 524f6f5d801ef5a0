package io.kvflow.engine.expand;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import io.kvflow.engine.spec.Placement;
import io.kvflow.trace.AccessOp;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;

/**
 * An accesses trace replayed as given. Under block x layer placement a row's key is its (block,
 * layer) pair; under whole-block placement it is the block, and a row with layer -1 (all layers)
 * stands for one access per layer.
 */
public final class AccessTraceSource implements AccessSource {
  private final Path file;
  private final Placement placement;
  private final int layers;
  private final TraceStats stats = new TraceStats();
  private final io.kvflow.common.LongHashSet requestIds = new io.kvflow.common.LongHashSet(256);

  public AccessTraceSource(Path file, Placement placement, int layers) {
    this.file = file;
    this.placement = placement;
    this.layers = layers;
  }

  @Override
  public void run(AccessSink sink, Progress progress) {
    MassSink massSink = sink instanceof MassSink m ? m : null;
    try (TraceReader r = TraceReader.open(file); AccessBatch b = r.newAccessBatch(1 << 16)) {
      long total = r.rowCount();
      while (r.next(b)) {
        int n = b.size();
        for (int i = 0; i < n; i++) {
          long block = b.block(i);
          int op = b.op(i);
          int layer = b.layer(i);
          if (op == AccessOp.READ.code() || op == AccessOp.WRITE.code()) {
            stats.ref(block);
          }
          requestIds.add(b.requestId(i));
          long key = placement == Placement.BLOCK_LAYER && layer >= 0 ? Hashing.chain(block, layer) : block;
          int weight = layer < 0 ? layers : 1;
          if (massSink != null) {
            massSink.access(key, op, weight, b.tokens(i), b.requestId(i), b.step(i), layer, 0, b.attnMass(i));
          } else {
            sink.access(key, op, weight, b.tokens(i), b.requestId(i), b.step(i), layer, 0);
          }
        }
        stats.rows += n;
        stats.requests = requestIds.size();
        progress.update(stats.rows, total);
      }
    }
  }

  @Override
  public TraceStats stats() {
    return stats;
  }
}
