package io.kvflow.engine.vllm;

/** The requests of a trace in file order, handed one at a time to {@link VllmScheduler#enqueue}. */
@FunctionalInterface
public interface RequestSource {
  /** Enqueues the next request into {@code scheduler}; false, enqueuing nothing, at the end. */
  boolean pull(VllmScheduler scheduler);
}
