package io.kvflow.trace.imports;

/**
 * Settings shared by importers.
 *
 * @param blockTokens tokens per block, or 0 for the format's default
 * @param medium for vLLM events: the storage medium whose events are kept ({@code GPU} by default)
 * @param prefixModel for length-only formats: how to make synthetic block hashes (none by default)
 * @param rechunkTokens for coarse-hash formats (mooncake): re-chunk each {@code blockTokens} block
 *     into blocks of this many tokens with derived hashes ({@link Rechunk}); 0 keeps the source's blocks
 */
public record ImportOptions(int blockTokens, String medium, PrefixModel prefixModel, int rechunkTokens) {
  public static final ImportOptions DEFAULT = new ImportOptions(0, "GPU", PrefixModel.NONE, 0);

  public ImportOptions {
    prefixModel = prefixModel == null ? PrefixModel.NONE : prefixModel;
  }

  public ImportOptions(int blockTokens, String medium, PrefixModel prefixModel) {
    this(blockTokens, medium, prefixModel, 0);
  }

  public ImportOptions(int blockTokens, String medium) {
    this(blockTokens, medium, PrefixModel.NONE, 0);
  }

  public int blockTokensOr(int formatDefault) {
    return blockTokens > 0 ? blockTokens : formatDefault;
  }
}
