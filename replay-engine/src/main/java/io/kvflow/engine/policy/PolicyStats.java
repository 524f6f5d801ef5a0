package io.kvflow.engine.policy;

/**
 * Counters of one policy instance.
 *
 * @param hits accesses that found their key resident
 * @param misses accesses that did not
 * @param insertions keys admitted (by a miss or an insert)
 * @param evictions keys evicted to make room
 * @param evictedUnused evicted keys that had no hit since they were admitted
 * @param rejections keys the policy declined to admit
 */
public record PolicyStats(long hits, long misses, long insertions, long evictions, long evictedUnused, long rejections) {
  public long accesses() {
    return hits + misses;
  }

  public double hitRatio() {
    long a = accesses();
    return a == 0 ? 0 : (double) hits / a;
  }
}
