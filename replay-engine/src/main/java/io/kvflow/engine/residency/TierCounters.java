package io.kvflow.engine.residency;

/** Mutable counters of one tier during a replay; see docs/model.md for their exact meaning. */
public final class TierCounters {
  public long accesses;
  public long hits;
  public long misses;
  public long bytesRead;
  public long bytesWritten;
  public long unitsWritten;
  public long bytesAppended;

  /** Adds another run's counters (results of partitions and sweep points add up). */
  public void add(TierCounters o) {
    accesses += o.accesses;
    hits += o.hits;
    misses += o.misses;
    bytesRead += o.bytesRead;
    bytesWritten += o.bytesWritten;
    unitsWritten += o.unitsWritten;
    bytesAppended += o.bytesAppended;
  }
}
