package io.kvflow.engine.spec;

/**
 * The architecture shapes of a decoder-only transformer (Llama-style: grouped-query attention,
 * gated MLP), from which per-layer weight bytes and FLOPs follow; no parameter count is assumed.
 *
 * @param hidden hidden size
 * @param intermediate MLP intermediate size (gate and up project to it, down back)
 * @param vocab vocabulary size (embedding rows, lm_head columns)
 * @param tiedEmbeddings whether lm_head reuses the embedding matrix
 * @param weightDtypeBytes bytes of one weight (2 for bf16, 1 for fp8)
 */
public record ModelShape(int hidden, int intermediate, int vocab, boolean tiedEmbeddings, int weightDtypeBytes) {
  public ModelShape {
    int[] sizes = {hidden, intermediate, vocab, weightDtypeBytes};
    String[] names = {"hidden", "intermediate", "vocab", "weight_dtype_bytes"};
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] < 1) {
        throw ConfigException.at("$.model." + names[i], sizes[i] + " must be >= 1");
      }
    }
  }
}
