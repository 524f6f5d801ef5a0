package io.kvflow.engine.residency;

/**
 * A tier's totals at the end of a replay.
 *
 * @param name tier name
 * @param kind tier kind, lower case
 * @param capacityBytes capacity in bytes (capacity in units times bytes per unit)
 * @param capacityUnits capacity in placement units (blocks, or block x layer)
 * @param unitStoredBytes stored bytes of one placement unit in this tier (after its codec)
 * @param accesses layer-accesses that looked in this tier (all reach the first tier; lower tiers see the misses above)
 * @param hits accesses that found the block here
 * @param misses accesses that did not
 * @param bytesRead bytes read out of this tier (by compute, or transferred up)
 * @param bytesWritten bytes written into this tier: units written x unit stored bytes + appended bytes
 * @param unitsWritten whole units written in (new, promoted, written through, demoted)
 * @param bytesAppended bytes of appended tokens written in
 * @param insertions placement units admitted
 * @param evictions placement units evicted to make room
 * @param evictedUnused evicted units that had no hit while resident here
 */
public record TierResult(String name, String kind, long capacityBytes, long capacityUnits, long unitStoredBytes,
    long accesses, long hits, long misses, long bytesRead, long bytesWritten, long unitsWritten, long bytesAppended,
    long insertions, long evictions, long evictedUnused) {

  public double hitRatio() {
    return accesses == 0 ? 0 : (double) hits / accesses;
  }
}
