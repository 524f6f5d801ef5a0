package io.kvflow.engine.residency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvflow.engine.expand.AccessSink;
import io.kvflow.engine.policy.NextUse;
import io.kvflow.engine.policy.PolicyKind;
import io.kvflow.engine.policy.PolicyParams;
import io.kvflow.engine.spec.Placement;
import io.kvflow.engine.spec.ReplayConfig;
import io.kvflow.trace.AccessOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The engine's {@link ResidencyTracker} against {@link ReferenceHierarchy}, access by access, on
 * random small traces across the configuration space: 1-4 tiers, every policy in every tier
 * position (OPT alone, admitting always), capacities of 1-20 units, exclusive and inclusive, every
 * admission rule, static pins, codecs, whole-block and block-layer placement; READ, WRITE, APPEND
 * and FREE with weights 1..layers and input-block flags. Every field of the access outcome is
 * compared after every access, each tier's resident keys every {@value #CONTENTS_EVERY} accesses
 * and at the end, and the totals at the end. The first difference fails the test naming the seed,
 * the configuration, the access and the field.
 *
 * <p>Reproduce one case with {@code -Dkvflow.differential.seed=SEED}; {@code
 * -Dkvflow.differential.survey=true} replays every seed, shrinks each failing trace and prints one
 * shortest example per diverging field instead of stopping at the first.
 */
class ResidencyDifferentialTest {
  static final int TRACES = Integer.getInteger("kvflow.differential.traces", 12_000);
  static final long FIRST_SEED = 1;
  static final int CONTENTS_EVERY = 50;
  static final String[] KINDS = {"hbm", "cxl", "dram", "ssd"};
  static final String[] CODECS = {"fp8", "int8", "int4", "kivi2"};

  record Access(long key, int op, int weight, int tokens, int flags) {
    @Override
    public String toString() {
      return AccessOp.ofCode(op) + " key=" + key + " weight=" + weight + " tokens=" + tokens + " flags=" + flags;
    }
  }

  record Case(long seed, String json, ReplayConfig config, List<Access> trace) {
    Case with(List<Access> t) {
      return new Case(seed, json, config, t);
    }
  }

  /** How often the reference took each path, so that the test shows it covered them. */
  static final class Coverage {
    final Map<String, Long> events = new java.util.TreeMap<>();
    final Set<String> tierPolicies = new TreeSet<>();

    void count(String event, boolean happened) {
      if (happened) {
        events.merge(event, 1L, Long::sum);
      }
    }

    void config(ReplayConfig c) {
      for (int t = 0; t < c.tiers().size(); t++) {
        tierPolicies.add(t + ":" + c.tiers().get(t).policy().jsonName());
        count("admission " + c.tiers().get(t).admission().name().toLowerCase(java.util.Locale.ROOT), true);
        count("codec in tier " + t, c.tiers().get(t).codec().kind() != io.kvflow.engine.spec.CodecKind.NONE);
      }
      count("hierarchy " + c.hierarchy().name().toLowerCase(java.util.Locale.ROOT), true);
      count(c.tiers().size() + " tiers", true);
      count("placement block-layer", c.placement() == Placement.BLOCK_LAYER);
    }

    void access(Access a, ReferenceHierarchy.Outcome o, int tiers) {
      long below = 0;
      for (int t = 1; t < tiers; t++) {
        below += o.bytesWritten[t];
      }
      boolean lookup = a.op() <= 1;
      count("lookup hit in the first tier", lookup && o.foundTier == 0);
      count("lookup promoted from a lower tier", lookup && o.promoted && o.foundTier > 0);
      count("lookup bypassed, served by a lower tier", lookup && o.bypassed && o.foundTier > 0);
      count("lookup of a new unit admitted", lookup && o.created && o.promoted);
      count("lookup of a new unit placed below", lookup && o.created && !o.promoted);
      count("lookup of a new unit placed nowhere", lookup && o.foundTier < 0 && !o.created);
      count("new unit written through", lookup && o.created && o.promoted && below > 0);
      count("append promoted from a lower tier", !lookup && o.promoted && o.movedFrom > 0);
      count("append created a unit", !lookup && o.created);
      count("demotion cascade of 2+ units", o.demotions >= 2);
      count("dropped off the hierarchy", o.dropped > 0);
    }
  }

  /** Where and how the engine and the reference first differ. */
  record Divergence(int index, String field, String engine, String reference) {}

  // ---- generation ----

  static Case generate(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int[] tierWeights = {2, 4, 3, 2};
    int tiers = 1 + pick(rnd, tierWeights);
    boolean opt = tiers == 1 && rnd.nextInt(6) == 0;
    int layers = 1 + rnd.nextInt(4);
    int blockTokens = new int[] {3, 4, 5, 8}[rnd.nextInt(4)];
    StringBuilder j = new StringBuilder();
    j.append("{\"model\": {\"name\": \"m\", \"layers\": ").append(layers)
        .append(", \"kv_heads\": ").append(1 + rnd.nextInt(2))
        .append(", \"head_dim\": ").append(new int[] {4, 6, 8}[rnd.nextInt(3)])
        .append(", \"kv_dtype_bytes\": 2, \"block_tokens\": ").append(blockTokens).append("}");
    j.append(", \"hierarchy\": \"").append(rnd.nextBoolean() ? "exclusive" : "inclusive").append("\"");
    j.append(", \"placement\": \"").append(rnd.nextInt(6) == 0 ? "block-layer" : "block").append("\"");
    j.append(", \"tiers\": [");
    List<String> kinds = new ArrayList<>(Arrays.asList(KINDS));
    while (kinds.size() > tiers) {
      kinds.remove(rnd.nextInt(kinds.size()));
    }
    PolicyKind[] online = Arrays.stream(PolicyKind.values()).filter(k -> !k.offline()).toArray(PolicyKind[]::new);
    int totalCapacity = 0;
    for (int t = 0; t < tiers; t++) {
      int capacity = 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 20);
      totalCapacity += capacity;
      PolicyKind policy = opt ? PolicyKind.OPT : online[rnd.nextInt(online.length)];
      j.append(t == 0 ? "" : ", ").append("{\"name\": \"").append(kinds.get(t)).append("\", \"kind\": \"")
          .append(kinds.get(t)).append("\", \"capacity_blocks\": ").append(capacity)
          .append(", \"policy\": \"").append(policy.jsonName()).append("\"");
      int a = rnd.nextInt(20);
      if (!opt && a >= 11) {
        j.append(", \"admission\": ").append(a < 14 ? "\"never\"" : "{\"after\": " + (1 + rnd.nextInt(3)) + "}");
      }
      if (policy == PolicyKind.HOT_WARM_COLD && rnd.nextBoolean()) {
        j.append(", \"hot_window\": ").append(1 + rnd.nextInt(2 * capacity + 2))
            .append(", \"warm_threshold\": ").append(1 + rnd.nextInt(3));
      }
      if (rnd.nextInt(5) == 0) {
        j.append(", \"codec\": \"").append(CODECS[rnd.nextInt(CODECS.length)]).append("\"");
      }
      j.append("}");
    }
    j.append("]}");
    String json = j.toString();
    ReplayConfig config = TestConfigs.bind(json);

    int n = 100 + rnd.nextInt(300);
    int keySpace = 2 + rnd.nextInt(2 * totalCapacity + 10);
    List<Access> trace = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long key;
      int mode = rnd.nextInt(10);
      if (mode < 7) {
        double u = rnd.nextDouble();
        key = (long) (keySpace * u * u);
      } else if (mode < 9) {
        key = rnd.nextInt(keySpace);
      } else {
        key = keySpace + rnd.nextInt(4 * keySpace); // mostly once-seen keys
      }
      if (rnd.nextInt(100) == 0) {
        key = Long.MIN_VALUE + rnd.nextInt(2); // extreme keys are keys too
      }
      int op = opt ? (rnd.nextInt(4) == 0 ? AccessOp.WRITE.code() : AccessOp.READ.code())
          : new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3}[rnd.nextInt(20)];
      int weight = 1 + rnd.nextInt(layers);
      int tokens = 1 + rnd.nextInt(blockTokens);
      int flags = 0;
      if (op <= 1) {
        int f = rnd.nextInt(8);
        flags = f < 2 ? AccessSink.INPUT_BLOCK : f == 2 ? AccessSink.RECOMPUTE_BLOCK : 0;
      }
      trace.add(new Access(key, op, weight, tokens, flags));
    }
    return new Case(seed, json, config, trace);
  }

  static int pick(SplittableRandom rnd, int[] weights) {
    int total = Arrays.stream(weights).sum();
    int r = rnd.nextInt(total);
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  // ---- replay and comparison ----

  static long[] lookupKeys(List<Access> trace) {
    return trace.stream().filter(a -> a.op() <= 1).mapToLong(Access::key).toArray();
  }

  static ResidencyTracker engine(ReplayConfig c, long[] lookups) {
    long unitBytes = c.model().blockBytesPerLayer(c.model().blockTokens());
    long keyBytes = c.placement() == Placement.BLOCK ? unitBytes * c.model().layers() : unitBytes;
    PolicyParams params = PolicyParams.DEFAULT;
    if (c.tiers().get(0).policy() == PolicyKind.OPT) {
      params = params.withNextUse(NextUse.of(lookups, lookups.length));
    }
    return new ResidencyTracker(c, unitBytes, keyBytes, c.model().kvBytesPerTokenPerLayer(), params);
  }

  /** Replays a case through both simulators; null when they agree on everything. */
  static Divergence replay(Case c) {
    return replay(c, null);
  }

  static Divergence replay(Case c, Coverage coverage) {
    long[] lookups = lookupKeys(c.trace());
    ResidencyTracker e;
    ReferenceHierarchy r;
    try {
      e = engine(c.config(), lookups);
    } catch (RuntimeException ex) {
      return new Divergence(-1, "construction", ex.toString(), "ok");
    }
    r = new ReferenceHierarchy(c.config(), lookups);
    boolean opt = c.config().tiers().get(0).policy() == PolicyKind.OPT;
    int lookupsDone = 0;
    List<Access> t = c.trace();
    for (int i = 0; i < t.size(); i++) {
      Access a = t.get(i);
      AccessOutcome eo;
      ReferenceHierarchy.Outcome ro;
      try {
        eo = e.access(a.key(), a.op(), a.weight(), a.tokens(), 7, i, -1, a.flags());
      } catch (RuntimeException ex) {
        return new Divergence(i, "exception", ex.toString(), "none");
      }
      ro = r.access(a.key(), a.op(), a.weight(), a.tokens(), a.flags());
      if (a.op() <= 1) {
        lookupsDone++;
      }
      if (coverage != null) {
        coverage.access(a, ro, r.tierCount());
      }
      Divergence d = compare(i, eo, ro);
      if (d == null && (i % CONTENTS_EVERY == CONTENTS_EVERY - 1 || i == t.size() - 1)) {
        d = compareContents(i, e, r, opt ? lookups : null, lookupsDone);
      }
      if (d != null) {
        return d;
      }
    }
    return compareTotals(t.size() - 1, e, r);
  }

  static Divergence compare(int i, AccessOutcome e, ReferenceHierarchy.Outcome r) {
    Map<String, Object[]> f = new LinkedHashMap<>();
    f.put("foundTier", new Object[] {e.foundTier, r.foundTier});
    f.put("promoted", new Object[] {e.promoted, r.promoted});
    f.put("bypassed", new Object[] {e.bypassed, r.bypassed});
    f.put("created", new Object[] {e.created, r.created});
    f.put("demotions", new Object[] {e.demotions, r.demotions});
    f.put("dropped", new Object[] {e.dropped, r.dropped});
    for (int t = 0; t < r.hits.length; t++) {
      f.put("hits[" + t + "]", new Object[] {e.hits[t], r.hits[t]});
      f.put("misses[" + t + "]", new Object[] {e.misses[t], r.misses[t]});
      f.put("bytesRead[" + t + "]", new Object[] {e.bytesRead[t], r.bytesRead[t]});
      f.put("bytesWritten[" + t + "]", new Object[] {e.bytesWritten[t], r.bytesWritten[t]});
    }
    f.put("movedFrom", new Object[] {e.movedFrom, r.movedFrom});
    f.put("movedBytes", new Object[] {e.movedBytes, r.movedBytes});
    f.put("sourceBytes", new Object[] {e.sourceBytes, r.sourceBytes});
    f.put("computeReadBytes", new Object[] {e.computeReadBytes, r.computeReadBytes});
    f.put("stagedBytes", new Object[] {e.stagedBytes, r.stagedBytes});
    for (var en : f.entrySet()) {
      Object[] v = en.getValue();
      if (!v[0].equals(v[1])) {
        return new Divergence(i, en.getKey(), String.valueOf(v[0]), String.valueOf(v[1]));
      }
    }
    return null;
  }

  /**
   * Each tier's resident keys. OPT may evict any of its residents never used again (the hits are the
   * same), so for OPT only the residents used after the {@code lookupsDone}-th lookup are compared,
   * and the counts.
   */
  static Divergence compareContents(int i, ResidencyTracker e, ReferenceHierarchy r, long[] optLookups, int lookupsDone) {
    for (int t = 0; t < r.tierCount(); t++) {
      TreeSet<Long> engineKeys = new TreeSet<>();
      for (long k : e.residentKeys(t)) {
        engineKeys.add(k);
      }
      TreeSet<Long> refKeys = r.residentKeys(t);
      if (optLookups != null) {
        if (engineKeys.size() != refKeys.size()) {
          return new Divergence(i, "resident unit count of tier " + t, "" + engineKeys.size(), "" + refKeys.size());
        }
        Set<Long> future = new HashSet<>();
        for (int j = lookupsDone; j < optLookups.length; j++) {
          future.add(optLookups[j]);
        }
        engineKeys.retainAll(future);
        refKeys.retainAll(future);
      }
      if (!engineKeys.equals(refKeys)) {
        return new Divergence(i, "resident keys of tier " + t, engineKeys.toString(), refKeys.toString());
      }
    }
    return null;
  }

  static Divergence compareTotals(int last, ResidencyTracker e, ReferenceHierarchy r) {
    try {
      e.checkInvariants();
    } catch (RuntimeException ex) {
      return new Divergence(last, "engine checkInvariants", ex.getMessage(), "holds");
    }
    r.checkInvariants();
    ResidencyResult res = e.result();
    Map<String, long[]> f = new LinkedHashMap<>();
    for (int t = 0; t < r.tierCount(); t++) {
      TierResult et = res.tiers().get(t);
      ReferenceHierarchy.TierTotals rt = r.totals(t);
      String p = "totals tiers[" + t + "].";
      f.put(p + "accesses", new long[] {et.accesses(), rt.accesses()});
      f.put(p + "hits", new long[] {et.hits(), rt.hits()});
      f.put(p + "misses", new long[] {et.misses(), rt.misses()});
      f.put(p + "bytes_read", new long[] {et.bytesRead(), rt.bytesRead()});
      f.put(p + "bytes_written", new long[] {et.bytesWritten(), rt.bytesWritten()});
      f.put(p + "insertions", new long[] {et.insertions(), rt.insertions()});
      f.put(p + "evictions", new long[] {et.evictions(), rt.evictions()});
      f.put(p + "evicted_unused", new long[] {et.evictedUnused(), rt.evictedUnused()});
    }
    f.put("totals source_reads", new long[] {res.sourceReads(), r.sourceReads});
    f.put("totals source_bytes", new long[] {res.sourceBytes(), r.sourceBytes});
    f.put("totals dropped_off_last_tier", new long[] {res.droppedOffLastTier(), r.droppedOffLastTier});
    f.put("totals input_blocks", new long[] {res.inputBlocks(), r.inputBlocks});
    f.put("totals input_block_hits", new long[] {res.inputBlockHits(), r.inputBlockHits});
    f.put("totals input_tokens", new long[] {res.inputTokens(), r.inputTokens});
    f.put("totals input_token_hits", new long[] {res.inputTokenHits(), r.inputTokenHits});
    f.put("totals placement_unit_bytes", new long[] {res.placementUnitBytes(), r.keyBytes});
    f.put("totals unit_bytes", new long[] {res.unitBytes(), r.unitBytes});
    for (var en : f.entrySet()) {
      long[] v = en.getValue();
      if (v[0] != v[1]) {
        return new Divergence(last, en.getKey(), "" + v[0], "" + v[1]);
      }
    }
    return null;
  }

  static String describe(Case c, Divergence d, int traceIndex) {
    StringBuilder s = new StringBuilder();
    s.append("engine and reference differ: seed ").append(c.seed());
    if (traceIndex >= 0) {
      s.append(" (trace ").append(traceIndex + 1).append(" of ").append(TRACES).append(")");
    }
    if (d.index() >= 0) {
      s.append(", access ").append(d.index()).append(" of ").append(c.trace().size()).append(": ")
          .append(c.trace().get(d.index()));
    }
    s.append("\n  field ").append(d.field()).append(": engine ").append(d.engine()).append(", reference ")
        .append(d.reference());
    s.append("\n  config: ").append(c.json());
    s.append("\n  accesses 0..").append(Math.max(d.index(), 0)).append(" (key op weight tokens flags):");
    for (int i = 0; i <= Math.max(d.index(), 0) && i < c.trace().size(); i++) {
      Access a = c.trace().get(i);
      s.append(i % 8 == 0 ? "\n    " : " | ").append(a.key()).append(' ').append(AccessOp.ofCode(a.op()))
          .append(' ').append(a.weight()).append(' ').append(a.tokens()).append(' ').append(a.flags());
    }
    s.append("\n  rerun: -Dkvflow.differential.seed=").append(c.seed());
    return s.toString();
  }

  // ---- the tests ----

  @Test
  void engineEqualsTheReferenceOnRandomTraces() {
    String only = System.getProperty("kvflow.differential.seed");
    if (Boolean.getBoolean("kvflow.differential.survey")) {
      survey();
      return;
    }
    long first = only != null ? Long.parseLong(only) : FIRST_SEED;
    int count = only != null ? 1 : TRACES;
    long accesses = 0;
    Set<String> configs = new HashSet<>();
    Coverage coverage = new Coverage();
    for (int i = 0; i < count; i++) {
      Case c = generate(first + i);
      coverage.config(c.config());
      Divergence d = replay(c, coverage);
      if (d != null) {
        Case small = shrink(c.with(c.trace().subList(0, Math.max(d.index(), 0) + 1)));
        fail(describe(c, d, only != null ? -1 : i) + "\nshrunk (accesses dropped while the two still differ):\n"
            + describe(small, replay(small), -1));
      }
      accesses += c.trace().size();
      configs.add(c.json());
    }
    System.out.println("residency differential: " + count + " traces, " + configs.size() + " distinct configurations, "
        + accesses + " accesses, engine = reference; paths taken: " + coverage.events);
    if (only == null) {
      assertTrue(configs.size() >= count * 99L / 100, "configurations repeat: " + configs.size() + " distinct");
      for (int t = 0; t < KINDS.length; t++) {
        for (PolicyKind k : PolicyKind.values()) {
          boolean expected = !k.offline() || t == 0;
          assertEquals(expected, coverage.tierPolicies.contains(t + ":" + k.jsonName()), "policy " + k + " in tier " + t);
        }
      }
      for (String event : new String[] {"lookup promoted from a lower tier", "lookup bypassed, served by a lower tier",
          "lookup of a new unit placed below", "new unit written through", "append promoted from a lower tier",
          "demotion cascade of 2+ units", "dropped off the hierarchy", "admission after_k", "placement block-layer"}) {
        assertTrue(coverage.events.getOrDefault(event, 0L) >= 100, "too few traces took the path: " + event);
      }
    }
  }

  /** Every seed; one shortest (shrunk) example per diverging field, printed; fails if any diverged. */
  private static void survey() {
    Map<String, String> examples = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    Map<String, Integer> shortest = new LinkedHashMap<>();
    for (int i = 0; i < TRACES; i++) {
      Case c = generate(FIRST_SEED + i);
      Divergence d = replay(c);
      if (d == null) {
        continue;
      }
      String kind = d.field().replaceAll("\\[\\d+\\]", "[t]");
      counts.merge(kind, 1, Integer::sum);
      Case small = shrink(c.with(c.trace().subList(0, Math.max(d.index(), 0) + 1)));
      Divergence sd = replay(small);
      if (sd != null && small.trace().size() < shortest.getOrDefault(kind, Integer.MAX_VALUE)) {
        shortest.put(kind, small.trace().size());
        examples.put(kind, describe(small, sd, -1));
      }
    }
    counts.forEach((k, n) -> System.out.println("DIVERGENCE " + k + ": " + n + " traces\n" + examples.get(k) + "\n"));
    if (!counts.isEmpty()) {
      fail("engine and reference differ on " + counts + " (traces by first diverging field)");
    }
  }

  /** Drops accesses one at a time while the two still differ (anywhere). */
  static Case shrink(Case c) {
    List<Access> t = new ArrayList<>(c.trace());
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = t.size() - 1; i >= 0; i--) {
        List<Access> fewer = new ArrayList<>(t);
        fewer.remove(i);
        if (!fewer.isEmpty() && replay(c.with(fewer)) != null) {
          t = fewer;
          progress = true;
        }
      }
    }
    Divergence d = replay(c.with(t));
    return c.with(new ArrayList<>(t.subList(0, Math.max(d.index(), 0) + 1)));
  }

  // ---- issue 12's reproductions on the engine ----

  static ResidencyTracker tracker(ReplayConfig c) {
    return engine(c, new long[0]);
  }

  @Test
  void inclusiveLruBelowAOneBlockTierSeesItsHits() {
    ReplayConfig c = TestConfigs.tiny("inclusive", TestConfigs.tier("hbm", 1, "lru", "\"always\""),
        TestConfigs.tier("dram", 2, "lru", "\"always\""));
    ResidencyTracker t = tracker(c);
    for (long k : new long[] {1, 2, 1, 3, 1}) {
      t.access(k, AccessOp.READ.code(), 1, 4, 0, 0, -1, 0);
    }
    assertEquals(2, t.results().get(1).hits());
  }

  @Test
  void fourOneTokenAppendsWriteOneBlock() {
    for (String first : new String[] {"\"always\"", "\"never\""}) {
      ReplayConfig c = TestConfigs.tiny("exclusive", TestConfigs.tier("hbm", 4, "lru", first),
          TestConfigs.tier("dram", 4, "lru", "\"always\""));
      ResidencyTracker t = tracker(c);
      for (int i = 0; i < 4; i++) {
        t.access(9, AccessOp.APPEND.code(), 2, 1, 0, 0, -1, 0);
      }
      long written = t.results().get(0).bytesWritten() + t.results().get(1).bytesWritten();
      assertEquals(128, written, "admission " + first);
    }
  }
}
