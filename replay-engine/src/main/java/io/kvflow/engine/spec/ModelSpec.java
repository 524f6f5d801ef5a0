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

  /** The most parameters a model may have (10^15: a thousand times the largest published models). */
  public static final long MAX_PARAMETERS = 1_000_000_000_000_000L;

  /**
   * The most bytes of KV one block may hold in all layers (2^40, 1 TiB; the largest published
   * models hold a few GiB in a block of 32,767 tokens), so that capacities, counts and times derived
   * from it stay far inside 64 bits.
   */
  public static final long MAX_BLOCK_BYTES = 1L << 40;

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
    if (parameters > MAX_PARAMETERS) {
      throw ConfigException.at("$.model.parameters", parameters + " must be <= " + MAX_PARAMETERS);
    }
    String tooLarge = blockTooLarge(layers, kvHeads, headDim, kvDtypeBytes, blockTokens);
    if (tooLarge != null) {
      throw ConfigException.at("$.model", tooLarge + "; lower kv_heads, head_dim, layers or block_tokens");
    }
    if (shape != null) {
      if (attentionHeads < 1) {
        throw ConfigException.at("$.model.attention_heads", "is required with the architecture shapes");
      }
      if (attentionHeads % kvHeads != 0) {
        throw ConfigException.at("$.model.attention_heads", attentionHeads + " is not a multiple of kv_heads " + kvHeads);
      }
      long derived;
      try {
        derived = derivedParameters(layers, kvHeads, headDim, attentionHeads, shape);
      } catch (ArithmeticException e) {
        derived = Long.MAX_VALUE;
      }
      if (derived > MAX_PARAMETERS) {
        throw ConfigException.at("$.model", "the shapes give " + (derived == Long.MAX_VALUE ? "more than 2^63" : derived)
            + " parameters; at most " + MAX_PARAMETERS + "; lower hidden, intermediate, vocab or layers");
      }
      if (parameters != 0 && parameters != derived) {
        throw ConfigException.at("$.model.parameters", parameters + " differs from the " + derived
            + " the shapes give; remove it (it is derived)");
      }
      parameters = derived;
    }
  }

  /**
   * Why one block of {@code blockTokens} tokens is too large (its bytes in all layers above {@link
   * #MAX_BLOCK_BYTES}), or null; exact whatever the sizes (no product wraps).
   */
  static String blockTooLarge(int layers, int kvHeads, int headDim, int kvDtypeBytes, long blockTokens) {
    long bytes;
    try {
      bytes = Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L * kvHeads, (long) headDim * kvDtypeBytes),
          blockTokens), (long) layers);
    } catch (ArithmeticException e) {
      bytes = Long.MAX_VALUE;
    }
    if (bytes <= MAX_BLOCK_BYTES) {
      return null;
    }
    return "a block of " + blockTokens + " tokens holds " + (bytes == Long.MAX_VALUE ? "more than 2^63" : bytes)
        + " bytes of KV in its " + layers + " layers (2 x kv_heads " + kvHeads + " x head_dim " + headDim
        + " x kv_dtype_bytes " + kvDtypeBytes + " x tokens x layers); at most " + MAX_BLOCK_BYTES + " (1 TiB)";
  }

  /** Why a block of {@code blockTokens} tokens (a trace's block size) is too large for this model, or null. */
  public String blockTooLarge(long blockTokens) {
    return blockTooLarge(layers, kvHeads, headDim, kvDtypeBytes, blockTokens);
  }

  private static long derivedParameters(int layers, int kvHeads, int headDim, int heads, ModelShape s) {
    long perLayer = Math.addExact(layerWeightCount(kvHeads, headDim, heads, s), 2L * s.hidden());
    long embeddings = Math.multiplyExact((long) s.vocab() * s.hidden(), s.tiedEmbeddings() ? 1L : 2L);
    return Math.addExact(Math.addExact(Math.multiplyExact(perLayer, (long) layers), embeddings), s.hidden());
  }

  private static long layerWeightCount(int kvHeads, int headDim, int heads, ModelShape s) {
    long h = s.hidden();
    long qkv = Math.multiplyExact(Math.multiplyExact(h, (long) heads + 2L * kvHeads), (long) headDim);
    long o = Math.multiplyExact((long) heads * headDim, h);
    long mlp = Math.multiplyExact(3L * h, (long) s.intermediate());
    return Math.addExact(Math.addExact(qkv, o), mlp);
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

  /** Bytes of K and V of one token in one layer: 2 * kv_heads * head_dim * dtype (at most 1.6e11 by the ranges). */
  public long kvBytesPerTokenPerLayer() {
    return Math.multiplyExact(2L * kvHeads, (long) headDim * kvDtypeBytes);
  }

  /**
   * Bytes of one block of {@code tokens} tokens in one layer; exact or an {@link ArithmeticException}
   * (a trace's block size is checked against {@link #blockTooLarge(long)} before a replay).
   */
  public long blockBytesPerLayer(int tokens) {
    return Math.multiplyExact(kvBytesPerTokenPerLayer(), (long) tokens);
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
    long parameters = n.longValue("parameters", 0, MAX_PARAMETERS, 0L);
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
