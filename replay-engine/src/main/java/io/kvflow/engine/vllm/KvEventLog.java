package io.kvflow.engine.vllm;

import io.kvflow.engine.ReplayListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the KV events of a vllm-mode replay as JSON lines in vLLM's own shape: one {@code
 * KVEventBatch} a line, {@code {"ts": ..., "events": [...], "data_parallel_rank": 0}}, each event an
 * object tagged by {@code type} with vLLM's field names ({@code BlockStored}: {@code block_hashes},
 * {@code parent_block_hash}, {@code token_ids}, {@code block_size}, {@code lora_id}, {@code medium},
 * {@code lora_name}; {@code BlockRemoved}: {@code block_hashes}, {@code medium}), as msgspec encodes
 * them to JSON. Hashes are unsigned 64-bit integers (vLLM's {@code VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES}
 * form); {@code token_ids} is empty (a requests trace carries hashes, not tokens); {@code ts} is the
 * engine step number, a simulated clock (the vllm mode counts without time). A step with no events
 * writes no line, as vLLM publishes no empty batch. Counts what it wrote, per medium.
 */
public final class KvEventLog implements KvEventSink, ReplayListener, AutoCloseable {
  private final Writer out;
  private final int blockTokens;
  private final StringBuilder batch = new StringBuilder(4096);
  private int eventsInBatch;
  private final long[] storedBlocks = new long[Medium.values().length];
  private final long[] removedBlocks = new long[Medium.values().length];
  private long batches;

  /** Writes to {@code file} (created or replaced) for blocks of {@code blockTokens} tokens. */
  public KvEventLog(Path file, int blockTokens) {
    try {
      this.out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write the KV events (" + e.getMessage() + ")", e);
    }
    this.blockTokens = blockTokens;
  }

  @Override
  public void stored(Medium medium, long[] hashes, int from, int to, boolean hasParent, long parent) {
    if (from >= to) {
      return;
    }
    separator();
    batch.append("{\"type\": \"BlockStored\", \"block_hashes\": [");
    for (int i = from; i < to; i++) {
      if (i > from) {
        batch.append(", ");
      }
      batch.append(Long.toUnsignedString(hashes[i]));
    }
    batch.append("], \"parent_block_hash\": ");
    if (hasParent) {
      batch.append(Long.toUnsignedString(parent));
    } else {
      batch.append("null");
    }
    batch.append(", \"token_ids\": [], \"block_size\": ").append(blockTokens)
        .append(", \"lora_id\": null, \"medium\": \"").append(medium.name()).append("\", \"lora_name\": null}");
    storedBlocks[medium.ordinal()] += to - from;
  }

  @Override
  public void removed(Medium medium, long hash) {
    separator();
    batch.append("{\"type\": \"BlockRemoved\", \"block_hashes\": [").append(Long.toUnsignedString(hash))
        .append("], \"medium\": \"").append(medium.name()).append("\"}");
    removedBlocks[medium.ordinal()]++;
  }

  @Override
  public void stepFinished(long step) {
    if (eventsInBatch == 0) {
      return;
    }
    try {
      out.write("{\"ts\": ");
      out.write(Long.toString(step));
      out.write(".0, \"events\": [");
      out.append(batch);
      out.write("], \"data_parallel_rank\": 0}\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the KV events (" + e.getMessage() + ")", e);
    }
    batch.setLength(0);
    eventsInBatch = 0;
    batches++;
  }

  private void separator() {
    if (eventsInBatch++ > 0) {
      batch.append(", ");
    }
  }

  /** Blocks stored on {@code medium} (the block hashes of its BlockStored events). */
  public long storedBlocks(Medium medium) {
    return storedBlocks[medium.ordinal()];
  }

  /** Blocks removed from {@code medium}. */
  public long removedBlocks(Medium medium) {
    return removedBlocks[medium.ordinal()];
  }

  /** Lines written. */
  public long batches() {
    return batches;
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the KV events (" + e.getMessage() + ")", e);
    }
  }
}
