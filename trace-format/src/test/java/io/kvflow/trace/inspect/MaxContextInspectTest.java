package io.kvflow.trace.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvflow.common.Progress;
import io.kvflow.trace.TraceKind;
import io.kvflow.trace.TraceMetadata;
import io.kvflow.trace.parquet.RequestTraceWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect --max-context}: the ideal hit ratios with contexts cut to N tokens equal a
 * brute-force count, token by token, on random prefix-chained traces.
 */
class MaxContextInspectTest {
  @TempDir
  Path dir;

  private record Request(int inputTokens, long[] hashes) {}

  /** Random requests: each extends a random earlier one's prefix (or starts afresh), hashes chained. */
  private static List<Request> randomTrace(SplittableRandom rnd, int requests, int blockTokens) {
    List<Request> out = new ArrayList<>();
    for (int r = 0; r < requests; r++) {
      int input = 1 + rnd.nextInt(40 * blockTokens);
      int blocks = (input + blockTokens - 1) / blockTokens;
      long[] h = new long[blocks];
      Request base = out.isEmpty() || rnd.nextInt(4) == 0 ? null : out.get(rnd.nextInt(out.size()));
      int shared = base == null ? 0 : Math.min(blocks, rnd.nextInt(base.hashes.length + 1));
      for (int k = 0; k < blocks; k++) {
        h[k] = k < shared ? base.hashes[k] : rnd.nextLong(1 << 20); // small ids: some meet by chance too
      }
      out.add(new Request(input, h));
    }
    return out;
  }

  /** Token by token: token t of a request is a hit when its block's hash was kept by an earlier reference. */
  private static double[] bruteForce(List<Request> trace, int blockTokens, long maxContext) {
    Set<Long> kept = new HashSet<>();
    long blocks = 0;
    long blockHits = 0;
    long tokens = 0;
    long tokenHits = 0;
    for (Request r : trace) {
      long cut = Math.min(r.inputTokens, maxContext);
      for (long t = 0; t < cut; t++) {
        int k = (int) (t / blockTokens);
        boolean firstTokenOfBlock = t % blockTokens == 0;
        boolean hit = kept.contains(r.hashes[k]);
        if (firstTokenOfBlock) {
          blocks++;
          blockHits += hit ? 1 : 0;
        }
        tokens++;
        tokenHits += hit ? 1 : 0;
        if (t == cut - 1 || (t + 1) % blockTokens == 0) {
          kept.add(r.hashes[k]); // the block is referenced once its tokens are counted
        }
      }
    }
    return new double[] {blocks, tokens, (double) blockHits / blocks, (double) tokenHits / tokens};
  }

  @Test
  void cutContextsMatchABruteForceCountOnRandomTraces() throws Exception {
    SplittableRandom rnd = new SplittableRandom(20261130);
    for (int trial = 0; trial < 12; trial++) {
      int blockTokens = new int[] {1, 3, 16, 64}[trial % 4];
      List<Request> trace = randomTrace(rnd, 60 + rnd.nextInt(60), blockTokens);
      Path file = dir.resolve("t" + trial + ".parquet");
      try (RequestTraceWriter w = RequestTraceWriter.open(file, TraceMetadata.of(TraceKind.REQUESTS, blockTokens, "test"))) {
        for (int i = 0; i < trace.size(); i++) {
          Request r = trace.get(i);
          w.append(i, i, null, false, 0, r.inputTokens, 1, r.hashes, 0, r.hashes.length);
        }
        w.commit();
      }
      long[] limits = {1, blockTokens, 5L * blockTokens + 1, 17L * blockTokens, Long.MAX_VALUE / 2};
      for (long maxContext : limits) {
        ObjectNode c = (ObjectNode) TraceInspector.inspect(file, maxContext, Progress.NONE).get("max_context");
        double[] expected = bruteForce(trace, blockTokens, maxContext);
        String where = "trial " + trial + ", block " + blockTokens + ", max context " + maxContext;
        assertEquals((long) expected[0], c.get("block_refs").asLong(), where);
        assertEquals((long) expected[1], c.get("tokens").asLong(), where);
        assertEquals(expected[2], c.get("ideal_block_hit_ratio").asDouble(), 1e-12, where);
        assertEquals(expected[3], c.get("ideal_token_hit_ratio").asDouble(), 1e-12, where);
      }
      // uncut, the ratios are the whole trace's
      ObjectNode all = TraceInspector.inspect(file, Progress.NONE);
      double[] uncut = bruteForce(trace, blockTokens, Long.MAX_VALUE);
      assertEquals(uncut[2], all.get("ideal_block_hit_ratio").asDouble(), 1e-12);
      assertEquals(uncut[3], all.get("ideal_token_hit_ratio").asDouble(), 1e-12);
    }
  }
}
