package io.kvflow.trace.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvflow.trace.parquet.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-chunking Mooncake's coarse {@code hash_ids}: equal coarse prefixes stay equal fine prefixes,
 * different ones stay different, checked pair by pair and block by block against the obvious rule
 * (fine block i of two prompts is equal exactly when both are full and their coarse ids agree on
 * blocks 0..i / (coarse / fine)).
 */
class RechunkTest {
  @TempDir
  Path dir;

  /** Random prompts sharing coarse prefixes, their coarse ids named by prefix (as Mooncake's are). */
  static List<long[]> coarseIds(SplittableRandom rnd, int n, int maxBlocks) {
    List<long[]> out = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      long[] ids = new long[1 + rnd.nextInt(maxBlocks)];
      long chain = 0;
      boolean branched = false;
      for (int j = 0; j < ids.length; j++) {
        branched |= rnd.nextInt(4) == 0;
        // ids before a branch come from a tree of 2 children per node, so prompts share prefixes
        chain = chain * 2 + 1 + (branched ? 2 + rnd.nextInt(1_000_000) : rnd.nextInt(2));
        ids[j] = chain;
      }
      out.add(ids);
    }
    return out;
  }

  @Test
  void equalCoarsePrefixesStayEqualAndDifferentStayDifferent() throws Exception {
    SplittableRandom rnd = new SplittableRandom(512);
    for (int[] sizes : new int[][] {{512, 16}, {512, 32}, {64, 16}, {48, 48}}) {
      int coarse = sizes[0];
      int fine = sizes[1];
      List<long[]> ids = coarseIds(rnd, 60, 5);
      int[] input = new int[ids.size()];
      StringBuilder in = new StringBuilder();
      for (int r = 0; r < ids.size(); r++) {
        int blocks = ids.get(r).length;
        // a full last coarse block or a partial one
        input[r] = (blocks - 1) * coarse + (rnd.nextBoolean() ? coarse : 1 + rnd.nextInt(coarse));
        StringBuilder h = new StringBuilder();
        for (long id : ids.get(r)) {
          h.append(h.length() == 0 ? "" : ", ").append(id);
        }
        in.append("{\"timestamp\": ").append(r).append(", \"input_length\": ").append(input[r])
            .append(", \"output_length\": 3, \"hash_ids\": [").append(h).append("]}\n");
      }
      Path f = dir.resolve("m.jsonl");
      Files.writeString(f, in);
      Path out = dir.resolve("m" + coarse + "-" + fine + ".parquet");
      ImportTestSupport.run(ImportFormat.MOONCAKE, f, out, new ImportOptions(coarse, "GPU", PrefixModel.NONE, fine));
      try (TraceReader r = TraceReader.open(out)) {
        assertEquals(fine, r.metadata().blockTokens());
      }
      List<ImportTestSupport.Row> rows = ImportTestSupport.rows(out);
      int per = coarse / fine;
      Set<Long> tails = new HashSet<>();
      long pairsSharing = 0;
      for (int a = 0; a < rows.size(); a++) {
        long[] x = rows.get(a).hashes();
        assertEquals((input[a] + fine - 1) / fine, x.length);
        if (input[a] % fine != 0) {
          assertTrue(tails.add(x[x.length - 1]), "partial last blocks are the request's own");
        }
        for (int b = a + 1; b < rows.size(); b++) {
          long[] y = rows.get(b).hashes();
          for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean bothFull = (long) (i + 1) * fine <= input[a] && (long) (i + 1) * fine <= input[b];
            boolean coarseEqual = true;
            for (int j = 0; j <= i / per; j++) {
              coarseEqual &= ids.get(a)[j] == ids.get(b)[j];
            }
            assertEquals(bothFull && coarseEqual, x[i] == y[i], coarse + "->" + fine + ": requests " + a + ", " + b
                + ", block " + i);
            if (x[i] == y[i]) {
              pairsSharing++;
            }
          }
        }
      }
      assertTrue(pairsSharing > 50, "the traces share prefixes: " + pairsSharing);
    }
  }

  @Test
  void aFineSizeThatDoesNotDivideTheCoarseOneIsRefused() throws Exception {
    Path f = dir.resolve("m.jsonl");
    Files.writeString(f, "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1]}\n");
    Path out = dir.resolve("m.parquet");
    ImportException e = assertThrows(ImportException.class, () -> ImportTestSupport.run(ImportFormat.MOONCAKE, f, out,
        new ImportOptions(0, "GPU", PrefixModel.NONE, 24)));
    assertTrue(e.getMessage().startsWith(f + ": --rechunk-tokens 24 must divide the source's block size 512"),
        e.getMessage());
    assertFalse(Files.exists(out));
  }
}
