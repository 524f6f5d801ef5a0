package io.kvflow.engine.spec;

/** Memory technologies a tier can be; order is the usual speed order. */
public enum TierKind {
  SRAM,
  HBM,
  CXL,
  DRAM,
  SSD
}
