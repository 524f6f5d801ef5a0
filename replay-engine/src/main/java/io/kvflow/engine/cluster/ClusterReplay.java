package io.kvflow.engine.cluster;

import io.kvflow.common.LongHashSet;
import io.kvflow.common.Progress;
import io.kvflow.engine.ConservationCheck;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.ReplayResult;
import io.kvflow.engine.route.Router;
import io.kvflow.engine.spec.ClusterSpec;
import io.kvflow.engine.spec.DisaggregationSpec;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 *
 * <p>Disaggregated ({@code $.cluster.disaggregation}): at its arrival a request is routed to a
 * prefill instance (by {@code router}, over the prefill pool) and to a decode instance (by
 * {@code decode_router}, over the decode pool), as llm-d's scheduler picks both; the prefill
 * instance runs it with no output token, then {@link Handoffs} moves its KV and gives it to the
 * decode instance. Before a row arriving at {@code t} is routed the prefill pool advances to
 * {@code t} (an idle prefill instance's clock moves to {@code t}, so every prefill ending by
 * {@code t} is timed), then every transfer start and landing until {@code t} runs in time order,
 * then the decode pool advances to {@code t}.
 *
 * <p>With a shared pool ({@code $.cluster.shared_pool}) the last tier of every instance is one pool:
 * one policy and capacity, each instance's own counters and link. A block one instance computed and
 * demoted there is found by another's lookup and loaded over its link instead of computed again
 * (copied up: the pool keeps it for the others); a block demoted there that the pool holds is not
 * written again. Instances reach the pool in the order the clock runs them (index order at a time).
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
    ClusterSpec spec = config.cluster();
    if (spec == null || meta.kind() != TraceKind.REQUESTS) {
      throw new IllegalArgumentException("a cluster replay needs $.cluster and a requests trace");
    }
    int n = spec.instances();
    DisaggregationSpec pd = spec.disaggregation();
    int prefillCount = pd == null ? n : pd.prefillInstances();
    Router router = spec.router().create(spec);
    Router decodeRouter = pd == null ? null : pd.decodeRouter().create(spec);
    RequestLog log = new RequestLog();
    List<List<ReplayListener>> owns = new ArrayList<>();
    Instance[] instances = new Instance[n];
    List<RequestBatch> batches = new ArrayList<>();
    LongHashSet distinct = new LongHashSet(1 << 12);
    long rows = 0;
    long blockRefs = 0;
    try (TraceReader r = TraceReader.open(trace); RequestBatch b = r.newRequestBatch(4096)) {
      try {
        Handoffs handoffs = null;
        Instance[] decode = null;
        if (pd != null) {
          decode = new Instance[pd.decodeInstances()];
          handoffs = new Handoffs(pd, decode, log, meta.blockTokens());
        }
        for (int i = 0; i < n; i++) {
          List<ReplayListener> mine = new ArrayList<>(own.apply(i));
          if (ConservationCheck.enabled()) {
            mine.add(new ConservationCheck());
          }
          owns.add(mine);
          List<ReplayListener> all = new ArrayList<>(shared);
          all.addAll(mine);
          batches.add(r.newRequestBatch(4096));
          boolean prefill = pd != null && i < prefillCount;
          instances[i] = new Instance(config, meta.blockTokens(), meta.prefixInfoKnown(), all,
              prefill ? handoffs.prefillDone() : log.recorder(), batches.get(i), pd != null && !prefill,
              i == 0 ? null : instances[0]);
        }
        log.setBlockBytes(instances[0].probe().blockBytes());
        Instance[] prefillPool = Arrays.copyOf(instances, prefillCount);
        if (pd != null) {
          System.arraycopy(instances, prefillCount, decode, 0, decode.length);
        }
        long total = r.rowCount();
        while (r.next(b)) {
          for (int row = 0; row < b.size(); row++) {
            long arrivalNs = b.arrivalNs(row);
            for (Instance in : prefillPool) {
              in.advanceTo(arrivalNs);
              if (pd != null) {
                in.idleTo(arrivalNs);
              }
            }
            if (pd != null) {
              handoffs.runUntil(arrivalNs);
              for (Instance in : decode) {
                in.advanceTo(arrivalNs);
              }
            }
            int to = checked(router.route(b, row, prefillPool), prefillCount, spec.router().wireName(), b, row);
            int k;
            if (pd == null) {
              k = log.add(b.requestId(row), arrivalNs, to, -1);
              instances[to].give(b, row);
            } else {
              int d = checked(decodeRouter.route(b, row, decode), decode.length, pd.decodeRouter().wireName(), b, row);
              k = log.add(b.requestId(row), arrivalNs, to, prefillCount + d);
              handoffs.keep(k, b, row);
              instances[to].givePrefill(b, row);
            }
            for (int h = b.hashStart(row); h < b.hashEnd(row); h++) {
              distinct.add(b.hash(h));
              blockRefs++;
            }
            if ((++rows & 1023) == 0) {
              progress.update(rows, total);
            }
          }
        }
        List<ReplayResult> results = new ArrayList<>(Arrays.asList(new ReplayResult[n]));
        for (int i = 0; i < prefillCount; i++) {
          results.set(i, instances[i].finish());
        }
        TransferTotals transfers = null;
        if (pd != null) {
          handoffs.runUntil(Long.MAX_VALUE);
          for (int i = prefillCount; i < n; i++) {
            results.set(i, instances[i].finish());
          }
          transfers = handoffs.totals(instances[0].probe().blockBytes());
        }
        checkConservation(rows, instances, prefillCount, log, handoffs);
        if (spec.sharedPoolTier() != null) {
          checkPool(instances[0].poolInsertions(), results);
        }
        progress.update(rows, total);
        ReplayResult sum = ResultSums.total(spec.sharedPoolTier() != null, results, new ReplayResult.TraceResult(TraceKind.REQUESTS.wireName(), rows,
            blockRefs, distinct.size(), meta.prefixInfoKnown(), meta.prefixInfoKnown() ? meta.prefixInfo() : "unknown"));
        for (int i = 0; i < n; i++) {
          for (ReplayListener l : owns.get(i)) {
            l.finished(results.get(i));
          }
        }
        for (ReplayListener l : shared) {
          l.finished(sum);
        }
        return new ClusterResult(spec.router().wireName(), sum, results, log, transfers);
      } finally {
        for (RequestBatch x : batches) {
          x.close();
        }
      }
    }
  }

  /**
   * The shared pool's admissions are the units the instances wrote into it, plus at most the units
   * an APPEND created there empty (the check a tracker makes of its own tiers, made across them).
   */
  private static void checkPool(long insertions, List<ReplayResult> results) {
    long written = 0;
    long appends = 0;
    for (ReplayResult r : results) {
      var tiers = r.residency().tiers();
      written += tiers.get(tiers.size() - 1).unitsWritten();
      appends += r.residency().appends();
    }
    if (written > insertions || insertions - written > appends) {
      throw new IllegalStateException("shared pool: " + insertions + " admissions for " + written
          + " units the instances wrote into it");
    }
  }

  private static int checked(int to, int n, String router, RequestBatch b, int row) {
    if (to < 0 || to >= n) {
      throw new IllegalStateException(router + " routed request " + b.requestId(row) + " to instance " + to + " of " + n);
    }
    return to;
  }

  /**
   * Every request served exactly once: each pool admitted every row once in all (the prefill pool
   * and the decode pool each, when disaggregated), each prefill was handed over once, and the
   * serving instances timed each request once.
   */
  private static void checkConservation(long rows, Instance[] instances, int prefillCount, RequestLog log,
      Handoffs handoffs) {
    long first = 0;
    long second = 0;
    for (int i = 0; i < instances.length; i++) {
      if (i < prefillCount) {
        first += instances[i].requestsAdmitted();
      } else {
        second += instances[i].requestsAdmitted();
      }
    }
    if (first != rows || (handoffs != null && (second != rows || handoffs.prefilled() != rows || !handoffs.idle()))) {
      throw new IllegalStateException("cluster conservation: " + rows + " rows, " + first + " admitted by "
          + (handoffs != null ? "the prefill pool, " + second + " by the decode pool, " + handoffs.prefilled()
          + " handed over" : "the instances"));
    }
    if (log.size() != rows) {
      throw new IllegalStateException("cluster conservation: " + rows + " rows, " + log.size() + " routed");
    }
    log.checkServedOnce();
  }
}
