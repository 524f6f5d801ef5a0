package io.kvflow.trace;

/** The two kinds of trace schema v1 defines; {@link #wireName()} is the {@code kvflow.kind} value. */
public enum TraceKind {
  /** One row per request, as serving logs and public traces give. */
  REQUESTS("requests"),
  /** Token/block-level KV events, as an instrumented engine captures. */
  ACCESSES("accesses");

  private final String wireName;

  TraceKind(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The kind named {@code name}, or null when there is none. */
  public static TraceKind fromWireName(String name) {
    for (TraceKind k : values()) {
      if (k.wireName.equals(name)) {
        return k;
      }
    }
    return null;
  }
}
