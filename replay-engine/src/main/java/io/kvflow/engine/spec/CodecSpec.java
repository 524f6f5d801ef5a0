package io.kvflow.engine.spec;

import java.util.Locale;

/**
 * How a tier stores KV. The compression ratio against the model's dtype is
 * {@code dtype_bits / (bits + group_overhead_bits / group_size)}: fp8 and int8 halve fp16; int4
 * with 32-element groups and 16 bits of scale/zero per group stores 4.5 bits an element (ratio
 * 3.56 against fp16); a 2-bit KIVI codec with fp16 scale and zero (32 bits) per 32 elements, 3 bits.
 *
 * @param kind codec
 * @param groupSize elements sharing one scale/zero
 * @param groupOverheadBits bits of scale and zero per group
 * @param decompressBytesPerSecond decompression throughput on the GPU (bytes of output per second)
 * @param decompressNsPerBlock fixed cost per placement unit decompressed
 * @param compressBytesPerSecond compression throughput (blocks written into the tier)
 * @param place where decompression runs
 */
public record CodecSpec(CodecKind kind, int groupSize, int groupOverheadBits, double decompressBytesPerSecond,
    long decompressNsPerBlock, double compressBytesPerSecond, CodecPlace place) {

  public static final CodecSpec NONE = new CodecSpec(CodecKind.NONE, 1, 0, Double.POSITIVE_INFINITY, 0,
      Double.POSITIVE_INFINITY, CodecPlace.COPY_PATH);

  /** Compression ratio against elements of {@code dtypeBytes}. */
  public double ratio(int dtypeBytes) {
    if (kind == CodecKind.NONE) {
      return 1;
    }
    return dtypeBytes * 8.0 / (kind.bits() + (double) groupOverheadBits / groupSize);
  }

  /** Stored size of {@code bytes} of uncompressed KV. */
  public long stored(long bytes, int dtypeBytes) {
    return kind == CodecKind.NONE ? bytes : (long) Math.ceil(bytes / ratio(dtypeBytes));
  }

  /** Time to decompress {@code units} placement units holding {@code bytes} uncompressed bytes. */
  public long decompressNs(long bytes, long units) {
    if (kind == CodecKind.NONE) {
      return 0;
    }
    return (long) Math.ceil(bytes * 1e9 / decompressBytesPerSecond) + units * decompressNsPerBlock;
  }

  public long compressNs(long bytes) {
    return kind == CodecKind.NONE ? 0 : (long) Math.ceil(bytes * 1e9 / compressBytesPerSecond);
  }

  public String jsonName() {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  private static final String[] FIELDS = {"group_size", "group_overhead_bits", "decompress_gbps", "decompress_ns_per_block",
      "compress_gbps", "place"};

  /**
   * Binds {@code tier.codec}. {@code place} is refused on the compute tier (it reads compressed KV in
   * place, on the compute stream) and without the timing model; {@code group_size} is refused when no
   * bits of scale or zero are stored per group (then the group size changes nothing).
   */
  static CodecSpec bind(ConfigNode tier, boolean computeTier, boolean timed) {
    var raw = tier.raw("codec");
    if (raw == null) {
      return NONE;
    }
    if (raw.isTextual()) {
      CodecKind k = tier.choice("codec", CodecKind.values(), c -> c.name().toLowerCase(Locale.ROOT), null);
      return defaults(k);
    }
    ConfigNode n = tier.object("codec");
    CodecKind k = n.choice("kind", CodecKind.values(), c -> c.name().toLowerCase(Locale.ROOT), null);
    if (k == CodecKind.NONE) {
      for (String f : FIELDS) {
        n.rejectIfGiven(f, "codec none stores KV uncompressed; remove it");
      }
    }
    if (computeTier) {
      n.rejectIfGiven("place", "the compute tier reads its compressed KV in place and decompresses it on the compute "
          + "stream; place applies to lower tiers only; remove it");
    } else if (!timed) {
      n.rejectIfGiven("place", "applies to the timing model only; add \"hardware\" (a preset name or object) or remove it");
    }
    CodecSpec d = defaults(k);
    int overhead = n.intValue("group_overhead_bits", 0, 1 << 20, d.groupOverheadBits());
    if (overhead == 0) {
      n.rejectIfGiven("group_size", "with group_overhead_bits 0 no scale or zero is stored per group, so the group size "
          + "changes nothing; give group_overhead_bits or remove it");
    }
    CodecSpec c = new CodecSpec(k,
        n.intValue("group_size", 1, 1 << 20, d.groupSize()),
        overhead,
        n.doubleValue("decompress_gbps", ConfigRules.MIN_BYTES_PER_SECOND / 1e9, ConfigRules.MAX_BYTES_PER_SECOND / 1e9,
            d.decompressBytesPerSecond() / 1e9) * 1e9,
        n.longValue("decompress_ns_per_block", 0, ConfigRules.MAX_COST_NS, d.decompressNsPerBlock()),
        n.doubleValue("compress_gbps", ConfigRules.MIN_BYTES_PER_SECOND / 1e9, ConfigRules.MAX_BYTES_PER_SECOND / 1e9,
            d.compressBytesPerSecond() / 1e9) * 1e9,
        n.choice("place", CodecPlace.values(), CodecSpec::placeName, d.place()));
    n.finish();
    return c;
  }

  static String placeName(CodecPlace p) {
    return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The codec's own rules, naming {@code at} ({@code $.tiers[i].codec}): none carries no settings,
   * sizes and rates are in range, and the codec stores no more than fp16/bf16 does.
   */
  void check(String at) {
    if (kind == null || place == null) {
      throw ConfigException.at(at, "kind and place are required");
    }
    if (kind == CodecKind.NONE) {
      if (!equals(NONE)) {
        throw ConfigException.at(at, "codec none stores KV uncompressed; its other settings do not apply; remove them");
      }
      return;
    }
    if (groupSize < 1) {
      throw ConfigException.at(at + ".group_size", groupSize + " must be >= 1");
    }
    if (groupOverheadBits < 0) {
      throw ConfigException.at(at + ".group_overhead_bits", groupOverheadBits + " must be >= 0");
    }
    if (!(decompressBytesPerSecond > 0) || !(compressBytesPerSecond > 0)) {
      throw ConfigException.at(at + (decompressBytesPerSecond > 0 ? ".compress_gbps" : ".decompress_gbps"), "must be > 0");
    }
    if (decompressNsPerBlock < 0) {
      throw ConfigException.at(at + ".decompress_ns_per_block", decompressNsPerBlock + " must be >= 0");
    }
    // a codec must not store more than the model's fp16/bf16 elements (ratio < 1)
    if (kind.bits() + (double) groupOverheadBits / groupSize > 16) {
      throw ConfigException.at(at + ".group_overhead_bits", groupOverheadBits + " bits per " + groupSize
          + " elements make the codec larger than fp16 (compression ratio < 1)");
    }
  }

  /**
   * Defaults: decompression at 500 GB/s of output and compression at 250 GB/s on the GPU (an
   * assumption of the order of dequantisation kernels' memory-bound speed, not a measurement).
   */
  public static CodecSpec defaults(CodecKind k) {
    return switch (k) {
      case NONE -> NONE;
      case FP8 -> new CodecSpec(k, 1, 0, 5e11, 0, 2.5e11, CodecPlace.COPY_PATH);
      case INT8 -> new CodecSpec(k, 32, 0, 5e11, 0, 2.5e11, CodecPlace.COPY_PATH);
      case INT4 -> new CodecSpec(k, 32, 16, 5e11, 0, 2.5e11, CodecPlace.COPY_PATH);
      case KIVI2 -> new CodecSpec(k, 32, 32, 5e11, 0, 2.5e11, CodecPlace.COPY_PATH);
    };
  }
}
