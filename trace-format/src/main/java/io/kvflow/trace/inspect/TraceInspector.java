package io.kvflow.trace.inspect;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.LongHashSet;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.batch.AccessBatch;
import io.kvflow.trace.batch.RequestBatch;
import io.kvflow.trace.parquet.PageChecksums;
import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads a whole trace once (streaming, memory O(distinct blocks)) and summarises it.
 *
 * <p>Block references: for a requests trace, one per entry of {@code block_hashes}; for an accesses
 * trace, one per READ or WRITE row. {@code ideal_block_hit_ratio} = 1 - distinct / references, the
 * hit ratio of an infinite cache. {@code ideal_token_hit_ratio} weighs each reference by the tokens
 * of its block in its request ({@code block_tokens}, fewer for a request's partial last block): a
 * reference is a hit when its hash was referenced before.
 *
 * <p>{@code max_context} (when asked for, requests traces): the same two ratios with every
 * request's context cut to its first N tokens, as a model with an N-token window that keeps the
 * prefix would see it: only the blocks that start before token N are referenced, the last of them
 * counting the tokens before N; blocks cut away are never cached.
 *
 * <p>{@code page_checksums} says whether the pages carried CRC32 checksums: {@code verified} (every
 * page had one and all matched; a mismatch stops the read instead), {@code partial}, {@code absent}
 * (files of writers that write none: damage inside pages cannot be detected), {@code no pages}.
 */
public final class TraceInspector {
  private static final int BATCH_ROWS = 1 << 16;

  private TraceInspector() {}

  public static ObjectNode inspect(Path file, Progress progress) {
    return inspect(file, 0, progress);
  }

  /** As {@link #inspect(Path, Progress)}, adding {@code max_context} when {@code maxContextTokens > 0}. */
  public static ObjectNode inspect(Path file, long maxContextTokens, Progress progress) {
    try (TraceReader reader = TraceReader.open(file)) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      TraceMetadata meta = reader.metadata();
      out.put("file", file.getFileName().toString());
      out.put("kind", meta.kind().wireName());
      out.put("schema_version", TraceMetadata.SCHEMA_VERSION);
      out.put("block_tokens", meta.blockTokens());
      out.put("source", meta.source());
      if (meta.generator() != null) {
        out.put("generator", meta.generator());
        out.put("seed", meta.seed());
      }
      out.put("rows", reader.rowCount());
      out.put("row_groups", reader.rowGroupCount());
      out.put("stored_bytes", reader.storedBytes());
      if (meta.kind() == TraceKind.REQUESTS) {
        requests(reader, out, maxContextTokens, progress);
      } else {
        accesses(reader, out, progress);
      }
      PageChecksums checksums = reader.pageChecksums();
      ObjectNode crc = out.putObject("page_checksums");
      crc.put("status", checksums.status().wireName());
      crc.put("pages", checksums.pages());
      crc.put("verified_pages", checksums.verifiedPages());
      return out;
    }
  }

  private static void requests(TraceReader reader, ObjectNode out, long maxContextTokens, Progress progress) {
    int blockTokens = reader.metadata().blockTokens();
    HitCounter all = new HitCounter(Long.MAX_VALUE);
    HitCounter cut = maxContextTokens > 0 ? new HitCounter(maxContextTokens) : null;
    Summary input = new Summary();
    Summary output = new Summary();
    LongHashSet sessions = new LongHashSet(1024);
    Set<String> tenants = new HashSet<>();
    long refs = 0;
    long firstArrival = 0;
    long lastArrival = 0;
    long rows = 0;
    long withHashes = 0;
    long nullTenants = 0;
    try (RequestBatch b = reader.newRequestBatch(BATCH_ROWS)) {
      while (reader.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          if (rows == 0) {
            firstArrival = b.arrivalNs(i);
          }
          lastArrival = b.arrivalNs(i);
          rows++;
          input.add(b.inputTokens(i));
          output.add(b.outputTokens(i));
          int s = b.hashStart(i);
          int e = b.hashEnd(i);
          refs += e - s;
          withHashes += e > s ? 1 : 0;
          all.request(b, i, blockTokens);
          if (cut != null) {
            cut.request(b, i, blockTokens);
          }
          if (b.hasSessionId(i)) {
            sessions.add(b.sessionId(i));
          }
          if (b.tenantVector().isNull(i)) {
            nullTenants++;
          } else if (tenants.size() < 100_000) {
            tenants.add(b.tenant(i));
          }
        }
        progress.update(rows, reader.rowCount());
      }
    }
    boolean prefixKnown = reader.metadata().prefixInfoKnown() && (refs > 0 || rows == 0);
    out.put("requests", rows);
    // "synthetic": the hashes come from an importer's seeded prefix model, not from the source
    boolean synthetic = "synthetic".equals(reader.metadata().extra().get(TraceMetadata.KEY_PREFIX_INFO));
    out.put("prefix_sharing", !prefixKnown ? "unknown" : synthetic ? "synthetic" : "known");
    out.put("block_refs", refs);
    out.put("distinct_blocks", all.seen.size());
    if (prefixKnown && refs > 0) {
      out.put("ideal_block_hit_ratio", 1.0 - (double) all.seen.size() / refs);
      out.put("ideal_token_hit_ratio", all.tokenRatio());
    } else {
      out.putNull("ideal_block_hit_ratio");
      out.putNull("ideal_token_hit_ratio");
    }
    reportedCache(reader.metadata(), out);
    if (cut != null) {
      ObjectNode c = out.putObject("max_context");
      c.put("max_context_tokens", maxContextTokens);
      c.put("block_refs", cut.refs);
      c.put("tokens", cut.tokens);
      if (prefixKnown && cut.refs > 0) {
        c.put("ideal_block_hit_ratio", cut.blockRatio());
        c.put("ideal_token_hit_ratio", cut.tokenRatio());
      } else {
        c.putNull("ideal_block_hit_ratio");
        c.putNull("ideal_token_hit_ratio");
      }
    }
    out.put("requests_with_block_hashes", withHashes);
    out.set("input_tokens", input.toJson());
    out.set("output_tokens", output.toJson());
    out.put("time_span_ns", lastArrival - firstArrival);
    out.put("sessions", sessions.size());
    out.put("tenants", tenants.size());
    out.put("requests_without_tenant", nullTenants);
  }

  /**
   * The provider's own prompt-cache figure, where an importer kept one ({@code
   * kvflow.reported_cached_tokens} of {@code kvflow.reported_prompt_tokens}), printed next to the
   * ideal hit ratios so that the two can be set side by side.
   */
  private static void reportedCache(TraceMetadata meta, ObjectNode out) {
    for (String key : new String[] {TraceMetadata.KEY_IMAGES, TraceMetadata.KEY_REQUESTS_WITH_IMAGES}) {
      String v = meta.extra().get(key);
      if (v != null) {
        out.put(key.substring("kvflow.".length()), v.matches("[0-9]{1,18}") ? Long.parseLong(v) : -1);
      }
    }
    String cached = meta.extra().get(TraceMetadata.KEY_REPORTED_CACHED_TOKENS);
    String prompt = meta.extra().get(TraceMetadata.KEY_REPORTED_PROMPT_TOKENS);
    if (cached == null || prompt == null) {
      return;
    }
    try {
      long c = Long.parseLong(cached);
      long p = Long.parseLong(prompt);
      out.put("reported_cached_tokens", c);
      if (p > 0 && c >= 0 && c <= p) {
        out.put("reported_cached_token_ratio", (double) c / p);
      } else {
        out.putNull("reported_cached_token_ratio");
      }
    } catch (NumberFormatException e) {
      out.putNull("reported_cached_token_ratio"); // a hand-edited file: say nothing rather than fail
    }
  }

  private static void accesses(TraceReader reader, ObjectNode out, Progress progress) {
    long[] ops = new long[4];
    LongHashSet distinct = new LongHashSet(1 << 16);
    LongHashSet requests = new LongHashSet(1024);
    long refs = 0;
    long rows = 0;
    long first = 0;
    long last = 0;
    long withMass = 0;
    int maxLayer = -1;
    int maxStep = -1;
    Summary tokens = new Summary();
    try (AccessBatch b = reader.newAccessBatch(BATCH_ROWS)) {
      while (reader.next(b)) {
        for (int i = 0; i < b.size(); i++) {
          if (rows == 0) {
            first = b.timeNs(i);
          }
          last = b.timeNs(i);
          rows++;
          int op = b.op(i);
          ops[op]++;
          if (op <= 1) {
            refs++;
            distinct.add(b.block(i));
          }
          requests.add(b.requestId(i));
          withMass += b.hasAttnMass(i) ? 1 : 0;
          maxLayer = Math.max(maxLayer, b.layer(i));
          maxStep = Math.max(maxStep, b.step(i));
          tokens.add(b.tokens(i));
        }
        progress.update(rows, reader.rowCount());
      }
    }
    out.put("accesses", rows);
    out.put("requests", requests.size());
    out.put("block_refs", refs);
    out.put("distinct_blocks", distinct.size());
    if (refs > 0) {
      out.put("ideal_block_hit_ratio", 1.0 - (double) distinct.size() / refs);
    } else {
      out.putNull("ideal_block_hit_ratio");
    }
    ObjectNode byOp = out.putObject("ops");
    byOp.put("read", ops[0]);
    byOp.put("write", ops[1]);
    byOp.put("append", ops[2]);
    byOp.put("free", ops[3]);
    out.put("layers", maxLayer + 1);
    out.put("decode_steps", maxStep + 1);
    out.set("tokens", tokens.toJson());
    out.put("rows_with_attn_mass", withMass);
    out.put("time_span_ns", last - first);
  }

  /**
   * Hits of an infinite cache over requests whose contexts are cut to their first
   * {@code maxContextTokens} tokens (Long.MAX_VALUE: not cut), by blocks and by tokens.
   */
  static final class HitCounter {
    final long maxContextTokens;
    final LongHashSet seen = new LongHashSet(1 << 16);
    long refs;
    long hits;
    long tokens;
    long hitTokens;

    HitCounter(long maxContextTokens) {
      this.maxContextTokens = maxContextTokens;
    }

    void request(RequestBatch b, int row, int blockTokens) {
      long input = Math.min(b.inputTokens(row), maxContextTokens);
      int start = b.hashStart(row);
      int end = b.hashEnd(row);
      for (int k = start; k < end; k++) {
        long first = (long) (k - start) * blockTokens;
        if (first >= input) {
          break;
        }
        long blockTokensHere = Math.min(blockTokens, input - first);
        refs++;
        tokens += blockTokensHere;
        if (!seen.add(b.hash(k))) {
          hits++;
          hitTokens += blockTokensHere;
        }
      }
    }

    double blockRatio() {
      return refs == 0 ? 0 : (double) hits / refs;
    }

    double tokenRatio() {
      return tokens == 0 ? 0 : (double) hitTokens / tokens;
    }
  }

  /** Min, mean and max of a stream of non-negative integers. */
  private static final class Summary {
    long count;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    long sum;

    void add(long v) {
      count++;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }

    ObjectNode toJson() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("min", count == 0 ? 0 : min);
      n.put("mean", count == 0 ? 0 : (double) sum / count);
      n.put("max", count == 0 ? 0 : max);
      n.put("sum", sum);
      return n;
    }
  }
}
