package io.kvflow.trace;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * File-level key/value metadata of a schema v1 trace.
 *
 * @param kind requests or accesses
 * @param blockTokens tokens per KV block ({@code kvflow.block_tokens})
 * @param source free text naming where the trace came from
 * @param generator the generator's name for generated traces, else null
 * @param seed the generator's seed, meaningful only when {@code generator} is set
 * @param extra any further {@code kvflow.*} keys (e.g. {@code kvflow.prefix_info}), sorted by key
 */
public record TraceMetadata(
    TraceKind kind, int blockTokens, String source, String generator, long seed, Map<String, String> extra) {

  public static final int SCHEMA_VERSION = 1;
  public static final String KEY_SCHEMA = "kvflow.schema";
  public static final String KEY_KIND = "kvflow.kind";
  public static final String KEY_BLOCK_TOKENS = "kvflow.block_tokens";
  public static final String KEY_SOURCE = "kvflow.source";
  public static final String KEY_GENERATOR = "kvflow.generator";
  public static final String KEY_SEED = "kvflow.seed";
  /**
   * Where the block hashes come from: {@code known} (the source's own hashes), {@code unknown} (the
   * source has none: no sharing is assumed) or {@code synthetic} (a seeded prefix model made them
   * for a length-only source; its parameters are under {@code kvflow.prefix_model.*}).
   */
  public static final String KEY_PREFIX_INFO = "kvflow.prefix_info";
  /** What the {@code session_id} column holds, for importers that fill it (free text). */
  public static final String KEY_SESSION_MEANING = "kvflow.session_id_is";
  /** What the {@code tenant} column holds, for importers that fill it (free text). */
  public static final String KEY_TENANT_MEANING = "kvflow.tenant_is";
  /** Length-only traces whose provider reported prompt-cache hits: their total, in tokens. */
  public static final String KEY_REPORTED_CACHED_TOKENS = "kvflow.reported_cached_tokens";
  /** Multimodal traces: the images of all requests (schema v1 has no column for them). */
  public static final String KEY_IMAGES = "kvflow.images";
  /** Multimodal traces: the requests that carried at least one image. */
  public static final String KEY_REQUESTS_WITH_IMAGES = "kvflow.requests_with_images";
  /** The prompt tokens that {@link #KEY_REPORTED_CACHED_TOKENS} is a part of. */
  public static final String KEY_REPORTED_PROMPT_TOKENS = "kvflow.reported_prompt_tokens";

  public TraceMetadata {
    if (kind == null) {
      throw new IllegalArgumentException("kind is required");
    }
    if (blockTokens <= 0) {
      throw new IllegalArgumentException("block_tokens must be positive, got " + blockTokens);
    }
    source = source == null ? "" : source;
    extra = Map.copyOf(new TreeMap<>(extra == null ? Map.of() : extra));
  }

  public static TraceMetadata of(TraceKind kind, int blockTokens, String source) {
    return new TraceMetadata(kind, blockTokens, source, null, 0, Map.of());
  }

  public TraceMetadata withGenerator(String name, long seedValue) {
    return new TraceMetadata(kind, blockTokens, source, name, seedValue, extra);
  }

  public TraceMetadata withExtra(String key, String value) {
    Map<String, String> m = new TreeMap<>(extra);
    m.put(key, value);
    return new TraceMetadata(kind, blockTokens, source, generator, seed, m);
  }

  /** Whether the trace's block hashes describe prefix sharing (false for sources without hashes). */
  public boolean prefixInfoKnown() {
    return !"unknown".equals(extra.get(KEY_PREFIX_INFO));
  }

  /**
   * Where the block hashes come from: {@code known} (the source's own; also when the key is absent),
   * {@code unknown} or {@code synthetic} ({@link #KEY_PREFIX_INFO}).
   */
  public String prefixInfo() {
    return extra.getOrDefault(KEY_PREFIX_INFO, "known");
  }

  /** The key/value pairs as stored in the Parquet footer, in a fixed order. */
  public Map<String, String> toKeyValues() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(KEY_SCHEMA, Integer.toString(SCHEMA_VERSION));
    m.put(KEY_KIND, kind.wireName());
    m.put(KEY_BLOCK_TOKENS, Integer.toString(blockTokens));
    m.put(KEY_SOURCE, source);
    if (generator != null) {
      m.put(KEY_GENERATOR, generator);
      m.put(KEY_SEED, Long.toString(seed));
    }
    new TreeMap<>(extra).forEach(m::put);
    return m;
  }
}
