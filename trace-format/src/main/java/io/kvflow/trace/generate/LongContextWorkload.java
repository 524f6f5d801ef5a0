package io.kvflow.trace.generate;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Few requests with very long prompts (32K-128K tokens by default): a long document from a small
 * shared pool (Zipf popularity, so repeated documents share their prefix) followed by a question.
 */
final class LongContextWorkload implements WorkloadGenerator {
  private static final long DOC = 0x4c44_0000_0000_0000L;
  private static final long QUESTION = 0x4c51_0000_0000_0000L;

  @Override
  public String description() {
    return "few requests with 32K-128K-token prompts over a small pool of shared long documents";
  }

  @Override
  public List<ParamSpec> params() {
    List<ParamSpec> p = new ArrayList<>(List.of(
        ParamSpec.SEED,
        ParamSpec.ofInt("requests", 50, "requests to generate"),
        ParamSpec.ofInt("documents", 8, ParamSpec.MAX_ITEMS, "long documents in the shared pool"),
        ParamSpec.ofDouble("doc-alpha", 1.0, "Zipf exponent of document popularity"),
        ParamSpec.ofInt("min-tokens", 32768, ParamSpec.MAX_TOKENS, "shortest prompt"),
        ParamSpec.ofInt("max-tokens", 131072, ParamSpec.MAX_TOKENS, "longest prompt"),
        ParamSpec.ofInt("question-tokens", 64, ParamSpec.MAX_TOKENS, "mean question length"),
        ParamSpec.ofInt("output-tokens", 256, ParamSpec.MAX_TOKENS, "mean answer length"),
        ParamSpec.ofInt("block-tokens", 16, Short.MAX_VALUE, "tokens per KV block")));
    p.addAll(ParamSpec.arrivals(0.2));
    return p;
  }

  @Override
  public long generate(Params params, Path out, Progress progress) {
    int requests = params.intAtLeast("requests", 1);
    int documents = params.intAtLeast("documents", 1);
    int minTokens = params.intAtLeast("min-tokens", 2);
    int maxTokens = params.intAtLeast("max-tokens", minTokens);
    int questionTokens = params.intAtLeast("question-tokens", 1);
    int outputTokens = params.intAtLeast("output-tokens", 1);
    int blockTokens = params.intAtLeast("block-tokens", 1);
    double alpha = params.doubleIn("doc-alpha", 0, 10);
    ArrivalProcess arrivals = params.arrivals();
    Rng rng = new Rng(params.getLong("seed"));
    int[] docLength = new int[documents];
    for (int d = 0; d < documents; d++) {
      docLength[d] = rng.between(minTokens, maxTokens);
    }
    ZipfSampler pick = new ZipfSampler(documents, alpha);
    PrefixHasher input = new PrefixHasher(blockTokens);
    try (RequestSink sink = new RequestSink("long-context", params, blockTokens, out, progress, requests)) {
      for (int r = 0; r < requests; r++) {
        long arrival = arrivals.next(rng, r == 0);
        int d = pick.sample(rng);
        int question = Math.min(rng.lognormalTokens(questionTokens, 1), Math.max(1, docLength[d] / 2));
        input.reset();
        input.append(DOC + d, docLength[d] - question);
        input.append(Hashing.chain(QUESTION, r), question);
        sink.write(r, arrival, null, 0, false, input, rng.lognormalTokens(outputTokens, 1));
      }
      return sink.commit();
    }
  }
}
