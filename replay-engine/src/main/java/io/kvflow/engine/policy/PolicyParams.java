package io.kvflow.engine.policy;

/**
 * Parameters some policies take.
 *
 * @param hotWindowAccesses hot/warm/cold: a key used within this many accesses is hot (0 = the capacity)
 * @param warmThreshold hot/warm/cold: uses since admission that make a key warm
 * @param nextUse OPT: the next-use oracle of the access sequence (null elsewhere)
 */
public record PolicyParams(long hotWindowAccesses, int warmThreshold, NextUse nextUse) {
  public static final PolicyParams DEFAULT = new PolicyParams(0, 2, null);

  long hotWindowOr(int capacity) {
    return hotWindowAccesses > 0 ? hotWindowAccesses : capacity;
  }

  public PolicyParams withNextUse(NextUse oracle) {
    return new PolicyParams(hotWindowAccesses, warmThreshold, oracle);
  }
}
