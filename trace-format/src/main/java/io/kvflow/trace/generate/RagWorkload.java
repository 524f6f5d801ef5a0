package io.kvflow.trace.generate;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Retrieval-augmented generation: each prompt is a tenant's system prompt, then {@code docs}
 * documents drawn with Zipf popularity from a shared corpus, then a fresh question. Prefix
 * hashing shares the system prompt always, and documents only when every earlier document matches
 * too, which is what prefix caching gives RAG in practice.
 */
final class RagWorkload implements WorkloadGenerator {
  private static final long SYSTEM = 0x5241_0000_0000_0000L;
  private static final long DOC = 0x444f_0000_0000_0000L;
  private static final long QUESTION = 0x5155_0000_0000_0000L;

  @Override
  public String description() {
    return "prompts embedding documents drawn with Zipf popularity from a shared corpus";
  }

  @Override
  public List<ParamSpec> params() {
    List<ParamSpec> p = new ArrayList<>(List.of(
        ParamSpec.SEED,
        ParamSpec.ofInt("requests", 1000, "requests to generate"),
        ParamSpec.ofInt("tenants", 4, "tenants, each with its own system prompt"),
        ParamSpec.ofInt("system-prompt-tokens", 512, ParamSpec.MAX_TOKENS, "system prompt length"),
        ParamSpec.ofInt("corpus", 10000, ParamSpec.MAX_ITEMS, "documents in the shared corpus"),
        ParamSpec.ofDouble("doc-alpha", 1.0, "Zipf exponent of document popularity"),
        ParamSpec.ofInt("doc-tokens", 800, ParamSpec.MAX_TOKENS, "mean document length"),
        ParamSpec.ofInt("docs", 4, 1000, "documents per prompt"),
        ParamSpec.ofInt("question-tokens", 60, ParamSpec.MAX_TOKENS, "mean question length"),
        ParamSpec.ofInt("output-tokens", 200, ParamSpec.MAX_TOKENS, "mean answer length"),
        ParamSpec.ofInt("block-tokens", 16, Short.MAX_VALUE, "tokens per KV block")));
    p.addAll(ParamSpec.arrivals(4.0));
    return p;
  }

  @Override
  public long generate(Params params, Path out, Progress progress) {
    int requests = params.intAtLeast("requests", 1);
    int tenants = params.intAtLeast("tenants", 1);
    int systemTokens = params.intAtLeast("system-prompt-tokens", 1);
    int corpus = params.intAtLeast("corpus", 1);
    int docTokens = params.intAtLeast("doc-tokens", 1);
    int docs = params.intAtLeast("docs", 0);
    int questionTokens = params.intAtLeast("question-tokens", 1);
    int outputTokens = params.intAtLeast("output-tokens", 1);
    int blockTokens = params.intAtLeast("block-tokens", 1);
    double alpha = params.doubleIn("doc-alpha", 0, 10);
    ArrivalProcess arrivals = params.arrivals();
    long seed = params.getLong("seed");
    Rng rng = new Rng(seed);
    ZipfSampler docPick = new ZipfSampler(corpus, alpha);
    PrefixHasher input = new PrefixHasher(blockTokens);
    int[] chosen = new int[docs];
    try (RequestSink sink = new RequestSink("rag", params, blockTokens, out, progress, requests)) {
      for (int r = 0; r < requests; r++) {
        long arrival = arrivals.next(rng, r == 0);
        int tenant = rng.nextInt(tenants);
        input.reset();
        input.append(SYSTEM + tenant, systemTokens);
        int picked = 0;
        while (picked < Math.min(docs, corpus)) {
          int d = docPick.sample(rng);
          boolean seen = false;
          for (int k = 0; k < picked; k++) {
            seen |= chosen[k] == d;
          }
          if (!seen) {
            chosen[picked++] = d;
            input.append(DOC + d, documentLength(seed, d, docTokens));
          }
        }
        input.append(Hashing.chain(QUESTION, r), rng.lognormalTokens(questionTokens, 1));
        sink.write(r, arrival, "tenant-" + tenant, 0, false, input, rng.lognormalTokens(outputTokens, 1));
      }
      return sink.commit();
    }
  }

  /** A document's length is a pure function of seed and id, so the corpus needs no table. */
  private static int documentLength(long seed, int doc, int mean) {
    double u = (Hashing.mix64(seed * 31 + doc) >>> 11) * 0x1.0p-53;
    return Math.max(16, (int) Math.round(mean * (0.25 + 1.5 * u)));
  }
}
