package io.kvflow.trace.generate;

import io.kvflow.common.Hashing;
import io.kvflow.common.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-turn chat: a pool of live sessions chosen with Zipf popularity; each turn re-sends the
 * whole conversation so far (system prompt, earlier turns and answers) plus a new user message, so
 * consecutive turns share their prefix. System prompts are shared across tenants and chosen with
 * Zipf popularity. A session whose context would pass {@code max-context} ends and a new one takes
 * its slot.
 */
final class ChatWorkload implements WorkloadGenerator {
  private static final long SYSTEM = 0x5157_0000_0000_0000L;
  private static final long USER = 0x5553_0000_0000_0000L;
  private static final long ANSWER = 0x4153_0000_0000_0000L;

  @Override
  public String description() {
    return "multi-turn chat sessions re-sending their growing context; shared system prompts; Zipf popularity";
  }

  @Override
  public List<ParamSpec> params() {
    List<ParamSpec> p = new ArrayList<>(List.of(
        ParamSpec.SEED,
        ParamSpec.ofInt("requests", 1000, "requests to generate"),
        ParamSpec.ofInt("sessions", 200, ParamSpec.MAX_ITEMS, "live conversations at any time"),
        ParamSpec.ofDouble("session-alpha", 0.8, "Zipf exponent of session popularity"),
        ParamSpec.ofInt("tenants", 4, "tenants; a session belongs to one"),
        ParamSpec.ofInt("system-prompts", 8, ParamSpec.MAX_ITEMS, "distinct system prompts, shared across tenants"),
        ParamSpec.ofDouble("prompt-alpha", 1.0, "Zipf exponent of system prompt popularity"),
        ParamSpec.ofInt("system-prompt-tokens", 1024, ParamSpec.MAX_TOKENS, "mean system prompt length"),
        ParamSpec.ofInt("user-tokens", 150, ParamSpec.MAX_TOKENS, "mean user message length"),
        ParamSpec.ofInt("output-tokens", 250, ParamSpec.MAX_TOKENS, "mean answer length"),
        ParamSpec.ofInt("max-context", 32768, ParamSpec.MAX_TOKENS, "a session ends before its context passes this"),
        ParamSpec.ofInt("block-tokens", 16, Short.MAX_VALUE, "tokens per KV block")));
    p.addAll(ParamSpec.arrivals(2.0));
    return p;
  }

  @Override
  public long generate(Params params, Path out, Progress progress) {
    int requests = params.intAtLeast("requests", 1);
    int sessions = params.intAtLeast("sessions", 1);
    int tenants = params.intAtLeast("tenants", 1);
    int prompts = params.intAtLeast("system-prompts", 1);
    int promptTokens = params.intAtLeast("system-prompt-tokens", 1);
    int userTokens = params.intAtLeast("user-tokens", 1);
    int outputTokens = params.intAtLeast("output-tokens", 1);
    int maxContext = params.intAtLeast("max-context", 2);
    int blockTokens = params.intAtLeast("block-tokens", 1);
    double sessionAlpha = params.doubleIn("session-alpha", 0, 10);
    double promptAlpha = params.doubleIn("prompt-alpha", 0, 10);
    ArrivalProcess arrivals = params.arrivals();
    long seed = params.getLong("seed");
    Rng rng = new Rng(seed);
    ZipfSampler sessionPick = new ZipfSampler(sessions, sessionAlpha);
    ZipfSampler promptPick = new ZipfSampler(prompts, promptAlpha);
    int[] promptLength = new int[prompts];
    for (int i = 0; i < prompts; i++) {
      promptLength[i] = Math.max(1, (int) Math.round(promptTokens * (0.5 + rng.uniform())));
    }
    PrefixHasher[] history = new PrefixHasher[sessions];
    long[] sessionId = new long[sessions];
    int[] tenant = new int[sessions];
    int[] turn = new int[sessions];
    long nextSessionId = 0;
    PrefixHasher input = new PrefixHasher(blockTokens);
    try (RequestSink sink = new RequestSink("chat", params, blockTokens, out, progress, requests)) {
      for (int r = 0; r < requests; r++) {
        long arrival = arrivals.next(rng, r == 0);
        int slot = sessionPick.sample(rng);
        int user = rng.lognormalTokens(userTokens, 1);
        int answer = rng.lognormalTokens(outputTokens, 1);
        PrefixHasher h = history[slot];
        if (h == null || h.tokens() + user + answer > maxContext) {
          h = history[slot] == null ? new PrefixHasher(blockTokens) : history[slot];
          history[slot] = h;
          h.reset();
          int prompt = promptPick.sample(rng);
          h.append(SYSTEM + prompt, Math.min(promptLength[prompt], maxContext / 2));
          sessionId[slot] = nextSessionId++;
          tenant[slot] = rng.nextInt(tenants);
          turn[slot] = 0;
          user = (int) Math.max(1, Math.min(user, (maxContext - h.tokens()) / 2));
          answer = (int) Math.max(0, Math.min(answer, maxContext - h.tokens() - user));
        }
        long sid = sessionId[slot];
        h.append(Hashing.chain(USER + sid, turn[slot]), user);
        input.copyFrom(h);
        sink.write(r, arrival, "tenant-" + tenant[slot], sid, true, input, answer);
        h.append(Hashing.chain(ANSWER + sid, turn[slot]), answer);
        turn[slot]++;
      }
      return sink.commit();
    }
  }
}
