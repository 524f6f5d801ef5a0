package io.kvflow.trace.imports;

import java.util.Locale;
import java.util.function.Supplier;

/** The registered importers; one line per format. */
public enum ImportFormat {
  MOONCAKE(MooncakeImporter::new),
  AZURE(AzureImporter::new),
  VLLM_EVENTS(VllmEventsImporter::new),
  ORACLE_GENERAL(OracleGeneralImporter::new),
  KVFLOW_JSONL(KvflowJsonlImporter::new),
  QWEN_BAILIAN(QwenBailianImporter::new),
  AGENTIC_CODING(AgenticCodingImporter::new),
  BURSTGPT(BurstGptImporter::new),
  MOONCAKE_SESSIONS(() -> new MooncakeSessionsImporter(MooncakeSessionsImporter.HashForm.FULL)),
  MOONCAKE_SESSIONS_DELTA(() -> new MooncakeSessionsImporter(MooncakeSessionsImporter.HashForm.DELTA)),
  COPILOT_SESSIONS(CopilotSessionsImporter::new),
  AZURE_MULTIMODAL(AzureMultimodalImporter::new),
  TOKEN_IDS(TokenIdsImporter::new);

  private final Supplier<TraceImporter> factory;

  ImportFormat(Supplier<TraceImporter> factory) {
    this.factory = factory;
  }

  public TraceImporter create() {
    return factory.get();
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static ImportFormat fromCliName(String name) {
    for (ImportFormat f : values()) {
      if (f.cliName().equals(name)) {
        return f;
      }
    }
    return null;
  }
}
