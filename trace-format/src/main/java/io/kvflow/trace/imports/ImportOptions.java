package io.kvflow.trace.imports;

/**
 * Settings shared by importers.
 *
 * @param blockTokens tokens per block, or 0 for the format's default
 * @param medium for vLLM events: the storage medium whose events are kept ({@code GPU} by default)
 */
public record ImportOptions(int blockTokens, String medium) {
  public static final ImportOptions DEFAULT = new ImportOptions(0, "GPU");

  public int blockTokensOr(int formatDefault) {
    return blockTokens > 0 ? blockTokens : formatDefault;
  }
}
