package io.kvflow.engine.cluster;

import io.kvflow.common.LongHashSet;
import io.kvflow.common.Progress;
import io.kvflow.engine.ConservationCheck;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.route.Router;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Replays a requests trace on a cluster of engine instances ({@code $.cluster}) that share one
 * simulated clock. Rows are read in file (arrival) order; before a row arriving at {@code t} is
 * routed, every instance runs its iterations until its clock has reached {@code t} (or it has
 * nothing to run), so the router sees each instance's residency and queue as they are at the
 * arrival. The chosen instance queues the row; its scheduler admits it by the same rules as a single
 * engine's. Deterministic: instances advance in index order and routers are deterministic.
 *
 * <p>One instance gives exactly the single engine's replay ({@code ReplayEngine.run}): the same
 * rows reach the same scheduler in the same order and it stops, with nothing to run, exactly where
 * the file reader would have idled to the next arrival.
 */
public final class ClusterReplay {
  private ClusterReplay() {}

  /**
   * @param shared listeners of every instance's events, told the cluster's total at the end
   * @param own each instance's own listeners (by index), told that instance's result at the end
   */
  public static ClusterResult run(Path trace, ReplayConfig config, List<ReplayListener> shared,
      IntFunction<List<ReplayListener>> own, Progress progress) {
    TraceMetadata meta = TraceReader.readMetadata(trace);
    config.checkApplies(meta.kind(), meta.blockTokens());
    if (config.cluster() == null || meta.kind() != TraceKind.REQUESTS) {
      throw new IllegalArgumentException("a cluster replay needs $.cluster and a requests trace");
    }
    int n = config.cluster().instances();
    Router router = config.cluster().router().create(config.cluster());
    List<List<ReplayListener>> owns = new ArrayList<>();
    Instance[] instances = new Instance[n];
    List<RequestBatch> batches = new ArrayList<>();
    LongHashSet distinct = new LongHashSet(1 << 12);
    long rows = 0;
    long blockRefs = 0;
    try (TraceReader r = TraceReader.open(trace); RequestBatch b = r.newRequestBatch(4096)) {
      try {
        for (int i = 0; i < n; i++) {
          List<ReplayListener> mine = new ArrayList<>(own.apply(i));
          if (ConservationCheck.enabled()) {
            mine.add(new ConservationCheck());
          }
          owns.add(mine);
          List<ReplayListener> all = new ArrayList<>(shared);
          all.addAll(mine);
          batches.add(r.newRequestBatch(4096));
          instances[i] = new Instance(config, meta.blockTokens(), meta.prefixInfoKnown(), all, batches.get(i));
        }
        long total = r.rowCount();
        while (r.next(b)) {
          for (int row = 0; row < b.size(); row++) {
            long arrivalNs = b.arrivalNs(row);
            for (Instance in : instances) {
              in.advanceTo(arrivalNs);
            }
            int to = router.route(b, row, instances);
            if (to < 0 || to >= n) {
              throw new IllegalStateException(config.cluster().router().wireName() + " routed request "
                  + b.requestId(row) + " to instance " + to + " of " + n);
            }
            instances[to].give(b, row);
            for (int k = b.hashStart(row); k < b.hashEnd(row); k++) {
              distinct.add(b.hash(k));
              blockRefs++;
            }
            if ((++rows & 1023) == 0) {
              progress.update(rows, total);
            }
          }
        }
        List<ReplayResult> results = new ArrayList<>();
        for (Instance in : instances) {
          results.add(in.finish());
        }
        progress.update(rows, total);
        ReplayResult sum = ResultSums.total(results, new ReplayResult.TraceResult(TraceKind.REQUESTS.wireName(), rows,
            blockRefs, distinct.size(), meta.prefixInfoKnown(), meta.prefixInfoKnown() ? meta.prefixInfo() : "unknown"));
        for (int i = 0; i < n; i++) {
          for (ReplayListener l : owns.get(i)) {
            l.finished(results.get(i));
          }
        }
        for (ReplayListener l : shared) {
          l.finished(sum);
        }
        return new ClusterResult(config.cluster().router().wireName(), sum, results);
      } finally {
        for (RequestBatch x : batches) {
          x.close();
        }
      }
    }
  }
}
