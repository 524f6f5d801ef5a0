package io.kvflow.engine.time;

import io.kvflow.engine.spec.LinkSpec;

/**
 * A copy path with {@code dma_engines} engines sharing one wire. A transfer takes the earliest free
 * engine, spends the per-transfer overhead on it (setup overlaps with other transfers' data), then
 * moves its bytes over the wire at the link's bandwidth, one transfer's data at a time in issue
 * order. So the link never exceeds its bandwidth, small transfers are overhead-bound (as measured
 * on real GPUs), and n transfers issued together finish, last, at {@code overhead + total bytes /
 * bandwidth} when n <= engines, as under fair sharing.
 */
public final class Link {
  private final LinkSpec spec;
  private final long[] engineFree;
  private long wireFree;
  private long bytes;
  private long transfers;
  private long busyNs;

  public Link(LinkSpec spec) {
    this.spec = spec;
    this.engineFree = new long[spec.dmaEngines()];
  }

  /** Schedules a transfer issued at {@code issueNs}; returns its completion time. */
  public long transfer(long issueNs, long size) {
    return transfer(issueNs, size, 0);
  }

  /**
   * Schedules a transfer followed by {@code scatterNs} of scatter on its stream (a strided
   * destination: {@link LinkSpec#scatterNs}); the link's next transfer waits for the scatter, as the
   * stream's next copy does. Returns the completion time, scatter included.
   */
  public long transfer(long issueNs, long size, long scatterNs) {
    int e = 0;
    for (int i = 1; i < engineFree.length; i++) {
      if (engineFree[i] < engineFree[e]) {
        e = i;
      }
    }
    long start = Math.max(issueNs, engineFree[e]);
    long dataStart = Math.max(start + spec.overheadNs(), wireFree);
    long dataNs = (long) Math.ceil(size * 1e9 / spec.bandwidthBps());
    long end = dataStart + dataNs + scatterNs;
    wireFree = end;
    engineFree[e] = end;
    bytes += size;
    transfers++;
    busyNs += dataNs;
    return end;
  }

  public LinkSpec spec() {
    return spec;
  }

  public long bytes() {
    return bytes;
  }

  public long transfers() {
    return transfers;
  }

  /** Time the wire spent moving data. */
  public long busyNs() {
    return busyNs;
  }
}
