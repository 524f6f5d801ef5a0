package io.kvflow.engine.spec;

/** Whether a block may live in several tiers at once. */
public enum Hierarchy {
  /** A block lives in exactly one tier; promotion moves it up, eviction moves it down. */
  EXCLUSIVE,
  /** A lower tier keeps a copy of what the tier above holds (write-through). */
  INCLUSIVE
}
