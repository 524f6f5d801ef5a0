package io.kvflow.engine.time;

import io.kvflow.engine.spec.TierConfig;
import io.kvflow.engine.spec.TimingSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The links of a timed hierarchy and the route each lower tier's data takes into the compute tier
 * (its own link, or the fewest hops through other tiers' links). A layer's bytes over a route are
 * issued in chunks (adjacent units coalesced up to {@code max_transfer_bytes}), each crossing the
 * route hop by hop; with a strided destination the last hop is followed by its link's scatter. At
 * the end every link must have carried exactly the bytes routed over it.
 */
final class LinkRoutes {
  private final Link[] links;
  private final int[] linkOfTier;
  /** The links a transfer that starts on link l crosses, in order (just l for a direct link). */
  private final int[][] routeFrom;
  /** Per link: bytes of the access outcomes whose route crosses it (what the link must carry by the end). */
  private final long[] routedBytes;
  private final long maxTransferBytes;
  private final TimedListener[] listeners;

  LinkRoutes(TimingSpec spec, List<TierConfig> tiers, TimedListener[] listeners) {
    this.listeners = listeners;
    this.maxTransferBytes = spec.maxTransferBytes();
    links = new Link[spec.hardware().links().size()];
    for (int i = 0; i < links.length; i++) {
      links[i] = new Link(spec.hardware().links().get(i));
    }
    routedBytes = new long[links.length];
    linkOfTier = new int[tiers.size()];
    Arrays.fill(linkOfTier, -1);
    routeFrom = new int[links.length][];
    String top = kind(tiers.get(0));
    Set<String> kinds = new HashSet<>();
    for (TierConfig tc : tiers) {
      kinds.add(kind(tc));
    }
    for (int t = 1; t < tiers.size(); t++) {
      int[] route = spec.hardware().route(kind(tiers.get(t)), top, kinds);
      if (route != null) {
        // a tier's transfers are kept under the first link of its route (its kind is that link's
        // source, so no other tier shares it) and cross every link of the route when issued
        linkOfTier[t] = route[0];
        routeFrom[route[0]] = route;
      }
    }
  }

  private static String kind(TierConfig tc) {
    return tc.tier().kind().name().toLowerCase(Locale.ROOT);
  }

  /** Number of links. */
  int count() {
    return links.length;
  }

  /** The first link of tier {@code tier}'s route into the compute tier (-1: none). */
  int linkOfTier(int tier) {
    return linkOfTier[tier];
  }

  /** Records {@code bytes} leaving a tier over the route that starts on link {@code l}. */
  void routed(int l, long bytes) {
    for (int hop : routeFrom[l]) {
      routedBytes[hop] += bytes;
    }
  }

  /** Number of transfers after coalescing {@code units} adjacent units of {@code bytes} in total. */
  long transfers(long bytes, long units) {
    long max = maxTransferBytes;
    return max > 0 ? Math.max(1, (bytes + max - 1) / max) : Math.max(1, units);
  }

  /**
   * Issues {@code bytes} in {@link #transfers} chunks over link {@code l}'s route at {@code at};
   * with {@code strided} (the layer's KV of several sequences, each its own chunk of the cache) each
   * chunk's last hop is followed by that link's scatter. Returns when the last chunk has arrived.
   */
  long issue(int l, long at, long bytes, long units, boolean strided) {
    long n = transfers(bytes, units);
    long each = bytes / n;
    long rest = bytes - each * n;
    long done = at;
    int[] route = routeFrom[l] != null ? routeFrom[l] : new int[] {l};
    for (long i = 0; i < n; i++) {
      long size = each + (i < rest ? 1 : 0);
      // hop by hop: a chunk enters the next link when it has crossed the previous one, so the
      // chunks of a multi-hop route pipeline through its bounce buffers
      long start = at;
      for (int h = 0; h < route.length; h++) {
        int hop = route[h];
        long scatterNs = strided && h == route.length - 1 ? links[hop].spec().scatterNs(size) : 0;
        long end = links[hop].transfer(start, size, scatterNs);
        for (TimedListener t : listeners) {
          t.transferTimed(hop, end - start);
        }
        start = end;
      }
      done = Math.max(done, start);
    }
    return done;
  }

  /** Checks that every link carried the bytes routed over it; returns each link's totals. */
  List<TimeResult.LinkResult> finish() {
    for (int i = 0; i < links.length; i++) {
      if (links[i].bytes() != routedBytes[i]) {
        throw new IllegalStateException("timing invariant broken: link " + links[i].spec().name() + " carried "
            + links[i].bytes() + " bytes of the " + routedBytes[i] + " that left the tiers it serves");
      }
    }
    List<TimeResult.LinkResult> lr = new ArrayList<>();
    for (Link l : links) {
      lr.add(new TimeResult.LinkResult(l.spec().name(), l.bytes(), l.transfers(), l.busyNs()));
    }
    return lr;
  }
}
