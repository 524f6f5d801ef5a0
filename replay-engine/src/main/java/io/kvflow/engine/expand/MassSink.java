package io.kvflow.engine.expand;

/** A sink that also wants each access's attention mass (NaN when the trace has none). */
public interface MassSink extends AccessSink {
  void access(long key, int op, int weight, int tokens, long requestId, int step, int layer, int flags, float attnMass);
}
