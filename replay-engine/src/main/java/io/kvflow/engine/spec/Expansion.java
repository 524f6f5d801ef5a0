package io.kvflow.engine.spec;

/** How a requests trace becomes block accesses. */
public enum Expansion {
  /** Prefill writes, then per decode step every layer reads every block and one token is appended. */
  FULL,
  /** Only each request's input blocks, one access each, requests in file order: prefix-cache studies. */
  PREFIX
}
