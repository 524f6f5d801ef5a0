package io.kvflow.trace.generate;

import java.util.Locale;
import java.util.function.Supplier;

/** The registered workload generators; one line per workload. */
public enum Workload {
  CHAT(ChatWorkload::new),
  RAG(RagWorkload::new),
  AGENT(AgentWorkload::new),
  LONG_CONTEXT(LongContextWorkload::new),
  ZIPF(ZipfWorkload::new),
  DECODE(DecodeWorkload::new);

  private final Supplier<WorkloadGenerator> factory;

  Workload(Supplier<WorkloadGenerator> factory) {
    this.factory = factory;
  }

  public WorkloadGenerator create() {
    return factory.get();
  }

  /** The command-line name: lower case with dashes. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Workload fromCliName(String name) {
    for (Workload w : values()) {
      if (w.cliName().equals(name)) {
        return w;
      }
    }
    return null;
  }
}
