package io.kvflow.engine.sglang;

import java.util.Arrays;

/**
 * SGLang's radix cache with its HiCache host tier (python/sglang/srt/mem_cache/radix_cache.py and
 * hiradix_cache.py; docs/engines.md gives the version), on index arrays.
 *
 * <p>A node is a run of pages; its pages are slots linked in order, and every page is found by its
 * key in one map. Page keys chain (a key names its whole prefix), so the longest cached prefix is
 * the pages found before the first missing key, and the node a page belongs to is where a match
 * ends (split there when it ends inside). Per node: its parent, how many children it has and how
 * many of them are on the GPU, its lock count, its last use (a logical clock) and its creation
 * number (the tie-break), whether it is on the GPU and whether the host holds it. Two indexed heaps
 * keep the eviction candidates in least-recently-used order: unlocked GPU nodes none of whose
 * children is on the GPU (SGLang's evictable leaves), and host-only nodes without children (the
 * leaves {@code evict_host} may drop). Nothing is allocated per lookup.
 */
public final class RadixTree implements RadixCache {
  /** HiCache's {@code load_back_threshold}: fewer host tokens than this are recomputed, not loaded. */
  public static final int LOAD_BACK_THRESHOLD_TOKENS = 10;

  static final int ROOT = 0;
  private static final int NONE = -1;

  private final int pageTokens;
  private final int capacityPages;
  private final int hostCapacityPages;
  private final boolean writeThrough;
  private final boolean writeBack;

  // nodes
  private int[] parent = new int[64];
  private int[] childCount = new int[64];
  private int[] deviceChildCount = new int[64];
  private int[] lockRef = new int[64];
  private int[] firstSlot = new int[64];
  private int[] pageCount = new int[64];
  private int[] depth = new int[64];
  private long[] lastUse = new long[64];
  private long[] serial = new long[64];
  private boolean[] onDevice = new boolean[64];
  private boolean[] backed = new boolean[64];
  private int[] freeNodes = new int[64];
  private int freeNodeCount;
  private int nodeCount;
  private long serials;
  private long clock;

  private final PageIndex pages;

  private final LeafHeap deviceLeaves = new LeafHeap(this::before);
  private final LeafHeap hostLeaves = new LeafHeap(this::before);

  private int free;
  private int hostFree;
  private int evictable;
  private int protectedPages;
  private int[] path = new int[64];

  private int lastDevice = ROOT;
  private int lastHost = ROOT;
  private int hostHit;

  private long deviceEvicted;
  private long hostWritten;
  private long hostLoaded;
  private long hostEvicted;

  /**
   * @param capacityPages GPU pages
   * @param hostCapacityPages host-tier pages (0: no HiCache)
   * @param writeBack HiCache's write policy: write-back when true, write-through when false
   */
  public RadixTree(int pageTokens, int capacityPages, int hostCapacityPages, boolean writeBack) {
    if (pageTokens < 1 || capacityPages < 1 || hostCapacityPages < 0) {
      throw new IllegalArgumentException("page " + pageTokens + ", GPU " + capacityPages + ", host " + hostCapacityPages);
    }
    this.pageTokens = pageTokens;
    this.capacityPages = capacityPages;
    this.hostCapacityPages = hostCapacityPages;
    this.writeThrough = hostCapacityPages > 0 && !writeBack;
    this.writeBack = hostCapacityPages > 0 && writeBack;
    this.free = capacityPages;
    this.hostFree = hostCapacityPages;
    this.pages = new PageIndex(Math.min(capacityPages + hostCapacityPages, 1 << 20));
    int root = newNode();
    parent[root] = NONE;
    lockRef[root] = 1;
    onDevice[root] = true;
    backed[root] = true;
  }

  public int capacityPages() {
    return capacityPages;
  }

  @Override
  public int match(long[] keys, int maxPages) {
    clock++;
    hostHit = 0;
    int m = matchedPages(keys, maxPages);
    if (m == 0) {
      lastDevice = ROOT;
      lastHost = ROOT;
      return 0;
    }
    int end = endNode(keys, m);
    int len = pathTo(end);
    for (int i = 0; i < len; i++) {
      touch(path[i]);
    }
    int devicePages = 0;
    lastDevice = ROOT;
    for (int i = 0; i < len; i++) {
      int x = path[i];
      if (writeThrough && onDevice[x] && !backed[x]) {
        writeBackup(x);
      }
      if (onDevice[x]) {
        devicePages += pageCount[x];
        lastDevice = x;
      } else {
        hostHit += pageCount[x];
      }
    }
    lastHost = end;
    return devicePages;
  }

  @Override
  public int hostPages() {
    return hostHit;
  }

  @Override
  public int lastDeviceNode() {
    return lastDevice;
  }

  @Override
  public int lastHostNode() {
    return lastHost;
  }

  @Override
  public int loadBack(int hostNode) {
    int count = 0;
    int total = 0;
    int x = hostNode;
    while (!onDevice[x]) {
      growPath(count + 1);
      path[count++] = x;
      total += pageCount[x];
      x = parent[x];
    }
    int ancestor = x;
    lock(ancestor);
    if ((long) total * pageTokens < LOAD_BACK_THRESHOLD_TOKENS) {
      unlock(ancestor);
      return 0;
    }
    if (free < total) {
      evict(total);
    }
    if (free < total) {
      unlock(ancestor);
      return 0;
    }
    free -= total;
    hostLoaded += total;
    for (int i = count - 1; i >= 0; i--) {
      int y = path[i];
      onDevice[y] = true;
      deviceChildCount[parent[y]]++;
      evictable += pageCount[y];
      refresh(y);
      refresh(parent[y]);
    }
    unlock(ancestor);
    lastDevice = hostNode;
    return total;
  }

  @Override
  public void lock(int node) {
    for (int n = node; n != ROOT; n = parent[n]) {
      if (lockRef[n] == 0) {
        evictable -= pageCount[n];
        protectedPages += pageCount[n];
      }
      lockRef[n]++;
      refresh(n);
    }
  }

  @Override
  public void unlock(int node) {
    for (int n = node; n != ROOT; n = parent[n]) {
      if (lockRef[n] == 1) {
        evictable += pageCount[n];
        protectedPages -= pageCount[n];
      }
      lockRef[n]--;
      refresh(n);
    }
  }

  @Override
  public int insert(long[] keys, int pages) {
    clock++;
    if (pages == 0) {
      return 0;
    }
    int m = matchedPages(keys, pages);
    int end = m == 0 ? ROOT : endNode(keys, m);
    int len = pathTo(end);
    for (int i = 0; i < len; i++) {
      touch(path[i]);
    }
    int prefix = 0;
    for (int i = 0; i < len; i++) {
      int x = path[i];
      if (onDevice[x]) {
        prefix += pageCount[x];
        if (writeThrough && !backed[x]) {
          writeBackup(x);
        }
      } else {
        // a host-only node computed again takes the request's pages (SGLang: "change the reference")
        onDevice[x] = true;
        deviceChildCount[parent[x]]++;
        evictable += pageCount[x];
        refresh(x);
        refresh(parent[x]);
      }
    }
    if (m < pages) {
      int leaf = newNode();
      parent[leaf] = end;
      depth[leaf] = m;
      pageCount[leaf] = pages - m;
      onDevice[leaf] = true;
      lastUse[leaf] = clock;
      firstSlot[leaf] = this.pages.addChain(keys, m, pages, leaf);
      childCount[end]++;
      deviceChildCount[end]++;
      evictable += pages - m;
      refresh(leaf);
      refresh(end);
      if (writeThrough) {
        writeBackup(leaf);
      }
    }
    return prefix;
  }

  @Override
  public int evict(int pages) {
    int done = 0;
    while (done < pages && deviceLeaves.size() > 0) {
      int x = deviceLeaves.min();
      if (backed[x]) {
        done += evictBackedUp(x);
      } else if (writeBack && writeBackup(x) > 0) {
        done += evictBackedUp(x);
      } else {
        done += evictRegular(x);
      }
    }
    return done;
  }

  @Override
  public boolean ensureFree(int pages) {
    if (free < pages) {
      evict(pages - free);
    }
    return free >= pages;
  }

  @Override
  public void take(int pages) {
    if (pages > free) {
      throw new IllegalStateException("take " + pages + " pages with " + free + " free");
    }
    free -= pages;
  }

  @Override
  public void release(int pages) {
    free += pages;
    if (free > capacityPages) {
      throw new IllegalStateException("released past the capacity: " + free + " free of " + capacityPages);
    }
  }

  @Override
  public int freePages() {
    return free;
  }

  @Override
  public int evictablePages() {
    return evictable;
  }

  @Override
  public int protectedPages() {
    return protectedPages;
  }

  @Override
  public void counters(long[] out) {
    out[0] = deviceEvicted;
    out[1] = hostWritten;
    out[2] = hostLoaded;
    out[3] = hostEvicted;
  }

  /** Host pages in use. */
  public int hostPagesUsed() {
    return hostCapacityPages - hostFree;
  }

  /** Pages of the first {@code max} keys found in the tree, stopping at the first missing one. */
  private int matchedPages(long[] keys, int max) {
    int m = 0;
    while (m < max && pages.contains(keys[m])) {
      m++;
    }
    return m;
  }

  /** The node page {@code m - 1} of {@code keys} ends, split so that it ends there. */
  private int endNode(long[] keys, int m) {
    int n = pages.nodeOf(keys[m - 1]);
    int within = m - depth[n];
    return within < pageCount[n] ? split(n, within) : n;
  }

  /** SGLang's {@code _split_node}: a new node takes the first {@code k} pages of {@code n} and becomes its parent. */
  private int split(int n, int k) {
    int m = newNode();
    parent[m] = parent[n];
    depth[m] = depth[n];
    pageCount[m] = k;
    firstSlot[m] = firstSlot[n];
    firstSlot[n] = pages.splitChain(firstSlot[n], k, m);
    depth[n] += k;
    pageCount[n] -= k;
    lockRef[m] = lockRef[n];
    onDevice[m] = onDevice[n];
    backed[m] = backed[n];
    lastUse[m] = clock;
    childCount[m] = 1;
    deviceChildCount[m] = onDevice[n] ? 1 : 0;
    parent[n] = m;
    refresh(m);
    refresh(n);
    return m;
  }

  /** Writes {@code x} to the host tier, making room by {@code evict_host} when needed; returns the pages written. */
  private int writeBackup(int x) {
    int need = pageCount[x];
    if (hostFree < need) {
      evictHost(need);
    }
    if (hostFree < need) {
      return 0;
    }
    hostFree -= need;
    backed[x] = true;
    hostWritten += need;
    return need;
  }

  /**
   * HiCache's {@code evict_host}: drops host-only nodes without children, least recently used first,
   * until {@code pages} pages are free; a node of the latest lookup (used at the current clock) is
   * never dropped.
   */
  private void evictHost(int pages) {
    int done = 0;
    while (done < pages && hostLeaves.size() > 0) {
      int x = hostLeaves.min();
      if (lastUse[x] == clock) {
        return;
      }
      done += pageCount[x];
      hostFree += pageCount[x];
      hostEvicted += pageCount[x];
      unlinkNode(x);
    }
  }

  /** {@code _evict_backuped}: the GPU copy goes, the node stays on the host. */
  private int evictBackedUp(int x) {
    int pc = pageCount[x];
    onDevice[x] = false;
    free += pc;
    deviceEvicted += pc;
    evictable -= pc;
    deviceChildCount[parent[x]]--;
    refresh(x);
    refresh(parent[x]);
    return pc;
  }

  /** {@code _evict_regular}: a node the host does not hold leaves the tree (with any host-only nodes below it). */
  private int evictRegular(int x) {
    int pc = pageCount[x];
    if (childCount[x] > 0) {
      dropDescendants(x);
    }
    free += pc;
    deviceEvicted += pc;
    evictable -= pc;
    unlinkNode(x);
    return pc;
  }

  /** Removes every node below {@code x} (host-only ones; rare: a node the host could not take above ones it did). */
  private void dropDescendants(int x) {
    for (int n = 1; n < nodeCount && childCount[x] > 0; n++) {
      if (parent[n] == x && isLive(n)) {
        dropDescendants(n);
        hostFree += pageCount[n];
        hostEvicted += pageCount[n];
        unlinkNode(n);
      }
    }
  }

  private boolean isLive(int n) {
    return pageCount[n] > 0;
  }

  /** Takes a node without children out of the tree: its pages, its parent's counts, the heaps. */
  private void unlinkNode(int x) {
    pages.removeChain(firstSlot[x]);
    int p = parent[x];
    childCount[p]--;
    if (onDevice[x]) {
      deviceChildCount[p]--;
    }
    deviceLeaves.remove(x);
    hostLeaves.remove(x);
    pageCount[x] = 0;
    firstSlot[x] = NONE;
    parent[x] = NONE;
    freeNodes[freeNodeCount++] = x;
    refresh(p);
  }

  private void touch(int x) {
    lastUse[x] = clock;
    deviceLeaves.update(x);
    hostLeaves.update(x);
  }

  /** Puts {@code x} into the heaps whose rule it meets, out of the others. */
  private void refresh(int x) {
    if (x == ROOT) {
      return;
    }
    if (onDevice[x] && deviceChildCount[x] == 0 && lockRef[x] == 0) {
      deviceLeaves.add(x);
    } else {
      deviceLeaves.remove(x);
    }
    if (!onDevice[x] && childCount[x] == 0) {
      hostLeaves.add(x);
    } else {
      hostLeaves.remove(x);
    }
  }

  /** Fills {@link #path} with the nodes from the root's child down to {@code end}; returns how many. */
  private int pathTo(int end) {
    int len = 0;
    for (int n = end; n != ROOT; n = parent[n]) {
      len++;
    }
    growPath(len);
    int i = len;
    for (int n = end; n != ROOT; n = parent[n]) {
      path[--i] = n;
    }
    return len;
  }

  private void growPath(int len) {
    if (path.length < len) {
      path = Arrays.copyOf(path, Math.max(len, path.length * 2));
    }
  }

  private int newNode() {
    int n;
    if (freeNodeCount > 0) {
      n = freeNodes[--freeNodeCount];
    } else {
      n = nodeCount++;
      if (n == parent.length) {
        int c = n * 2;
        parent = Arrays.copyOf(parent, c);
        childCount = Arrays.copyOf(childCount, c);
        deviceChildCount = Arrays.copyOf(deviceChildCount, c);
        lockRef = Arrays.copyOf(lockRef, c);
        firstSlot = Arrays.copyOf(firstSlot, c);
        pageCount = Arrays.copyOf(pageCount, c);
        depth = Arrays.copyOf(depth, c);
        lastUse = Arrays.copyOf(lastUse, c);
        serial = Arrays.copyOf(serial, c);
        onDevice = Arrays.copyOf(onDevice, c);
        backed = Arrays.copyOf(backed, c);
        freeNodes = Arrays.copyOf(freeNodes, c);
        deviceLeaves.grow(c);
        hostLeaves.grow(c);
      }
    }
    childCount[n] = 0;
    deviceChildCount[n] = 0;
    lockRef[n] = 0;
    firstSlot[n] = NONE;
    pageCount[n] = 0;
    depth[n] = 0;
    lastUse[n] = clock;
    serial[n] = serials++;
    onDevice[n] = false;
    backed[n] = false;
    return n;
  }

  /**
   * Checks the tree's invariants (an end-of-run check): the counts of children and GPU children,
   * the evictable and protected pages, the host pages, the page map, the heaps' members, and that
   * a host-only node has no GPU node below it.
   */
  public void checkInvariants() {
    int[] children = new int[nodeCount];
    int[] deviceChildren = new int[nodeCount];
    long ev = 0;
    long prot = 0;
    long hostUsed = 0;
    long treePages = 0;
    for (int n = 1; n < nodeCount; n++) {
      if (!isLive(n)) {
        continue;
      }
      children[parent[n]]++;
      if (onDevice[n]) {
        deviceChildren[parent[n]]++;
        treePages += pageCount[n];
        if (lockRef[n] == 0) {
          ev += pageCount[n];
        } else {
          prot += pageCount[n];
        }
        if (!onDevice[parent[n]]) {
          throw new IllegalStateException("GPU node " + n + " below host-only node " + parent[n]);
        }
      } else if (!backed[n]) {
        throw new IllegalStateException("node " + n + " is neither on the GPU nor on the host");
      }
      if (backed[n]) {
        hostUsed += pageCount[n];
      }
      int linked = pages.checkChain(firstSlot[n], n);
      if (linked != pageCount[n]) {
        throw new IllegalStateException("node " + n + " links " + linked + " pages, counted " + pageCount[n]);
      }
      boolean dev = onDevice[n] && deviceChildCount[n] == 0 && lockRef[n] == 0;
      boolean host = !onDevice[n] && childCount[n] == 0;
      if (dev != deviceLeaves.contains(n) || host != hostLeaves.contains(n)) {
        throw new IllegalStateException("node " + n + " in the wrong eviction heaps");
      }
    }
    for (int n = 0; n < nodeCount; n++) {
      if ((n == ROOT || isLive(n)) && (children[n] != childCount[n] || deviceChildren[n] != deviceChildCount[n])) {
        throw new IllegalStateException("node " + n + " has " + children[n] + "/" + deviceChildren[n]
            + " children, counted " + childCount[n] + "/" + deviceChildCount[n]);
      }
    }
    if (ev != evictable || prot != protectedPages) {
      throw new IllegalStateException("evictable " + ev + " / protected " + prot + ", counted " + evictable + " / "
          + protectedPages);
    }
    if (hostUsed != hostCapacityPages - hostFree) {
      throw new IllegalStateException("host holds " + hostUsed + " pages, counted " + (hostCapacityPages - hostFree));
    }
    if (treePages + free > capacityPages) {
      throw new IllegalStateException("tree " + treePages + " + free " + free + " pages exceed " + capacityPages);
    }
  }

  /** GPU pages held by the tree. */
  public long treeDevicePages() {
    long t = 0;
    for (int n = 1; n < nodeCount; n++) {
      if (isLive(n) && onDevice[n]) {
        t += pageCount[n];
      }
    }
    return t;
  }

  /** Whether node {@code a} is less recently used than {@code b} (ties: the older node first). */
  private boolean before(int a, int b) {
    return lastUse[a] < lastUse[b] || (lastUse[a] == lastUse[b] && serial[a] < serial[b]);
  }
}
