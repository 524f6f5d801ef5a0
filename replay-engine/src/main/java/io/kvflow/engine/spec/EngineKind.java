package io.kvflow.engine.spec;

/** Which cache model a requests trace is replayed through (docs/engines.md gives each one's rules). */
public enum EngineKind {
  /** KVFlow's generic tiered cache: policies per tier, block accesses per layer and step. */
  GENERIC,
  /** vLLM v1's GPU block pool: full-block prefix caching, ref-count pinning, a free queue, optional CPU offload. */
  VLLM,
  /** SGLang's radix cache: a radix tree of pages, LRU of unlocked leaves, optional HiCache host tier. */
  SGLANG
}
