"""Hardware profile of one GPU measured with engine-like kernels (issue 13, item 3): writes
OUT/profile.json (and OUT/allreduce.json through allreduce.py on 2 GPUs).

Sections (each point records its shape, M or T, bytes moved, FLOPs, median time and the
derived GB/s and TFLOP/s):
  gemm          F.linear(x[M,K], W[N,K]) for the layer GEMMs and lm_head of Llama-3-8B/70B
  decode_attn   SDPA decode (q [B,H,1,128], paged KV [B,S,8,128] viewed as [B,8,S,128], GQA)
  prefill_attn  SDPA causal prefill, batch 1, 32 query / 8 KV heads
  elementwise   RMSNorm, SiLU-and-mul, residual add, rotary, KV write (index_copy_ into a
                paged cache), embedding gather on [T, hidden]
  launch        1000 tiny kernels: eager CPU-bound, eager queued, one CUDA graph
  copies        pinned H2D/D2H contiguous; H2D into strided destinations; overlap with compute
  events        per-layer cross-stream event record + wait, eager and in a graph
  allreduce     NCCL all-reduce on 2 GPUs (subprocess, allreduce.py)
  kernels       torch.profiler: kernels behind each elementwise op and a strided copy

Usage: python3 benchmarks/gpu/engine_profile.py --out DIR [--quick] [--deadline-at EPOCH_S]
"""
import argparse
import math
import os
import signal
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_common as C  # noqa: E402
from engine_common import (BF16, DEV, SHAPES, bench, bench_graph, capture, err_text, log,  # noqa: E402
                           point_guard, rate, rnd, sync)

MiB = 1 << 20


def backends():
    from torch.nn.attention import SDPBackend
    return [("default", None), ("flash", SDPBackend.FLASH_ATTENTION),
            ("efficient", SDPBackend.EFFICIENT_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION)]


# ----------------------------------------------------------------------------------------------


def sec_gemm(run, a, sec):
    Ms = [1, 16, 256, 4096] if a.quick else [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
    sec["what"] = ("y = F.linear(x[M,K], W[N,K]) bf16; bytes = 2*(N*K + M*K + M*N); flops = 2*M*N*K; "
                   "weights rotated over copies totalling >= 512 MiB so that L2 (60 MB) never holds them; "
                   "median_us: event pair per call with the queue preloaded; graph_per_call_us: calls "
                   "captured back to back in one CUDA graph, replay time / calls")
    for shape in ("llama3-8b", "llama3-70b"):
        s = SHAPES[shape]
        for op, (K, N) in C.gemm_ops(s).items():
            wbytes = 2 * K * N
            ncopy = max(1, min(16, math.ceil(512 * MiB / wbytes)))
            Ws = [rnd((N, K), 0.02) for _ in range(ncopy)]
            for M in Ms:
                if not point_guard(run, sec, 60, "%s/%s/M=%d" % (shape, op, M)):
                    break
                x = rnd((M, K))
                r = bench(lambda i: F.linear(x, Ws[i % ncopy]), target_ms=30, lo=3, hi=25)
                byts = wbytes + 2 * M * K + 2 * M * N
                flops = 2 * M * N * K
                pt = dict(shape=shape, op=op, M=M, K=K, N=N, weight_bytes=wbytes, act_bytes=2 * M * K + 2 * M * N,
                          bytes=byts, flops=flops, weight_copies=ncopy, **r)
                pt.update(rate(byts, flops, r["median_us"]))
                pt["weight_GBps"] = round(wbytes / (r["median_us"] * 1e-6) / 1e9, 2)
                if M <= 64:
                    try:
                        ncalls = max(8, min(32, 2 * ncopy))
                        g, _ = capture(lambda: [F.linear(x, Ws[j % ncopy]) for j in range(ncalls)], warm=1)
                        gr = bench_graph(g, reps=8, per=ncalls)
                        pt["graph_per_call_us"] = gr["median_us"]
                        pt["graph_weight_GBps"] = round(wbytes / (gr["median_us"] * 1e-6) / 1e9, 2)
                        del g
                    except Exception as e:
                        pt["graph_error"] = err_text(e)
                sec["points"].append(pt)
                log("gemm %s %-7s M=%-5d %9.1f us %8.1f GB/s %7.1f TF/s %s" % (
                    shape, op, M, r["median_us"], pt.get("GBps", 0), pt.get("TFLOPs", 0),
                    ("graph %.1f us" % pt["graph_per_call_us"]) if "graph_per_call_us" in pt else ""))
                del x
            del Ws
            C.gc_cuda()
            run.save()


def sec_decode_attn(run, a, sec):
    if a.quick:
        grid = [(32, 1, 1024), (32, 8, 8192), (64, 1, 8192)]
    else:
        grid = [(32, 1, 1024), (32, 1, 8192), (32, 1, 32768), (32, 1, 131072), (32, 8, 8192), (32, 8, 32768),
                (32, 32, 4096), (32, 32, 32768), (32, 128, 4096), (32, 256, 1024), (32, 256, 4096),
                (64, 1, 8192), (64, 1, 32768), (64, 32, 4096), (64, 128, 4096)]
    sec["what"] = ("F.scaled_dot_product_attention(q[B,Hq,1,128], k, v, enable_gqa=True) with k/v views "
                   "[B,S,8,128]->[B,8,S,128] of a paged cache (engine layout); bytes = K+V read + q + out; "
                   "flops = 4*B*Hq*S*128; per backend (sdpa_kernel), 'default' = dispatcher's choice "
                   "(named in default_backend)")
    D, KVH = 128, 8
    for Hq, B, S in grid:
        if not point_guard(run, sec, 50, "Hq=%d B=%d S=%d" % (Hq, B, S)):
            break
        kvb = B * S * KVH * D * 2 * 2
        ncopy = max(1, min(64, math.ceil(256 * MiB / kvb)))
        ks = [rnd((B, S, KVH, D)).transpose(1, 2) for _ in range(ncopy)]
        vs = [rnd((B, S, KVH, D)).transpose(1, 2) for _ in range(ncopy)]
        q = rnd((B, 1, Hq, D)).transpose(1, 2)
        byts = kvb + 2 * 2 * B * Hq * D
        flops = 4 * B * Hq * S * D
        base = dict(q_heads=Hq, kv_heads=KVH, head_dim=D, B=B, S=S, kv_bytes=kvb, bytes=byts, flops=flops,
                    kv_copies=ncopy, default_backend=C.sdpa_choice(q, ks[0], vs[0], False))
        for name, be in backends():
            pt = dict(base, backend=name)
            try:
                r = bench(lambda i: C.sdpa(q, ks[i % ncopy], vs[i % ncopy], False, be), target_ms=30, lo=3, hi=25)
                pt.update(r)
                pt.update(rate(byts, flops, r["median_us"]))
            except Exception as e:
                pt["error"] = err_text(e)
            sec["points"].append(pt)
            log("decode_attn Hq=%d B=%-4d S=%-6d %-9s %s" % (
                Hq, B, S, name, ("%9.1f us %8.1f GB/s" % (pt["median_us"], pt["GBps"])) if "GBps" in pt
                else pt.get("error", "")))
        del ks, vs, q
        C.gc_cuda()
        run.save()


def sec_prefill_attn(run, a, sec):
    Ts = [512, 2048] if a.quick else [512, 1024, 2048, 4096, 8192, 16384, 32768]
    H, KVH, D = 32, 8, 128
    sec["what"] = ("causal SDPA, batch 1, q [1,32,T,128], k/v [1,8,T,128] (views of [1,T,heads,128]), "
                   "flops = 4*32*128*T*(T+1)/2")
    for T in Ts:
        if not point_guard(run, sec, 50, "T=%d" % T):
            break
        q = rnd((1, T, H, D)).transpose(1, 2)
        k = rnd((1, T, KVH, D)).transpose(1, 2)
        v = rnd((1, T, KVH, D)).transpose(1, 2)
        flops = 4 * H * D * T * (T + 1) // 2
        byts = 2 * T * D * (2 * H + 2 * KVH)
        base = dict(q_heads=H, kv_heads=KVH, head_dim=D, T=T, flops=flops, bytes=byts,
                    default_backend=C.sdpa_choice(q, k, v, True))
        for name, be in backends():
            pt = dict(base, backend=name)
            try:
                r = bench(lambda i: C.sdpa(q, k, v, True, be), target_ms=30, lo=3, hi=15)
                pt.update(r)
                pt.update(rate(byts, flops, r["median_us"]))
            except Exception as e:
                pt["error"] = err_text(e)
            sec["points"].append(pt)
            log("prefill_attn T=%-6d %-9s %s" % (T, name, ("%10.1f us %7.1f TF/s" % (pt["median_us"], pt["TFLOPs"]))
                                                 if "TFLOPs" in pt else pt.get("error", "")))
        del q, k, v
        C.gc_cuda()
        run.save()


def elementwise_ops(T, s, cache_slots):
    """Returns [(name, fn, min_bytes, torch_bytes_estimate, shape)] for T tokens of shape s."""
    hid, inter, H, KVH, D = s["hidden"], s["inter"], s["heads"], s["kv_heads"], s["head_dim"]
    x = rnd((T, hid))
    y = rnd((T, hid))
    w = 1.0 + rnd((hid,), 0.01)
    gu = rnd((T, 2 * inter))
    qkv = rnd((T, (H + 2 * KVH) * D))
    cos = rnd((T, 1, D))
    sin = rnd((T, 1, D))
    kc = rnd((cache_slots // 16, 16, KVH, D)).view(cache_slots, KVH, D)
    vc = rnd((cache_slots // 16, 16, KVH, D)).view(cache_slots, KVH, D)
    slots = torch.randperm(cache_slots, device=DEV)[:T].contiguous()
    emb = C.ELEM_EMB
    ids = torch.randint(0, emb.shape[0], (T,), device=DEV)
    qk = qkv[:, :(H + KVH) * D].view(T, H + KVH, D)
    k = qkv[:, H * D:(H + KVH) * D].view(T, KVH, D)
    v = qkv[:, (H + KVH) * D:].view(T, KVH, D)

    def kv_write():
        kc.index_copy_(0, slots, k)
        vc.index_copy_(0, slots, v)

    b = 2
    return [
        ("rms_norm", lambda: C.rms_norm(x, w), b * (2 * T * hid + hid), b * (2 * T * hid + hid), [T, hid]),
        ("silu_mul", lambda: C.silu_mul(gu, inter), b * 3 * T * inter, b * 5 * T * inter, [T, 2 * inter]),
        ("residual_add", lambda: x.add_(y), b * 3 * T * hid, b * 3 * T * hid, [T, hid]),
        ("rotary", lambda: C.rotary(qk, cos, sin), b * (2 * T * (H + KVH) * D + 2 * T * D),
         b * (8 * T * (H + KVH) * D + 4 * T * D), [T, H + KVH, D]),
        ("kv_write", kv_write, b * 4 * T * KVH * D + 8 * T, b * 4 * T * KVH * D + 8 * T, [T, KVH, D]),
        ("embedding", lambda: emb.index_select(0, ids), b * 2 * T * hid + 8 * T, b * 2 * T * hid + 8 * T, [T, hid]),
    ]


def sec_elementwise(run, a, sec):
    Ts = [1, 64, 4096] if a.quick else [1, 4, 16, 64, 256, 1024, 4096, 16384]
    s = SHAPES["llama3-8b"]
    sec["what"] = ("8B shape. bytes = each input read once and each output written once (what one fused "
                   "engine kernel moves); torch_bytes = estimate for the torch ops used (more kernels); "
                   "median_us = event pair per call, queue preloaded (GPU time of the op's kernels); "
                   "graph_per_call_us = 20 calls in one CUDA graph, replay / 20; kernel counts in 'kernels'")
    C.ELEM_EMB = rnd((s["vocab"], s["hidden"]), 0.02)
    for T in Ts:
        if not point_guard(run, sec, 40, "T=%d" % T):
            break
        ops = elementwise_ops(T, s, max(65536, 2 * T))
        for name, fn, byts, tbytes, shp in ops:
            pt = dict(op=name, T=T, shape=shp, bytes=byts, torch_bytes=tbytes)
            try:
                r = bench(lambda i: fn(), target_ms=10, lo=5, hi=50, preload_us_per_rep=40)
                pt.update(r)
                pt.update(rate(byts, None, r["median_us"]))
                ncalls = 20
                g, _ = capture(lambda: [fn() for _ in range(ncalls)], warm=1)
                gr = bench_graph(g, reps=8, per=ncalls)
                pt["graph_per_call_us"] = gr["median_us"]
                pt["graph_GBps"] = rate(byts, None, gr["median_us"]).get("GBps")
                del g
            except Exception as e:
                pt["error"] = err_text(e)
            sec["points"].append(pt)
            log("elementwise %-12s T=%-6d %8.2f us  graph %8.2f us  %8.1f GB/s" % (
                name, T, pt.get("median_us", -1), pt.get("graph_per_call_us", -1), pt.get("GBps", -1)))
        del ops
        C.gc_cuda()
        run.save()
    C.ELEM_EMB = None


def sec_launch(run, a, sec):
    N = 1000
    t = torch.zeros(1, device=DEV)

    def chain():
        for _ in range(N):
            t.add_(1.0)
        return t

    chain()
    sync()
    # eager, CPU-bound as issued from Python (nothing queued ahead)
    ev_ts, wall = [], []
    for _ in range(7):
        sync()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        w0 = time.perf_counter()
        s.record()
        chain()
        e.record()
        e.synchronize()
        wall.append((time.perf_counter() - w0) * 1e6 / N)
        ev_ts.append(s.elapsed_time(e) * 1e3 / N)
    sec["eager_cpu_bound_ns_per_kernel"] = round(sorted(ev_ts)[3] * 1e3, 1)
    sec["eager_wall_ns_per_kernel"] = round(sorted(wall)[3] * 1e3, 1)
    # eager, queue preloaded: GPU-side time per tiny kernel back to back (500 kernels per rep, one
    # rep per preload: the launch queue holds about a thousand entries)
    Nq = 500

    def chain_q(i):
        for _ in range(Nq):
            t.add_(1.0)

    r = C.bench_each(chain_q, reps=7, preload_us=Nq * 15.0)
    sec["eager_queued_ns_per_kernel"] = round(r["median_us"] * 1e3 / Nq, 1)
    # one CUDA graph of N kernels
    g, _ = capture(chain, warm=1)
    gr = bench_graph(g, reps=10, per=N)
    sec["graph_ns_per_kernel"] = round(gr["median_us"] * 1e3, 1)
    # graph of one tiny kernel: launch cost of a graph (GPU-side and CPU wall per replay)
    g1, _ = capture(lambda: t.add_(1.0), warm=1)
    gr1 = bench_graph(g1, reps=20, per=1)
    sec["graph_of_1_kernel_us"] = gr1["median_us"]
    sync()
    w0 = time.perf_counter()
    for _ in range(200):
        g1.replay()
    wall_issue = (time.perf_counter() - w0) * 1e6 / 200
    sync()
    sec["graph_replay_cpu_issue_us"] = round(wall_issue, 2)
    sec["what"] = ("N=1000 dependent 1-element adds. eager_cpu_bound: events around the Python loop, nothing "
                   "queued ahead (what an eager engine sees); eager_queued: queue preloaded (GPU time per "
                   "kernel); graph: one CUDA graph of the 1000 kernels, replay / 1000")
    log("launch: eager cpu-bound %.0f ns, eager queued %.0f ns, graph %.0f ns per kernel; graph of 1 kernel %.1f us"
        % (sec["eager_cpu_bound_ns_per_kernel"], sec["eager_queued_ns_per_kernel"], sec["graph_ns_per_kernel"],
           sec["graph_of_1_kernel_us"]))
    del g, g1


def alloc_stats():
    st = torch.cuda.memory_stats()
    return st.get("allocated_bytes.all.allocated", 0), st.get("allocation.all.allocated", 0)


def sec_copies(run, a, sec):
    sizes = [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20] if a.quick else \
        [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20, 1 << 30]
    big = sizes[-1]
    host = torch.empty(big, dtype=torch.uint8, pin_memory=True)
    host2 = torch.empty(big, dtype=torch.uint8, pin_memory=True)
    dev = torch.empty(big, dtype=torch.uint8, device=DEV)
    dev.random_(0, 255)
    host.copy_(dev)
    sync()
    cont = sec["contiguous"] = []
    for n in sizes:
        if not point_guard(run, sec, 30, "contiguous %d" % n):
            break
        pt = {"bytes": n}
        r = bench(lambda i: dev[:n].copy_(host[:n], non_blocking=True), target_ms=40, lo=5, hi=30)
        pt["h2d_us"] = r["median_us"]
        pt["h2d_GBps"] = rate(n, None, r["median_us"])["GBps"]
        r = bench(lambda i: host2[:n].copy_(dev[:n], non_blocking=True), target_ms=40, lo=5, hi=30)
        pt["d2h_us"] = r["median_us"]
        pt["d2h_GBps"] = rate(n, None, r["median_us"])["GBps"]
        cont.append(pt)
        log("copy %10d B  h2d %9.1f us %6.1f GB/s  d2h %9.1f us %6.1f GB/s" % (
            n, pt["h2d_us"], pt["h2d_GBps"], pt["d2h_us"], pt["d2h_GBps"]))
    run.save()

    # ---- strided destinations: one layer's K of a [blocks, 16, layers, 8, 128] cache
    LAY, KVH, D = 32, 8, 128
    nbs = [2, 8, 32, 128, 512] if a.quick else [2, 8, 32, 128, 512, 2048, 8192]
    nbmax = nbs[-1]
    cache = torch.empty((nbmax, 16, LAY, KVH, D), dtype=BF16, device=DEV)
    paged = torch.empty((2 * nbmax, 16, KVH, D), dtype=BF16, device=DEV)
    hsrc = torch.empty((nbmax, 16, KVH, D), dtype=BF16, pin_memory=True)
    hdst = torch.empty((nbmax, 16, KVH, D), dtype=BF16, pin_memory=True)
    tmp = rnd((nbmax, 16, KVH, D))
    hsrc.copy_(tmp)
    sync()
    del tmp
    strided = sec["strided"] = []
    sec["strided_what"] = ("dst = cache[:nb, :, 3] of a [blocks,16,32 layers,8,128] bf16 cache: nb*16 chunks "
                           "of 2 KiB, 64 KiB apart. h2d_strided_us: dst.copy_(pinned, non_blocking=True) as "
                           "torch does it (staged: torch allocated a device temporary, i.e. contiguous H2D + "
                           "device scatter kernel); explicit: H2D into a contiguous staging buffer "
                           "(staging_h2d_us) + dst.copy_(staging) (scatter_us); paged_index_copy_us: staging "
                           "scattered to random whole blocks of a [blocks,16,8,128] cache with index_copy_; "
                           "d2h_strided_us: the reverse copy from the strided view to pinned memory")
    for nb in nbs:
        if not point_guard(run, sec, 30, "strided nb=%d" % nb):
            break
        n = nb * 16 * KVH * D * 2
        dst = cache[:nb, :, 3]
        src = hsrc[:nb]
        pt = {"blocks": nb, "bytes": n, "chunk_bytes": KVH * D * 2, "chunk_stride_bytes": LAY * KVH * D * 2}
        sync()
        b0, n0 = alloc_stats()
        dst.copy_(src, non_blocking=True)
        sync()
        b1, n1 = alloc_stats()
        pt["staged"] = bool(n1 > n0)
        pt["temp_bytes_allocated"] = b1 - b0
        r = bench(lambda i: dst.copy_(src, non_blocking=True), target_ms=30, lo=5, hi=25)
        pt["h2d_strided_us"] = r["median_us"]
        pt["h2d_strided_GBps"] = rate(n, None, r["median_us"])["GBps"]
        staging = torch.empty((nb, 16, KVH, D), dtype=BF16, device=DEV)
        r = bench(lambda i: staging.copy_(src, non_blocking=True), target_ms=30, lo=5, hi=25)
        pt["staging_h2d_us"] = r["median_us"]
        r = bench(lambda i: dst.copy_(staging), target_ms=30, lo=5, hi=25)
        pt["scatter_us"] = r["median_us"]
        pt["scatter_GBps_read_plus_write"] = rate(2 * n, None, r["median_us"])["GBps"]
        ids = torch.randperm(2 * nbmax, device=DEV)[:nb].contiguous()
        r = bench(lambda i: paged.index_copy_(0, ids, staging), target_ms=30, lo=5, hi=25)
        pt["paged_index_copy_us"] = r["median_us"]
        sync()
        b0, n0 = alloc_stats()
        hdst[:nb].copy_(dst, non_blocking=True)
        sync()
        b1, n1 = alloc_stats()
        pt["d2h_staged"] = bool(n1 > n0)
        r = bench(lambda i: hdst[:nb].copy_(dst, non_blocking=True), target_ms=30, lo=5, hi=25)
        pt["d2h_strided_us"] = r["median_us"]
        strided.append(pt)
        log("strided nb=%-5d %9d B staged=%s h2d_strided %8.1f us (staging h2d %8.1f + scatter %6.1f; paged "
            "index_copy %6.1f) d2h_strided %8.1f us" % (nb, n, pt["staged"], pt["h2d_strided_us"],
                                                         pt["staging_h2d_us"], pt["scatter_us"],
                                                         pt["paged_index_copy_us"], pt["d2h_strided_us"]))
        del staging, ids
    run.save()

    # ---- overlap of a copy (copy stream) with compute (current stream)
    cs = torch.cuda.Stream()
    ov = sec["overlap"] = []
    s8 = SHAPES["llama3-8b"]
    K, N = C.gemm_ops(s8)["gate_up"]
    Mx = 2048 if a.quick else 8192
    xg = rnd((Mx, K))
    Wg = rnd((N, K), 0.02)
    reps_g = 1 if a.quick else 8
    nb_at = nbs[-1]
    kv_ab = rnd((32, 8192 if a.quick else 16384, 8, 128)).transpose(1, 2)
    kv_bb = rnd((32, 8192 if a.quick else 16384, 8, 128)).transpose(1, 2)
    qa = rnd((32, 1, 32, 128)).transpose(1, 2)

    def gemm_loop():
        for _ in range(reps_g):
            F.linear(xg, Wg)

    def attn_loop():
        for _ in range(10):
            C.sdpa(qa, kv_ab, kv_bb, False)

    hbig = host[:big]
    dbig = dev[:big]
    n_at = nb_at * 16 * KVH * D * 2
    copies = {
        "h2d_contiguous_%d" % big: (lambda: dbig.copy_(hbig, non_blocking=True), big),
        "d2h_contiguous_%d" % big: (lambda: host2[:big].copy_(dbig, non_blocking=True), big),
        "h2d_strided_%d" % n_at: (lambda: cache[:nb_at, :, 3].copy_(hsrc[:nb_at], non_blocking=True), n_at),
    }
    partners = {"gemm_8b_gate_up_M%d_x%d" % (Mx, reps_g): gemm_loop,
                "decode_attn_B32_S%d_x10" % kv_ab.shape[2]: attn_loop}
    for pname, pfn in partners.items():
        t_p = bench(lambda i: pfn(), target_ms=100, lo=3, hi=5)["median_us"]
        for cname, (cfn, nbytes) in copies.items():
            if not point_guard(run, sec, 30, "overlap %s %s" % (pname, cname)):
                break
            t_c = bench(lambda i: cfn(), target_ms=100, lo=3, hi=5)["median_us"]

            def both(i):
                cur = torch.cuda.current_stream()
                cs.wait_stream(cur)
                with torch.cuda.stream(cs):
                    cfn()
                pfn()
                cur.wait_stream(cs)

            t_b = bench(both, target_ms=100, lo=3, hi=5)["median_us"]
            pt = {"compute": pname, "copy": cname, "copy_bytes": nbytes, "compute_us": t_p, "copy_us": t_c,
                  "both_us": t_b,
                  "overlap_fraction": round((t_p + t_c - t_b) / max(1e-9, min(t_p, t_c)), 3),
                  "slowdown_vs_longer": round(t_b / max(t_p, t_c), 3)}
            ov.append(pt)
            log("overlap %-28s + %-26s compute %8.1f us copy %8.1f us both %8.1f us overlap %.2f" % (
                pname, cname, t_p, t_c, t_b, pt["overlap_fraction"]))
    sec["overlap_what"] = ("copy on a second stream while compute runs on the current one; overlap_fraction = "
                           "(compute + copy - both) / min(compute, copy): 1 = fully hidden, 0 = serial")
    del host, host2, dev, cache, paged, hsrc, hdst, xg, Wg, kv_ab, kv_bb


def sec_events(run, a, sec):
    L, per_layer = 32, 5
    A = torch.zeros(1024, device=DEV)
    Bt = torch.zeros(1024, device=DEV)
    cs = torch.cuda.Stream()
    evs = [torch.cuda.Event() for _ in range(L)]
    hsmall = torch.empty(32768, dtype=torch.float32, pin_memory=True)  # 128 KiB
    dsmall = torch.empty(32768, dtype=torch.float32, device=DEV)

    def layer_work():
        for _ in range(per_layer):
            A.add_(1.0)

    def v_base():
        for _ in range(L):
            layer_work()

    def v_wait(copy):
        def f():
            cur = torch.cuda.current_stream()
            cs.wait_stream(cur)  # fork (needed in a graph)
            for l in range(L):
                with torch.cuda.stream(cs):
                    if copy:
                        dsmall.copy_(hsmall, non_blocking=True)
                    else:
                        Bt.add_(1.0)
                    evs[l].record(cs)
                cur.wait_event(evs[l])
                layer_work()
            cur.wait_stream(cs)  # join
        return f

    def v_same_stream_copy():
        for _ in range(L):
            dsmall.copy_(hsmall, non_blocking=True)
            layer_work()

    def v_side_kernel_nowait():
        cur = torch.cuda.current_stream()
        cs.wait_stream(cur)
        for _ in range(L):
            with torch.cuda.stream(cs):
                Bt.add_(1.0)
            layer_work()
        cur.wait_stream(cs)

    variants = {"base": v_base, "side_kernel_no_wait": v_side_kernel_nowait,
                "side_kernel_event_wait": v_wait(False), "side_copy_128KiB_event_wait": v_wait(True),
                "same_stream_copy_128KiB": v_same_stream_copy}
    res = sec["variants"] = {}
    for name, fn in variants.items():
        d = {}
        fn()
        sync()
        ts = []
        for _ in range(7):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            fn()
            e.record()
            e.synchronize()
            ts.append(s.elapsed_time(e) * 1e3)
        d["eager_cpu_bound_us"] = round(sorted(ts)[3], 2)
        d["eager_queued_us"] = C.bench_each(lambda i: fn(), reps=7, preload_us=L * 120.0)["median_us"]
        try:
            g, _ = capture(fn, warm=1)
            d["graph_us"] = bench_graph(g, reps=10)["median_us"]
            del g
        except Exception as e:
            d["graph_error"] = err_text(e)
        res[name] = d
        log("events %-28s %s" % (name, d))
    b = res["base"]
    for name in ("side_kernel_event_wait", "side_copy_128KiB_event_wait"):
        for mode in ("eager_cpu_bound_us", "eager_queued_us", "graph_us"):
            if mode in res.get(name, {}) and mode in b:
                sec.setdefault("extra_ns_per_layer_wait", {})["%s/%s" % (name, mode)] = \
                    round((res[name][mode] - b[mode]) * 1e3 / L, 1)
    sec["what"] = ("32 'layers' of 5 tiny kernels on the compute stream; variants add per layer a tiny kernel "
                   "or a 128 KiB pinned H2D copy on a second stream, an event recorded there and waited on "
                   "by the compute stream. extra_ns_per_layer_wait = (variant - base) / 32")
    log("events extra ns per layer: %s" % sec.get("extra_ns_per_layer_wait"))


def sec_allreduce(run, a, sec):
    here = os.path.dirname(os.path.abspath(__file__))
    outp = os.path.join(a.out, "allreduce.json")
    env = dict(os.environ, NCCL_NVLS_ENABLE="0", TORCH_SYMM_MEM_DISABLE_MULTICAST="1", NVSHMEM_DISABLE_NVLS="1",
               NCCL_DEBUG="INFO", NCCL_DEBUG_SUBSYS="INIT,GRAPH", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, os.path.join(here, "allreduce.py"), "--out", outp] + (["--quick"] if a.quick else [])
    timeout = min(100 if a.quick else 150, max(20, run.left() - 30))
    sec["command"] = " ".join(cmd)
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        sec["returncode"] = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # the process group this call started
        except Exception:
            pass
        out, _ = p.communicate()
        sec["returncode"] = "timeout after %d s" % timeout
    lines = out.splitlines()
    keep = [ln for ln in lines if "NCCL INFO" not in ln]
    nccl = [ln for ln in lines if "NCCL INFO" in ln and any(w in ln for w in ("via", "NVLS", "Channel 00", "version",
                                                                            "P2P", "comm 0x", "Trees", "NVL"))]
    sec["output_tail"] = "\n".join(keep[-40:])[-4000:]
    sec["nccl_info"] = nccl[:40]
    for ln in keep[-60:]:
        log("allreduce| " + ln)
    try:
        import json
        with open(outp) as f:
            sec["result"] = json.load(f)
    except Exception as e:
        sec["result_error"] = err_text(e)


def sec_kernels(run, a, sec):
    """Which kernels (and copies) each op launches, from torch.profiler; run last (CUPTI stays loaded)."""
    from torch.profiler import ProfilerActivity, profile
    s = SHAPES["llama3-8b"]
    C.ELEM_EMB = rnd((s["vocab"], s["hidden"]), 0.02)
    items = [(name, fn) for name, fn, _, _, _ in elementwise_ops(16, s, 65536)]
    cache = torch.empty((64, 16, 32, 8, 128), dtype=BF16, device=DEV)
    hsrc = torch.empty((64, 16, 8, 128), dtype=BF16, pin_memory=True)
    items.append(("h2d_strided_64_blocks", lambda: cache[:, :, 3].copy_(hsrc, non_blocking=True)))
    hdst = torch.empty((64, 16, 8, 128), dtype=BF16, pin_memory=True)
    items.append(("d2h_strided_64_blocks", lambda: hdst.copy_(cache[:, :, 3], non_blocking=True)))
    q = rnd((1, 1, 32, 128)).transpose(1, 2)
    kk = rnd((1, 4096, 8, 128)).transpose(1, 2)
    vv = rnd((1, 4096, 8, 128)).transpose(1, 2)
    items.append(("decode_sdpa_B1_S4096", lambda: C.sdpa(q, kk, vv, False)))
    qp = rnd((1, 2048, 32, 128)).transpose(1, 2)
    kp = rnd((1, 2048, 8, 128)).transpose(1, 2)
    items.append(("prefill_sdpa_T2048", lambda: C.sdpa(qp, kp, kp, True)))
    for name, fn in items:
        fn()
    sync()
    res = sec["ops"] = {}
    for name, fn in items:
        try:
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                fn()
                sync()
            names = [e.name for e in prof.events() if str(getattr(e, "device_type", "")).endswith("CUDA")]
            res[name] = {"kernels": len([n for n in names if not n.startswith(("Memcpy", "Memset"))]),
                         "memcpy": len([n for n in names if n.startswith("Memcpy")]),
                         "names": [n[:120] for n in names][:20]}
        except Exception as e:
            res[name] = {"error": err_text(e)}
        log("kernels %-24s %s" % (name, res[name]))
    C.ELEM_EMB = None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--deadline-at", type=float, default=None, help="epoch seconds by which to stop")
    p.add_argument("--budget-s", type=float, default=None)
    p.add_argument("--sections", default="gemm,decode_attn,prefill_attn,elementwise,launch,copies,events,"
                                         "allreduce,kernels")
    a = p.parse_args()
    run = C.Run(a.out, a.deadline_at, a.budget_s)
    torch.cuda.set_device(0)
    torch.backends.cuda.matmul.allow_tf32 = False
    m = C.meta()
    m["script"] = "benchmarks/gpu/engine_profile.py" + (" --quick" if a.quick else "")
    d = run.new_doc("profile", m)
    log("profile: %s, torch %s, cuda %s, %d GPUs" % (m["gpu"], m["torch"], m["cuda"], m["gpu_count"]))
    fns = {"gemm": sec_gemm, "decode_attn": sec_decode_attn, "prefill_attn": sec_prefill_attn,
           "elementwise": sec_elementwise, "launch": sec_launch, "copies": sec_copies, "events": sec_events,
           "allreduce": sec_allreduce, "kernels": sec_kernels}
    for name in a.sections.split(","):
        C.section(run, "profile", name, lambda sec, f=fns[name]: f(run, a, sec),
                  min_left_s=25 if name != "kernels" else 10)
    d["meta"]["nvidia_smi_end"] = C.smi_clocks()
    d["meta"]["wall_s"] = round(run.elapsed(), 1)
    run.save()
    log("profile done in %.1f s" % run.elapsed())


if __name__ == "__main__":
    main()
