package io.kvflow.engine.spec;

/**
 * The shape of a model as far as its KV cache and compute are concerned.
 *
 * @param name preset name or free text
 * @param layers transformer layers
 * @param kvHeads key/value heads (grouped-query attention: fewer than attention heads)
 * @param headDim dimension of one head
 * @param kvDtypeBytes bytes of one stored K or V element (2 for fp16/bf16)
 * @param blockTokens tokens per KV block when generating traces (a trace's own block size wins on replay)
 * @param parameters parameter count (weights), for the compute roofline
 * @param attentionHeads query heads, for attention FLOPs
 */
public record ModelSpec(String name, int layers, int kvHeads, int headDim, int kvDtypeBytes, int blockTokens,
    long parameters, int attentionHeads) {

  public ModelSpec {
    int[] sizes = {layers, kvHeads, headDim, kvDtypeBytes, blockTokens};
    String[] names = {"layers", "kv_heads", "head_dim", "kv_dtype_bytes", "block_tokens"};
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] < 1) {
        throw ConfigException.at("$.model." + names[i], sizes[i] + " must be >= 1");
      }
    }
    if (parameters < 0 || attentionHeads < 0) {
      throw ConfigException.at("$.model." + (parameters < 0 ? "parameters" : "attention_heads"), "must be >= 0");
    }
  }

  /** Bytes of K and V of one token in one layer: 2 * kv_heads * head_dim * dtype. */
  public long kvBytesPerTokenPerLayer() {
    return 2L * kvHeads * headDim * kvDtypeBytes;
  }

  /** Bytes of one block of {@code tokens} tokens in one layer. */
  public long blockBytesPerLayer(int tokens) {
    return kvBytesPerTokenPerLayer() * tokens;
  }

  /** Weight bytes of one layer (parameters spread evenly over layers, at the KV dtype). */
  public long weightBytesPerLayer() {
    return parameters * kvDtypeBytes / layers;
  }

  static ModelSpec bind(ConfigNode n) {
    ModelSpec m = new ModelSpec(
        n.string("name", "custom"),
        n.intValue("layers", 1, 10_000, null),
        n.intValue("kv_heads", 1, 100_000, null),
        n.intValue("head_dim", 1, 100_000, null),
        n.intValue("kv_dtype_bytes", 1, 8, 2),
        n.intValue("block_tokens", 1, 32767, 16),
        n.longValue("parameters", 0, Long.MAX_VALUE, 0L),
        n.intValue("attention_heads", 0, 100_000, 0));
    n.finish();
    return m;
  }
}
