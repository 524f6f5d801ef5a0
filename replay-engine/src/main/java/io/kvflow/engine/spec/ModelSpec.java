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
 * @param parameters parameter count (weights): derived from {@code shape} when it is given; without a
 *     shape (the original study's toy models) the weights are spread evenly over the layers
 * @param attentionHeads query heads, for attention FLOPs
 * @param shape architecture shapes (hidden, intermediate, vocab, ...), or null
 */
public record ModelSpec(String name, int layers, int kvHeads, int headDim, int kvDtypeBytes, int blockTokens,
    long parameters, int attentionHeads, ModelShape shape) {

  public ModelSpec(String name, int layers, int kvHeads, int headDim, int kvDtypeBytes, int blockTokens, long parameters,
      int attentionHeads) {
    this(name, layers, kvHeads, headDim, kvDtypeBytes, blockTokens, parameters, attentionHeads, null);
  }

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
    if (shape != null) {
      if (attentionHeads < 1) {
        throw ConfigException.at("$.model.attention_heads", "is required with the architecture shapes");
      }
      if (attentionHeads % kvHeads != 0) {
        throw ConfigException.at("$.model.attention_heads", attentionHeads + " is not a multiple of kv_heads " + kvHeads);
      }
      long derived = derivedParameters(layers, kvHeads, headDim, attentionHeads, shape);
      if (parameters != 0 && parameters != derived) {
        throw ConfigException.at("$.model.parameters", parameters + " differs from the " + derived
            + " the shapes give; remove it (it is derived)");
      }
      parameters = derived;
    }
  }

  private static long derivedParameters(int layers, int kvHeads, int headDim, int heads, ModelShape s) {
    long perLayer = layerWeightCount(kvHeads, headDim, heads, s) + 2L * s.hidden();
    long embeddings = (long) s.vocab() * s.hidden() * (s.tiedEmbeddings() ? 1 : 2);
    return perLayer * layers + embeddings + s.hidden();
  }

  private static long layerWeightCount(int kvHeads, int headDim, int heads, ModelShape s) {
    long h = s.hidden();
    long qkv = h * (long) (heads + 2 * kvHeads) * headDim;
    long o = (long) heads * headDim * h;
    long mlp = 3L * h * s.intermediate();
    return qkv + o + mlp;
  }

  /** Weights of one layer's matrices (QKV, O, MLP) from the shapes; without shapes parameters / layers. */
  public long weightCountPerLayer() {
    return shape == null ? parameters / layers : layerWeightCount(kvHeads, headDim, attentionHeads, shape);
  }

  /** Columns of the fused QKV projection: (attention heads + 2 kv heads) x head_dim. */
  public long qkvColumns() {
    return (long) (attentionHeads + 2L * kvHeads) * headDim;
  }

  /** Bytes of the lm_head matrix, read once per step (0 without shapes). */
  public long lmHeadBytes() {
    return shape == null ? 0 : (long) shape.vocab() * shape.hidden() * shape.weightDtypeBytes();
  }

  /** Bytes of all weights. */
  public long weightBytes() {
    return shape == null ? parameters * kvDtypeBytes : parameters * shape.weightDtypeBytes();
  }

  /** Bytes of K and V of one token in one layer: 2 * kv_heads * head_dim * dtype. */
  public long kvBytesPerTokenPerLayer() {
    return 2L * kvHeads * headDim * kvDtypeBytes;
  }

  /** Bytes of one block of {@code tokens} tokens in one layer. */
  public long blockBytesPerLayer(int tokens) {
    return kvBytesPerTokenPerLayer() * tokens;
  }

  /**
   * Weight bytes of one layer: its QKV, O and MLP matrices from the shapes; without shapes the
   * parameters spread evenly over layers, at the KV dtype (the original study's toy models).
   */
  public long weightBytesPerLayer() {
    if (shape == null) {
      return parameters * kvDtypeBytes / layers;
    }
    return layerWeightCount(kvHeads, headDim, attentionHeads, shape) * shape.weightDtypeBytes();
  }

  static ModelSpec bind(ConfigNode n) {
    String name = n.string("name", "custom");
    int layers = n.intValue("layers", 1, 10_000, null);
    int kvHeads = n.intValue("kv_heads", 1, 100_000, null);
    int headDim = n.intValue("head_dim", 1, 100_000, null);
    int kvDtype = n.intValue("kv_dtype_bytes", 1, 8, 2);
    int blockTokens = n.intValue("block_tokens", 1, 32767, 16);
    long parameters = n.longValue("parameters", 0, Long.MAX_VALUE, 0L);
    int heads = n.intValue("attention_heads", 0, 100_000, 0);
    ModelShape shape = null;
    if (n.has("hidden")) {
      shape = new ModelShape(n.intValue("hidden", 1, 1_000_000, null), n.intValue("intermediate", 1, 10_000_000, null),
          n.intValue("vocab", 1, 100_000_000, null), n.bool("tied_embeddings", false),
          n.intValue("weight_dtype_bytes", 1, 8, 2));
    } else {
      for (String f : new String[] {"intermediate", "vocab", "tied_embeddings", "weight_dtype_bytes"}) {
        n.rejectIfGiven(f, "is an architecture shape; give \"hidden\" too (and intermediate, vocab)");
      }
    }
    n.finish();
    return new ModelSpec(name, layers, kvHeads, headDim, kvDtype, blockTokens, parameters, heads, shape);
  }
}
