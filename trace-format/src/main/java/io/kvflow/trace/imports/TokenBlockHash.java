package io.kvflow.trace.imports;

import io.kvflow.common.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * vLLM's chained block hash rule ({@code hash_block_tokens} of vllm/v1/core/kv_cache_utils.py) with
 * KVFlow's 64-bit {@link Hashing#chain}: a full block's hash is a function of its parent's hash
 * ({@link #NONE_HASH} for the first block), its token ids and its extra keys, in vLLM's order
 * (LoRA, then each multimodal item overlapping the block with its offset in the block, then the
 * cache salt, first block only). Two blocks get the same hash only if all three are equal (up to a
 * 64-bit accident). The values differ from vLLM's own (sha256 or xxhash over CBOR); the sharing they
 * express is the same.
 */
final class TokenBlockHash {
  /** The parent of a prompt's first block (vLLM's {@code NONE_HASH}, fixed here so runs agree). */
  static final long NONE_HASH = 0x4b56_466c_6f77_4e4fL;
  private static final long LORA_INT = 0x6c6f_7261_0000_0001L;
  private static final long LORA_TEXT = 0x6c6f_7261_0000_0002L;
  private static final long MM = 0x6d6d_0000_0000_0001L;
  private static final long SALT = 0x7361_6c74_0000_0001L;
  private static final long TEXT = 0x7465_7874_0000_0001L;

  private TokenBlockHash() {}

  /** The hash of {@code tokens[from, from + count)} after {@code parent}, with {@code keys[0, keyCount)}. */
  static long block(long parent, int[] tokens, int from, int count, long[] keys, int keyCount) {
    long h = Hashing.chain(parent, count);
    for (int i = from; i < from + count; i++) {
      h = Hashing.chain(h, tokens[i]);
    }
    h = Hashing.chain(h, keyCount);
    for (int k = 0; k < keyCount; k++) {
      h = Hashing.chain(h, keys[k]);
    }
    return h;
  }

  /** A string's 64 bits: its length, then its UTF-8 bytes, chained. */
  static long text(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    long h = Hashing.chain(TEXT, b.length);
    for (byte x : b) {
      h = Hashing.chain(h, x);
    }
    return h;
  }

  static long loraKey(long id) {
    return Hashing.chain(LORA_INT, id);
  }

  static long loraKey(String name) {
    return Hashing.chain(LORA_TEXT, text(name));
  }

  /** A multimodal item's key in a block: its hash and its offset from the block's first token (may be negative). */
  static long mmKey(long itemHash, long offsetInBlock) {
    return Hashing.chain(Hashing.chain(MM, itemHash), offsetInBlock);
  }

  static long saltKey(String salt) {
    return Hashing.chain(SALT, text(salt));
  }
}
