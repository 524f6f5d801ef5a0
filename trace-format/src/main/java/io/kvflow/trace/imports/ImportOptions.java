package io.kvflow.trace.imports;

/**
 * Settings shared by importers.
 *
 * @param blockTokens tokens per block, or 0 for the format's default
 * @param medium for vLLM events: the storage medium whose events are kept ({@code GPU} by default)
 * @param prefixModel for length-only formats: how to make synthetic block hashes (none by default)
 */
public record ImportOptions(int blockTokens, String medium, PrefixModel prefixModel) {
  public static final ImportOptions DEFAULT = new ImportOptions(0, "GPU", PrefixModel.NONE);

  public ImportOptions {
    prefixModel = prefixModel == null ? PrefixModel.NONE : prefixModel;
  }

  public ImportOptions(int blockTokens, String medium) {
    this(blockTokens, medium, PrefixModel.NONE);
  }

  public int blockTokensOr(int formatDefault) {
    return blockTokens > 0 ? blockTokens : formatDefault;
  }
}
