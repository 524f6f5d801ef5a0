package io.kvflow.engine.time;

import io.kvflow.common.LongIntHashMap;
import io.kvflow.engine.ReplayListener;
import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.expand.AdmissionClock;
import io.kvflow.engine.residency.AccessOutcome;
import io.kvflow.engine.spec.PrefetchKind;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.engine.spec.TierConfig;
import io.kvflow.engine.spec.TimingSpec;
import io.kvflow.trace.AccessOp;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * Simulated time from the residency model's access outcomes (it reads each outcome record and
 * nothing else of residency). Accesses are grouped by layer of a step (an
 * accesses trace's (step, layer); for a requests trace, each batch iteration split evenly over the
 * model's layers). For each layer group the residency model says what the compute tier holds and
 * what must cross a link (a promotion moves the placement unit; a bypassed unit streams the layer's
 * part). Then, layer after layer on the compute stream:
 *
 * <pre>
 *   start_i   = max(compute free, completion of layer i's transfers)
 *   stall_i   = start_i - compute free          (exposed latency)
 *   compute_i = roofline(HBM bytes, FLOPs) + per-layer overhead
 *   at start_i, with layer-ahead prefetch of depth k, layers i+1..i+k's transfers are issued;
 *   without prefetch a layer's transfers are issued when the layer could start (demand, serial).
 * </pre>
 *
 * Step time = sum of compute + stall of its layers. All time is simulated nanoseconds owned here.
 *
 * <p>Under {@code execution: eager} the host issues every operation ({@link HostIssue}): a layer's
 * demand copies and prefetches are issued at the host's time (each copy, stream wait and event record
 * costing it the profile's host time), and its kernels run when both the GPU and their launch are
 * ready, so compute_i includes the time the GPU waited for the host. The host waits for the GPU at
 * each step's start (the engine needs the previous step's tokens).
 */
public final class TimingModel implements ReplayListener, AdmissionClock {
  private static final int CLASSES = 4;
  private static final int INPUT_BLOCK = AccessSink.INPUT_BLOCK;
  private static final int RECOMPUTE_BLOCK = AccessSink.RECOMPUTE_BLOCK;
  private final TimingSpec spec;
  private final ComputeModel compute;
  private final LinkRoutes routes;
  private final long unitBytes;
  private final long keyBytes;
  private final int layers;
  private final boolean iterationGroups;
  private final TimedListener[] listeners;
  private final int depth;
  /** Whether layer-ahead prefetch reaches into the next step's first layers. */
  private final boolean crossStep;
  /** Request-ahead: only the prefill transfers of upcoming groups are prefetched. */
  private final boolean prefillOnly;
  /** Reuse-predicted: only units seen before are prefetched. */
  private final boolean seenOnly;
  private final io.kvflow.common.LongHashSet seen = new io.kvflow.common.LongHashSet(1 << 12);
  /** An SRAM scratch tier listed first: KV is read from it at its own bandwidth. */
  private final boolean scratch;
  private final double scratchBandwidthBps;
  /** Eager execution: the host issues the work, the GPU may wait for it. */
  private final boolean eager;
  private final HostIssue host = new HostIssue();
  /** Host time of the copies issued by the last {@link #prefetch} (eager). */
  private long prefetchHostNs;
  private final ArrayDeque<Group> pending = new ArrayDeque<>();
  private final ArrayDeque<Group> spare = new ArrayDeque<>();
  private Group current;
  private long clockNs;
  private long stepStartNs;
  private long stepStallNs;
  private long stepComputeNs;
  private long stepIndex;
  private int lastStep = Integer.MIN_VALUE;
  private long prefetchedThisStep;
  // totals
  private long computeNs;
  private long stallNs;
  private long steps;
  private long issued;
  private long useful;
  private long late;
  // per request: arrival, prefill end, first decode end, last end, decode steps, finished, id, seq of its last group,
  // start of the first step that ran it
  private final LongIntHashMap requestSlot = new LongIntHashMap(256);
  private long[][] requests = new long[64][];
  private int requestCount;

  public TimingModel(ReplayConfig config, long unitBytes, long keyBytes, boolean iterationGroups,
      List<? extends TimedListener> listeners) {
    this.spec = config.timing();
    this.compute = new ComputeModel(spec.hardware(), config.model(), spec.tensorParallel(), spec.execution());
    this.unitBytes = unitBytes;
    this.keyBytes = keyBytes;
    this.layers = config.model().layers();
    this.iterationGroups = iterationGroups;
    this.listeners = listeners.toArray(new TimedListener[0]);
    this.depth = spec.prefetch() == PrefetchKind.NONE ? 0 : spec.depth();
    this.prefillOnly = spec.prefetch() == PrefetchKind.REQUEST_AHEAD;
    this.crossStep = spec.crossStep();
    this.seenOnly = spec.prefetch() == PrefetchKind.REUSE_PREDICTED;
    this.eager = spec.execution() == io.kvflow.engine.spec.Execution.EAGER && compute.perOperator();
    List<TierConfig> tiers = config.tiers();
    scratch = tiers.get(0).tier().kind() == io.kvflow.engine.spec.TierKind.SRAM;
    scratchBandwidthBps = tiers.get(0).tier().readBandwidthBps();
    routes = new LinkRoutes(spec, tiers, this.listeners);
    current = newGroup();
  }

  /** The bytes, FLOPs and transfers of one layer of one step. */
  private final class Group {
    int step;
    int layer;
    boolean iteration;
    long hbmBytes;
    long stagedBytes;
    long copyDecompressNs;
    long computeDecompressNs;
    double decodeFlops;
    double prefillFlops;
    long decodeTokenLayers;
    long prefillTokenLayers;
    // [class][link], class = (prefill block of a newly admitted request ? 1 : 0) + (unit seen before ? 2 : 0)
    final long[][] linkBytes = new long[CLASSES][routes.count()];
    final long[][] linkUnits = new long[CLASSES][routes.count()];
    final long[][] linkDone = new long[CLASSES][routes.count()];
    final long[][] linkIssued = new long[CLASSES][routes.count()];
    boolean prefetched;
    long[] requestIds = new long[16];
    int requestCount;
    final io.kvflow.common.LongHashSet ids = new io.kvflow.common.LongHashSet(64);
    boolean any;
    /** Position of the group in the replay, counted from 1 when its first access arrives. */
    long seq;

    void reset() {
      hbmBytes = 0;
      stagedBytes = 0;
      copyDecompressNs = 0;
      computeDecompressNs = 0;
      decodeFlops = 0;
      prefillFlops = 0;
      decodeTokenLayers = 0;
      prefillTokenLayers = 0;
      for (int c = 0; c < CLASSES; c++) {
        Arrays.fill(linkBytes[c], 0);
        Arrays.fill(linkUnits[c], 0);
        Arrays.fill(linkDone[c], 0);
        Arrays.fill(linkIssued[c], -1);
      }
      prefetched = false;
      requestCount = 0;
      ids.clear();
      any = false;
    }

    /** Records that request {@code id} has accesses in this group (each request once). */
    void request(long id) {
      if (requestCount > 0 && requestIds[requestCount - 1] == id) {
        return;
      }
      if (!ids.add(id)) {
        return; // e.g. a request admitted in this iteration: its prefill, then its first decode
      }
      if (requestCount == requestIds.length) {
        requestIds = Arrays.copyOf(requestIds, requestCount * 2);
      }
      requestIds[requestCount++] = id;
    }
  }

  private Group newGroup() {
    Group g = spare.isEmpty() ? new Group() : spare.poll();
    g.reset();
    return g;
  }

  @Override
  public long nowNs() {
    return clockNs;
  }

  @Override
  public void idleUntil(long ns) {
    if (ns <= clockNs) {
      return; // the clock is there already (and pending groups only move it further)
    }
    // nothing runs: the groups still pending behind the prefetch look-ahead run first, then the
    // compute stream idles; the idle gap belongs to no step
    closeGroup();
    while (!pending.isEmpty()) {
      timeOldest();
    }
    endStep();
    clockNs = Math.max(clockNs, ns);
    stepStartNs = clockNs;
  }

  // the prefill being timed: its request and the sequence tokens before and after the current block
  private long prefillRequest = Long.MIN_VALUE;
  private long prefillBefore;
  private long prefillNext;

  @Override
  public void access(AccessOutcome o) {
    int step = o.step;
    int layer = o.layer;
    if (!iterationGroups && current.any && (step != current.step || layer != current.layer)) {
      closeGroup();
    }
    Group g = current;
    if (!g.any) {
      g.any = true;
      g.step = step;
      g.layer = layer;
      g.iteration = iterationGroups;
      g.seq = ++groupSeq;
    }
    int op = o.op;
    int weight = o.weight;
    int flags = o.flags;
    int found = o.foundTier;
    boolean seenBefore = seenOnly && found != AccessOutcome.NOT_A_LOOKUP && !seen.add(o.key);
    g.hbmBytes += o.computeReadBytes;
    g.stagedBytes += o.stagedBytes; // bypassed data lands in a device staging buffer that the layer then reads
    if (found == 0) {
      g.computeDecompressNs += o.decompressNs; // compressed KV read in place
    } else if (o.movedFrom > 0) {
      int l = routes.linkOfTier(o.movedFrom);
      int c = ((flags & INPUT_BLOCK) != 0 ? 1 : 0) + (seenBefore ? 2 : 0);
      g.linkBytes[c][l] += o.movedBytes;
      routes.routed(l, o.movedBytes);
      g.linkUnits[c][l]++;
      if (o.movedCodec.place() == io.kvflow.engine.spec.CodecPlace.COMPUTE_STREAM) {
        g.computeDecompressNs += o.decompressNs;
      } else {
        g.copyDecompressNs += o.decompressNs;
      }
    }
    if (op == AccessOp.READ.code()) {
      g.decodeFlops += compute.attentionFlops(o.tokens) * weight;
    } else if (op == AccessOp.WRITE.code() && (flags & (INPUT_BLOCK | RECOMPUTE_BLOCK)) != 0) {
      // prefill: a request's blocks arrive in order (each once per layer under block x layer
      // placement), so the tokens before this block are known; a block cached in any tier is
      // loaded, not computed: only uncached tokens go through the matmuls and attention
      if (o.requestId != prefillRequest) {
        prefillRequest = o.requestId;
        prefillNext = 0;
      }
      if (layer <= 0) {
        prefillBefore = prefillNext;
        prefillNext += o.tokens;
      }
      if (found < 0) {
        g.prefillTokenLayers += (long) o.tokens * weight;
        g.prefillFlops += compute.prefillAttentionFlops(prefillBefore, o.tokens) * weight;
      }
    } else if (op == AccessOp.APPEND.code()) {
      g.decodeTokenLayers += weight;
    }
    g.request(o.requestId);
  }

  /**
   * What {@link #access} does for the first-tier hits of {@code keys[from..to)}: READs of
   * {@code weight} layer-accesses, layer -1, no flags, each reading {@code hitBytes} in place, block
   * {@code i} holding {@code min(blockTokens, contextTokens - i * blockTokens)} tokens. The flops
   * are added one block at a time, in order, so the sums are the same doubles.
   */
  public void readHits(long[] keys, int from, int to, int weight, long hitBytes, int blockTokens, long contextTokens,
      long requestId, int step) {
    if (from == to) {
      return;
    }
    if (!iterationGroups && current.any && (step != current.step || -1 != current.layer)) {
      closeGroup();
    }
    Group g = current;
    if (!g.any) {
      g.any = true;
      g.step = step;
      g.layer = -1;
      g.iteration = iterationGroups;
      g.seq = ++groupSeq;
    }
    if (seenOnly) {
      for (int i = from; i < to; i++) {
        seen.add(keys[i]);
      }
    }
    g.hbmBytes += hitBytes * (to - from);
    double flops = g.decodeFlops;
    for (int i = from; i < to; i++) {
      flops += compute.attentionFlops(io.kvflow.engine.expand.AccessSink.tokensOf(i, blockTokens, contextTokens))
          * weight;
    }
    g.decodeFlops = flops;
    g.request(requestId);
  }

  private long groupSeq;

  @Override
  public void requestStarted(long requestId, long arrivalNs, int inputTokens, int outputTokens) {
    slot(requestId)[0] = arrivalNs;
  }

  @Override
  public void requestFinished(long requestId) {
    // timed when its last group is timed: groups may still be pending (prefetch look-ahead), and
    // its last access is in the group being filled (or, if that is empty, the last one closed)
    long[] r = slot(requestId);
    r[5] = 1;
    r[7] = current.any ? current.seq : groupSeq;
  }

  @Override
  public void stepFinished(long iteration) {
    if (iterationGroups) {
      closeGroup();
    }
  }

  private long[] slot(long requestId) {
    int s = requestSlot.get(requestId);
    if (s < 0) {
      s = requestCount++;
      if (s == requests.length) {
        requests = Arrays.copyOf(requests, s * 2);
      }
      requests[s] = new long[] {-1, -1, -1, -1, 0, 0, requestId, 0, -1};
      requestSlot.put(requestId, s);
    }
    return requests[s];
  }

  private void closeGroup() {
    if (!current.any) {
      return;
    }
    pending.add(current);
    current = newGroup();
    while (pending.size() > depth) {
      timeOldest();
    }
  }

  /** Times every pending group; returns the totals. */
  public TimeResult finish() {
    closeGroup();
    while (!pending.isEmpty()) {
      timeOldest();
    }
    endStep();
    for (int s = 0; s < requestCount; s++) {
      emitRequest(s);
    }
    List<TimeResult.LinkResult> lr = routes.finish();
    long busy = 0;
    for (TimeResult.LinkResult l : lr) {
      busy += l.busyNs();
    }
    // transfer time not exposed as stall: the links' busy time minus the time compute waited
    long hidden = Math.max(0, busy - stallNs);
    return new TimeResult(clockNs, computeNs, stallNs, hidden, steps, issued, useful, late, 0, lr);
  }

  private void emitRequest(int s) {
    long[] r = requests[s];
    if (r == null || r[3] < 0) {
      return;
    }
    long arrival = Math.max(0, r[0]);
    long ttft = (r[1] >= 0 ? r[1] : r[2] >= 0 ? r[2] : r[3]) - arrival;
    long decodeSteps = r[4];
    long tpot = decodeSteps >= 2 && r[2] >= 0 ? (r[3] - r[2]) / (decodeSteps - 1) : -1;
    long e2e = r[3] - arrival;
    long queue = r[8] >= 0 ? Math.max(0, r[8] - arrival) : 0;
    for (TimedListener l : listeners) {
      l.requestTimed(requestKey(s), queue, Math.max(0, ttft), tpot, Math.max(0, e2e));
    }
    requests[s] = null;
    requestSlot.remove(r[6]);
  }

  private long requestKey(int s) {
    return requests[s][6];
  }

  private void timeOldest() {
    Group g = pending.poll();
    int sub = g.iteration ? layers : 1;
    if (!g.iteration && g.step != lastStep) {
      endStep();
      lastStep = g.step;
    } else if (g.iteration) {
      endStep();
    }
    for (int part = 0; part < sub; part++) {
      timeLayer(g, part, sub);
    }
    // requests of this group: arrival (first seen), prefill end, decode ends
    boolean stepEnds = g.iteration || g.layer == layers - 1 || g.layer < 0;
    for (int i = 0; i < g.requestCount; i++) {
      long[] r = slot(g.requestIds[i]);
      if (r[0] < 0) {
        r[0] = stepStartNs;
      }
      if (r[8] < 0) {
        r[8] = stepStartNs;
      }
      if (g.iteration) {
        // the iteration that admits a request runs its prefill and decodes its first token
        if (r[1] < 0) {
          r[1] = clockNs;
        }
        if (r[2] < 0) {
          r[2] = clockNs;
        }
        r[4]++;
      } else if (g.step < 0) {
        r[1] = clockNs;
      } else if (stepEnds) {
        if (r[2] < 0) {
          r[2] = clockNs;
        }
        r[4]++;
      }
      r[3] = clockNs;
      if (r[5] == 1 && g.seq >= r[7]) {
        emitRequest(requestSlot.get(g.requestIds[i]));
      }
    }
    spare.add(g);
  }

  private void timeLayer(Group g, int part, int parts) {
    long kv = share(g.hbmBytes + g.stagedBytes, part, parts);
    double tokenLayers = g.decodeTokenLayers + g.prefillTokenLayers;
    double tokensPerLayer = g.iteration ? tokenLayers / layers : tokenLayers;
    double prefillTokens = g.iteration ? (double) g.prefillTokenLayers / layers : g.prefillTokenLayers;
    // this layer's transfers: prefetched earlier, or demand now
    long ready = clockNs;
    boolean waitsOnCopyStream = false;
    if (eager) {
      if (stepComputeNs == 0 && stepStallNs == 0) {
        host.start(host.hostNs(), clockNs);
        host.hostWaitsForGpu(); // a new step: the host has waited for the last one's output
      }
      eagerPrefetch(g);
    }
    for (int c = 0; c < CLASSES; c++) {
      for (int l = 0; l < routes.count(); l++) {
        long bytes = share(g.linkBytes[c][l], part, parts);
        if (bytes == 0) {
          continue;
        }
        long done;
        if (g.linkIssued[c][l] >= 0) {
          done = g.linkDone[c][l]; // an iteration's later layers share the prefetched transfers
          waitsOnCopyStream = true;
          if (part == 0) {
            long n = routes.transfers(g.linkBytes[c][l], g.linkUnits[c][l]);
            if (done <= clockNs) {
              useful += n;
            } else {
              late += n;
            }
          }
        } else if (eager) {
          // a demand copy on the compute stream, issued by the host
          long units = Math.max(1, g.linkUnits[c][l] / parts);
          host.host((double) routes.transfers(bytes, units) * compute.hostCopyNs());
          done = routes.issue(l, Math.max(clockNs, host.hostNs()), bytes, units, g.requestCount > 1);
        } else {
          done = routes.issue(l, clockNs, bytes, Math.max(1, g.linkUnits[c][l] / parts), g.requestCount > 1);
        }
        ready = Math.max(ready, done);
      }
    }
    if (g.copyDecompressNs > 0 && !g.prefetched) {
      ready += share(g.copyDecompressNs, part, parts); // decompression on the copy path, after demand data arrived
    }
    if (waitsOnCopyStream) {
      ready += compute.crossStreamWaitNs(); // the compute stream waits on the copy stream's event
    }
    long start = ready;
    long stall = start - clockNs;
    boolean lastOfStep = g.iteration ? part == parts - 1 : g.layer == layers - 1 || g.layer < 0;
    long layerNs;
    if (eager) {
      if (waitsOnCopyStream) {
        host.host(compute.hostStreamWaitNs());
      }
      host.gpuAt(start);
      compute.issueLayer(host, tokensPerLayer, scratch ? 0 : kv, scratch ? kv : 0, scratchBandwidthBps,
          g.decodeFlops / parts, g.prefillFlops / parts, prefillTokens);
      if (lastOfStep) {
        compute.issueStepTail(host, g.requestCount, tokensPerLayer);
      }
      if (waitsOnCopyStream) {
        host.host(compute.hostEventRecordNs()); // the layer's region is free for the next copy
      }
      layerNs = host.gpuNs() - start + share(g.computeDecompressNs, part, parts);
    } else {
      layerNs = compute.layerNs(tokensPerLayer, scratch ? 0 : kv, scratch ? kv : 0, scratchBandwidthBps,
          g.decodeFlops / parts, g.prefillFlops / parts, prefillTokens) + share(g.computeDecompressNs, part, parts);
      if (lastOfStep) {
        layerNs += compute.stepTailNs(g.requestCount, tokensPerLayer); // lm_head, embedding, final norm, sampling
      }
    }
    // prefetch the next layers while this one computes (eager: issued by the host, above)
    if (depth > 0 && !eager) {
      int n = 0;
      for (Group next : pending) {
        if (n++ >= depth || (!crossStep && !g.iteration && next.step != g.step)) {
          break;
        }
        prefetch(next, start);
      }
    }
    clockNs = start + layerNs;
    stallNs += stall;
    computeNs += layerNs;
    stepStallNs += stall;
    stepComputeNs += layerNs;
  }

  /** Part {@code part} of {@code parts} of {@code total}: the parts add up to the total exactly. */
  static long share(long total, int part, int parts) {
    return total * (part + 1) / parts - total * part / parts;
  }

  /**
   * Eager: at the start of a layer the host issues the next layers' prefetches, each on the copy
   * stream after a wait for the region's last reader and followed by an event record.
   */
  private void eagerPrefetch(Group g) {
    if (depth == 0) {
      return;
    }
    int n = 0;
    for (Group next : pending) {
      if (n++ >= depth || (!crossStep && !g.iteration && next.step != g.step)) {
        break;
      }
      if (next.prefetched) {
        continue;
      }
      host.host(compute.hostStreamWaitNs());
      prefetchHostNs = 0;
      prefetch(next, host.hostNs());
      host.host(prefetchHostNs + compute.hostEventRecordNs());
    }
  }

  private void prefetch(Group g, long at) {
    if (g.prefetched) {
      return;
    }
    g.prefetched = true;
    for (int c = 0; c < CLASSES; c++) {
      if ((prefillOnly && (c & 1) == 0) || (seenOnly && (c & 2) == 0)) {
        continue;
      }
      for (int l = 0; l < routes.count(); l++) {
        long bytes = g.linkBytes[c][l];
        if (bytes == 0) {
          continue;
        }
        if (spec.budgetBytesPerStep() > 0 && prefetchedThisStep + bytes > spec.budgetBytesPerStep()) {
          continue; // over the step's prefetch budget: left to demand
        }
        prefetchedThisStep += bytes;
        long units = g.linkUnits[c][l];
        if (eager) {
          // the host issues the copies one after another
          long copyNs = routes.transfers(bytes, units) * compute.hostCopyNs();
          prefetchHostNs += copyNs;
          at += copyNs;
        }
        g.linkIssued[c][l] = at;
        // a prefetched layer's data is decompressed on the copy path as soon as it arrives
        g.linkDone[c][l] = routes.issue(l, at, bytes, units, g.requestCount > 1) + g.copyDecompressNs;
        issued += routes.transfers(bytes, units);
      }
    }
  }

  private void endStep() {
    if (stepComputeNs == 0 && stepStallNs == 0) {
      stepStartNs = clockNs;
      return;
    }
    long stepNs = clockNs - stepStartNs;
    for (TimedListener l : listeners) {
      l.stepTimed(stepIndex, stepStartNs, stepNs, stepStallNs, stepComputeNs);
    }
    stepIndex++;
    steps++;
    stepStartNs = clockNs;
    stepStallNs = 0;
    stepComputeNs = 0;
    prefetchedThisStep = 0;
  }
}
