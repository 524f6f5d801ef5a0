package io.kvflow.engine.residency;

import java.util.List;

/**
 * What the tiers' codecs saved and cost.
 *
 * @param bytesStoredSaved bytes the codecs save on what the tiers hold at the end
 * @param bytesMovedSaved bytes not moved because data left compressed tiers compressed
 * @param decompressNs decompression time charged (on the copy path or the compute stream, as configured)
 * @param compressNs compression time of units written into compressed tiers (off the critical path)
 * @param tiers per tier: codec, ratio and bytes stored at the end
 */
public record CompressionResult(long bytesStoredSaved, long bytesMovedSaved, long decompressNs, long compressNs,
    List<TierCodec> tiers) {

  /**
   * @param name tier name
   * @param codec codec name
   * @param ratio compression ratio against the model's dtype
   * @param storedBytes bytes held at the end, at stored size
   */
  public record TierCodec(String name, String codec, double ratio, long storedBytes) {}
}
