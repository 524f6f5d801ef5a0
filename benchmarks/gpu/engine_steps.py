"""Validation grid of whole engine-like steps on one GPU (issue 13, item 3): writes OUT/steps.json.

Each layer is the real op sequence of a Llama-3 decoder layer as an engine runs it with torch ops
(engine_common.Model.layer): RMSNorm, QKV GEMM, rotary, K/V write into a paged cache (index_copy_),
SDPA attention over the sequence's cached K/V (GQA), O GEMM, residual add, RMSNorm, gate_up GEMM,
SiLU-and-mul, down GEMM, residual add. A step embeds the tokens (gather), runs the layers, then a
final RMSNorm and lm_head on one row per sequence.

Sections:
  decode_graph   Llama-3-8B, 32 layers, decode (1 token per sequence) in a CUDA graph, batch x context
                 grid; two points also eager
  slice70        8 layers of the Llama-3-70B shape, decode in a CUDA graph (no embedding / lm_head)
  prefill        Llama-3-8B, batch 1, causal prefill of the whole prompt in one step, eager
  offload        Llama-3-8B decode, a fraction f of every layer's context (oldest tokens) in pinned
                 host memory, copied into the layer's cache region every step: sync (compute stream,
                 at the layer's start), layer_ahead (copy stream, layer l+1 issued when layer l starts,
                 event wait before attention; layer 0 issued at the step's start), layer_ahead_xstep
                 (layer 0 of the next step issued when the last layer starts). Eager, and in a CUDA
                 graph where capture works
  kernels        torch.profiler count of kernels in one eager decode step

Round 2 (--sections round2; held-out points the first grid did not have, nothing fitted to them):
  decode_models     Mistral-7B and Qwen2.5-7B shapes (all layers, lm_head), decode in a CUDA graph
  decode_graph_r2   more Llama-3-8B decode points in a CUDA graph
  offload_balanced  Llama-3-8B 1 x 32K, f = 0.02 / 0.05 / 0.1 offloaded (copy ~ compute), as offload
  prefill_r2        Llama-3-8B prefill of 3K, 6K, 12K tokens, eager

Usage: python3 benchmarks/gpu/engine_steps.py --out DIR [--quick] [--deadline-at EPOCH_S] [--sections A,B]
       [--name NAME]   (writes DIR/NAME.json, default steps)
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_common as C  # noqa: E402
from engine_common import (SHAPES, bench, bench_graph, capture, err_text, forward, log, point_guard,  # noqa: E402
                           sync)

GB = 1e9


def step_bytes(m, B, S, Tq=1, lm=True):
    s = m.s
    kv_read = m.L * B * S * C.kv_bytes_per_token_layer(s)
    lm_b = 2 * s["hidden"] * s["vocab"] if (lm and m.lm is not None) else 0
    lin_flops = 2 * B * Tq * (m.weight_bytes // 2) + (2 * B * s["hidden"] * s["vocab"] if lm_b else 0)
    attn_flops = m.L * B * 4 * s["heads"] * s["head_dim"] * (S if Tq == 1 else S * (S + 1) // 2)
    return {"weight_bytes": m.weight_bytes + lm_b, "kv_read_bytes": kv_read, "linear_flops": lin_flops,
            "attn_flops": attn_flops}


def graph_point(run, m, sec, B, S, reps, label=None):
    st = C.KVState(m, B, S)
    try:
        t0 = time.time()
        g, out = capture(lambda: forward(m, st), warm=2)
        cap_s = time.time() - t0
        r = bench_graph(g, reps=reps)
        r2 = bench_graph(g, reps=reps, warm=0)  # the same again: its spread is the noise
        pt = dict(B=B, S=S, mode="graph", step_ms=round(r["median_us"] / 1e3, 4),
                  step_ms_repeat=round(r2["median_us"] / 1e3, 4),
                  min_ms=round(r["min_us"] / 1e3, 4), max_ms=round(r["max_us"] / 1e3, 4), reps=r["reps"],
                  capture_s=round(cap_s, 2), **step_bytes(m, B, S))
        if m.L != m.s["layers"]:
            pt["per_layer_ms"] = round(pt["step_ms"] / m.L, 5)
        del g, out
    finally:
        del st
        C.gc_cuda()
    return pt


def eager_point(m, B, S, reps):
    st = C.KVState(m, B, S)
    try:
        r = bench(lambda i: forward(m, st), target_ms=200, lo=reps, hi=reps, warmup=2, preload_us_per_rep=0)
        pt = dict(B=B, S=S, mode="eager", step_ms=round(r["median_us"] / 1e3, 4),
                  min_ms=round(r["min_us"] / 1e3, 4), max_ms=round(r["max_us"] / 1e3, 4), reps=r["reps"],
                  **step_bytes(m, B, S))
        w0 = time.perf_counter()
        for _ in range(3):
            forward(m, st)
        sync()
        pt["wall_ms_per_step"] = round((time.perf_counter() - w0) * 1e3 / 3, 4)
    finally:
        del st
        C.gc_cuda()
    return pt


def decode_grid(run, sec, m, grid, eager, tag):
    """Decode steps of model m in a CUDA graph for each (B, S) of grid, then eagerly for each of eager."""
    preset = C.PRESET[m.shape]
    for B, S in grid:
        if not point_guard(run, sec, 40, "B=%d S=%d" % (B, S)):
            break
        try:
            pt = graph_point(run, m, sec, B, S, reps=15 if B * S <= 65536 else 10)
        except Exception as e:
            pt = dict(B=B, S=S, mode="graph", error=err_text(e))
            C.gc_cuda()
        pt.update(model=preset, layers=m.L)
        sec["points"].append(pt)
        log("decode %s graph B=%-4d S=%-6d %s" % (tag, B, S, ("%8.3f ms" % pt["step_ms"]) if "step_ms" in pt
                                                  else pt.get("error")))
        run.save()
    for B, S in eager:
        if not point_guard(run, sec, 40, "eager B=%d S=%d" % (B, S)):
            break
        try:
            pt = eager_point(m, B, S, reps=10)
        except Exception as e:
            pt = dict(B=B, S=S, mode="eager", error=err_text(e))
            C.gc_cuda()
        pt.update(model=preset, layers=m.L)
        sec["points"].append(pt)
        log("decode %s eager B=%-4d S=%-6d %s" % (tag, B, S, ("%8.3f ms (wall %.3f)" % (pt["step_ms"], pt["wall_ms_per_step"]))
                                                  if "step_ms" in pt else pt.get("error")))
        run.save()


def sec_decode_graph(run, a, sec, m):
    if a.quick:
        grid, eager = [(1, 1024), (64, 2048)], [(1, 1024)]
    else:
        grid = [(1, 1024), (1, 8192), (1, 32768), (1, 131072), (4, 32768), (16, 8192), (32, 16384), (64, 4096),
                (128, 2048), (256, 1024), (256, 2048), (8, 8192), (64, 1024)]
        eager = [(1, 8192), (64, 4096)]
    sec["what"] = ("Llama-3-8B, %d layers, one decode step (1 new token per sequence, context S including it), "
                   "CUDA graph replay (median of reps); eager = same step issued op by op from Python"
                   % m.L)
    decode_grid(run, sec, m, grid, eager, "8B")


def sec_decode_graph_r2(run, a, sec, m):
    """Round 2: Llama-3-8B decode points in a graph that the first grid did not have."""
    grid = [(2, 4096)] if a.quick else [(2, 65536), (8, 32768), (16, 32768), (128, 1024), (32, 4096)]
    sec["what"] = ("round 2 (held out): Llama-3-8B, %d layers, one decode step in a CUDA graph (as decode_graph), "
                   "batch x context points not in the first grid" % m.L)
    decode_grid(run, sec, m, grid, [], "8B")


def sec_decode_models(run, a, sec):
    """Round 2: decode in a graph for model shapes other than Llama-3-8B (all layers, lm_head)."""
    grid = [(1, 1024), (8, 2048)] if a.quick else [(1, 4096), (8, 16384), (64, 2048), (256, 1024)]
    sec["what"] = ("round 2 (held out): Mistral-7B (vocab 32000) and Qwen2.5-7B (hidden 3584, 28 q / 4 KV heads, "
                   "intermediate 18944, vocab 152064, 28 layers; QKV biases left out) shapes, all layers, one "
                   "decode step in a CUDA graph with embedding, final norm and lm_head (as decode_graph)")
    sec["models"] = {}
    for shape in ("mistral-7b", "qwen2.5-7b"):
        if not point_guard(run, sec, 40, shape):
            break
        t0 = time.time()
        m = C.Model(shape, SHAPES[shape]["layers"], max_pos=16384 + 64)
        sync()
        info = dict(alloc_s=round(time.time() - t0, 2), weight_bytes_layers=m.weight_bytes,
                    lm_head_bytes=2 * m.s["hidden"] * m.s["vocab"], shape=dict(m.s))
        st = C.KVState(m, 1, 1024)
        info["sdpa_backend_decode"] = C.sdpa_choice(
            torch.empty(1, m.H, 1, m.D, device=C.DEV, dtype=C.BF16),
            st.kc[0].view(1, 1024, m.KVH, m.D).transpose(1, 2), st.vc[0].view(1, 1024, m.KVH, m.D).transpose(1, 2),
            False)
        del st
        sec["models"][C.PRESET[shape]] = info
        log("steps: %s weights allocated (%.1f GB) in %.1f s; decode SDPA backend %s" % (
            shape, m.weight_bytes / 1e9, info["alloc_s"], info["sdpa_backend_decode"]))
        try:
            decode_grid(run, sec, m, grid, [], shape)
        finally:
            del m
            C.gc_cuda()


def sec_slice70(run, a, sec):
    L = 2 if a.quick else 8
    m = C.Model("llama3-70b", L, embed=False, lm_head=False, max_pos=32768 + 64)
    grid = [(1, 4096), (16, 8192)] if a.quick else [(1, 4096), (1, 32768), (16, 8192), (64, 2048), (256, 1024),
                                                     (32, 4096)]
    sec["what"] = ("%d layers of the Llama-3-70B shape (hidden 8192, 64 q / 8 KV heads), decode step in a "
                   "CUDA graph without embedding, final norm or lm_head; per_layer_ms = step_ms / %d" % (L, L))
    sec["layers"] = L
    sec["weight_bytes"] = m.weight_bytes
    for B, S in grid:
        if not point_guard(run, sec, 30, "B=%d S=%d" % (B, S)):
            break
        try:
            pt = graph_point(run, m, sec, B, S, reps=15)
        except Exception as e:
            pt = dict(B=B, S=S, mode="graph", error=err_text(e))
            C.gc_cuda()
        sec["points"].append(pt)
        log("slice70 x%d graph B=%-4d S=%-6d %s" % (L, B, S, ("%8.3f ms (%.4f ms/layer)" % (
            pt["step_ms"], pt["per_layer_ms"])) if "step_ms" in pt else pt.get("error")))
        run.save()
    del m


def sec_prefill(run, a, sec, m, Ts=None):
    if Ts is None:
        Ts = [512, 2048] if a.quick else [512, 1024, 2048, 4096, 8192, 16384, 32768]
    sec["what"] = ("Llama-3-8B, %d layers, batch 1, the whole prompt of T tokens in one eager step (causal SDPA, "
                   "K/V written to the paged cache first, lm_head on the last token). step_ms: as issued from "
                   "Python (eager); gpu_ms: same with the queue preloaded (GPU time, what a graph would "
                   "approach)" % m.L)
    for T in Ts:
        if not point_guard(run, sec, 40, "T=%d" % T):
            break
        pt = dict(T=T, B=1, mode="eager", model=C.PRESET[m.shape], layers=m.L)
        try:
            st = C.KVState(m, 1, T, Tq=T)
            s = m.s
            lin_flops = 2 * T * (m.weight_bytes // 2 // m.L) * m.L
            attn_flops = m.L * 4 * s["heads"] * s["head_dim"] * T * (T + 1) // 2
            pt.update(linear_flops=lin_flops, attn_flops=attn_flops,
                      lm_head_flops=2 * s["hidden"] * s["vocab"], weight_bytes=m.weight_bytes)
            reps = 3 if T >= 16384 else 5
            r = bench(lambda i: forward(m, st), target_ms=1, lo=reps, hi=reps, warmup=1, preload_us_per_rep=0)
            pt.update(step_ms=round(r["median_us"] / 1e3, 3), min_ms=round(r["min_us"] / 1e3, 3), reps=r["reps"])
            r = bench(lambda i: forward(m, st), target_ms=1, lo=reps, hi=reps, warmup=0,
                      preload_us_per_rep=12000)
            pt.update(gpu_ms=round(r["median_us"] / 1e3, 3))
            pt["TFLOPs_total"] = round((lin_flops + attn_flops) / (pt["gpu_ms"] * 1e-3) / 1e12, 1)
            del st
        except Exception as e:
            pt["error"] = err_text(e)
        C.gc_cuda()
        sec["points"].append(pt)
        log("prefill 8B T=%-6d %s" % (T, ("%9.3f ms (gpu %9.3f ms, %.0f TF/s)" % (
            pt["step_ms"], pt["gpu_ms"], pt["TFLOPs_total"])) if "gpu_ms" in pt else pt.get("error")))
        run.save()


class OffloadHooks:
    """Copies of the host part of each layer's K/V, issued as the mode says (see module doc)."""

    def __init__(self, mode, L, src, dst, graph=False):
        self.mode, self.L, self.src, self.dst, self.graph = mode, L, src, dst, graph
        self.cs = torch.cuda.Stream()
        self.ready = [torch.cuda.Event() for _ in range(L)]
        self.done = [torch.cuda.Event() for _ in range(L)]
        self.first = True
        self.compute = None

    def copy(self, l):
        (hk, hv), (dk, dv) = self.src[l], self.dst[l]
        dk.copy_(hk, non_blocking=True)
        dv.copy_(hv, non_blocking=True)

    def issue(self, l):
        cs = self.cs
        if not self.graph:
            cs.wait_event(self.done[l])  # the region's last reader (previous step's attention) is done
        with torch.cuda.stream(cs):
            self.copy(l)
            self.ready[l].record(cs)

    def start_step(self):
        self.compute = torch.cuda.current_stream()
        if self.mode == "sync":
            return
        if self.graph:
            self.cs.wait_stream(self.compute)  # fork into the capture
        if self.mode == "layer_ahead" or (self.mode == "layer_ahead_xstep" and self.first and not self.graph):
            self.issue(0)  # in a graph, xstep's layer 0 is copied during the previous replay's last layer
        self.first = False

    def end_step(self):
        if self.graph and self.mode != "sync":
            self.compute.wait_stream(self.cs)  # join

    def on_layer(self, l):
        if self.mode == "sync":
            self.copy(l)
        elif self.mode == "layer_ahead":
            if l + 1 < self.L:
                self.issue(l + 1)
        elif self.mode == "layer_ahead_xstep":
            self.issue((l + 1) % self.L)

    def before_attn(self, l):
        if self.mode == "sync":
            return
        if self.graph and self.mode == "layer_ahead_xstep" and l == 0:
            return  # layer 0 was copied during the previous replay's last layer
        self.compute.wait_event(self.ready[l])

    def after_attn(self, l):
        if self.mode != "sync" and not self.graph:
            self.done[l].record(self.compute)


def sec_offload(run, a, sec, m, configs=None, fracs=None):
    if configs is None:
        configs = [(1, 8192)] if a.quick else [(1, 32768), (8, 8192)]
    if fracs is None:
        fracs = [0.0, 0.5, 1.0] if a.quick else [0.0, 0.25, 0.5, 0.75, 1.0]
    modes = ["sync", "layer_ahead", "layer_ahead_xstep"]
    L, KVH, D = m.L, m.KVH, m.D
    sec["what"] = ("Llama-3-8B decode, batch B, context S; the oldest n_off tokens (f*S rounded to 16-slot "
                   "blocks, at most S-16) of EVERY layer's K and V live in pinned host memory and are copied "
                   "each step into that layer's cache region ([B, n_off, 8, 128] per K and V: contiguous for "
                   "B=1, B strided chunks for B>1 -> torch stages + scatters), then attended together with the "
                   "resident part. copy_bytes_per_step = 2 * L * B * n_off * 2 KiB. Modes: see engine_steps.py. "
                   "eager: issued from Python; graph: the same step captured in one CUDA graph (copies and "
                   "events included)")
    for B, S in configs:
        if not point_guard(run, sec, 40, "B=%d S=%d" % (B, S)):
            break
        st = C.KVState(m, B, S)
        # pinned host copies of the oldest tokens, as many as the largest fraction needs
        n_max = max(min(int(round(f * S / 16)) * 16, S - 16) for f in fracs)
        n_max = max(n_max, 16)
        hk = [torch.empty(B * n_max * KVH * D, dtype=C.BF16, pin_memory=True) for _ in range(L)]
        hv = [torch.empty(B * n_max * KVH * D, dtype=C.BF16, pin_memory=True) for _ in range(L)]
        for l in range(L):
            hk[l].view(B, n_max, KVH, D).copy_(st.kc[l].view(B, S, KVH, D)[:, :n_max])
            hv[l].view(B, n_max, KVH, D).copy_(st.vc[l].view(B, S, KVH, D)[:, :n_max])
        sync()
        for f in fracs:
            n_off = min(int(round(f * S / 16)) * 16, S - 16)
            base = dict(B=B, S=S, f=f, n_off=n_off, model=C.PRESET[m.shape], layers=L, offloaded_fraction=round(n_off / S, 4),
                        copy_bytes_per_step=2 * L * B * n_off * KVH * D * 2, dst_contiguous=(B == 1),
                        **step_bytes(m, B, S))
            if n_off == 0:
                runs = [("none", False), ("none", True)]
            else:
                runs = [(md, gr) for gr in (False, True) for md in modes]
                runs.append(("copies_only", False))
            src = [(hk[l][:B * n_off * KVH * D].view(B, n_off, KVH, D),
                    hv[l][:B * n_off * KVH * D].view(B, n_off, KVH, D)) for l in range(L)]
            dst = [(st.kc[l].view(B, S, KVH, D)[:, :n_off], st.vc[l].view(B, S, KVH, D)[:, :n_off])
                   for l in range(L)]
            for mode, graph in runs:
                if not point_guard(run, sec, 30, "B=%d S=%d f=%s %s graph=%s" % (B, S, f, mode, graph)):
                    break
                pt = dict(base, mode=mode, exec="graph" if graph else "eager")
                try:
                    if mode == "copies_only":
                        hooks = OffloadHooks("sync", L, src, dst)

                        def fn(i):
                            for l in range(L):
                                hooks.copy(l)
                        r = bench(fn, target_ms=100, lo=5, hi=10, warmup=1, preload_us_per_rep=0)
                        pt["step_ms"] = round(r["median_us"] / 1e3, 4)
                        pt["copy_GBps"] = round(pt["copy_bytes_per_step"] / (r["median_us"] * 1e-6) / GB, 2)
                    else:
                        hooks = OffloadHooks(mode, L, src, dst, graph=graph) if mode != "none" else None

                        def fn(i=0):
                            if hooks is not None:
                                hooks.start_step()
                            out = forward(m, st)
                            if hooks is not None:
                                hooks.end_step()
                            return out

                        m.hooks = hooks
                        if graph:
                            g, out = capture(fn, warm=2)
                            r = bench_graph(g, reps=10)
                            del g, out
                        else:
                            r = bench(fn, target_ms=200, lo=8, hi=15, warmup=2, preload_us_per_rep=0)
                        pt.update(step_ms=round(r["median_us"] / 1e3, 4), min_ms=round(r["min_us"] / 1e3, 4),
                                  max_ms=round(r["max_us"] / 1e3, 4), reps=r["reps"])
                except Exception as e:
                    pt["error"] = err_text(e)
                finally:
                    m.hooks = None
                    try:
                        sync()
                    except Exception as e2:
                        pt["sync_error"] = err_text(e2)
                sec["points"].append(pt)
                log("offload B=%d S=%-6d f=%.2f n_off=%-6d %-18s %-5s %s" % (
                    B, S, f, n_off, mode, pt["exec"], ("%9.3f ms" % pt["step_ms"]) if "step_ms" in pt
                    else pt.get("error")))
                run.save()
        del st, hk, hv, src, dst
        C.gc_cuda()


def sec_offload_balanced(run, a, sec, m):
    """Round 2: offload fractions where copy and compute are about equal (1 x 32K: compute ~6.4 ms,
    copies 2 * 32 * n_off * 2 KiB at ~55 GB/s: f = 0.1 is ~7.8 ms)."""
    if a.quick:
        sec_offload(run, a, sec, m, configs=[(1, 8192)], fracs=[0.0, 0.05, 0.1])
    else:
        sec_offload(run, a, sec, m, configs=[(1, 32768)], fracs=[0.0, 0.02, 0.05, 0.1])
    sec["what"] = "round 2 (held out), copy and compute about balanced: " + sec["what"]


def sec_prefill_r2(run, a, sec, m):
    sec_prefill(run, a, sec, m, Ts=[1024] if a.quick else [3072, 6144, 12288])
    sec["what"] = "round 2 (held out): " + sec["what"]


ROUND2 = "decode_models,decode_graph_r2,offload_balanced,prefill_r2"


def sec_kernels(run, a, sec, m):
    from torch.profiler import ProfilerActivity, profile
    st = C.KVState(m, 1, 1024)
    forward(m, st)
    sync()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        forward(m, st)
        sync()
    names = [e.name for e in prof.events() if str(getattr(e, "device_type", "")).endswith("CUDA")]
    kern = [n for n in names if not n.startswith(("Memcpy", "Memset"))]
    counts = {}
    for n in kern:
        counts[n[:100]] = counts.get(n[:100], 0) + 1
    sec["decode_step_B1_S1024"] = {"layers": m.L, "kernels": len(kern), "kernels_per_layer": round(len(kern) / m.L, 2),
                                   "memcpy_memset": len(names) - len(kern),
                                   "by_name": dict(sorted(counts.items(), key=lambda kv: -kv[1]))}
    log("kernels: decode step %d kernels, %.1f per layer" % (len(kern), len(kern) / m.L))
    del st


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--deadline-at", type=float, default=None)
    p.add_argument("--budget-s", type=float, default=None)
    p.add_argument("--sections", default="decode_graph,prefill,offload,slice70,kernels",
                   help="comma-separated; 'round2' = " + ROUND2)
    p.add_argument("--name", default="steps", help="output OUT/NAME.json")
    a = p.parse_args()
    run = C.Run(a.out, a.deadline_at, a.budget_s)
    torch.cuda.set_device(0)
    torch.backends.cuda.matmul.allow_tf32 = False
    meta = C.meta()
    meta["script"] = "benchmarks/gpu/engine_steps.py" + (" --quick" if a.quick else "") + " --sections " + a.sections
    d = run.new_doc(a.name, meta)
    sections = []
    for name in a.sections.split(","):
        sections += ROUND2.split(",") if name == "round2" else [name]
    t0 = time.time()
    m = C.Model("llama3-8b", SHAPES["llama3-8b"]["layers"])
    sync()
    d["meta"]["model_8b_alloc_s"] = round(time.time() - t0, 2)
    d["meta"]["model_8b_weight_bytes_layers"] = m.weight_bytes
    d["meta"]["model_8b_lm_head_bytes"] = 2 * 4096 * 128256
    st = C.KVState(m, 1, 1024)
    d["meta"]["sdpa_backend_decode"] = C.sdpa_choice(
        torch.empty(1, m.H, 1, m.D, device=C.DEV, dtype=C.BF16),
        st.kc[0].view(1, 1024, m.KVH, m.D).transpose(1, 2), st.vc[0].view(1, 1024, m.KVH, m.D).transpose(1, 2), False)
    del st
    log("steps: 8B weights allocated (%.1f GB) in %.1f s; decode SDPA backend %s" % (
        m.weight_bytes / 1e9, d["meta"]["model_8b_alloc_s"], d["meta"]["sdpa_backend_decode"]))
    for name in sections:
        if name == "decode_graph":
            C.section(run, a.name, name, lambda sec: sec_decode_graph(run, a, sec, m), 30)
        elif name == "prefill":
            C.section(run, a.name, name, lambda sec: sec_prefill(run, a, sec, m), 30)
        elif name == "offload":
            C.section(run, a.name, name, lambda sec: sec_offload(run, a, sec, m), 30)
        elif name == "slice70":
            C.section(run, a.name, name, lambda sec: sec_slice70(run, a, sec), 30)
        elif name == "decode_models":
            C.section(run, a.name, name, lambda sec: sec_decode_models(run, a, sec), 30)
        elif name == "decode_graph_r2":
            C.section(run, a.name, name, lambda sec: sec_decode_graph_r2(run, a, sec, m), 30)
        elif name == "offload_balanced":
            C.section(run, a.name, name, lambda sec: sec_offload_balanced(run, a, sec, m), 30)
        elif name == "prefill_r2":
            C.section(run, a.name, name, lambda sec: sec_prefill_r2(run, a, sec, m), 30)
        elif name == "kernels":
            C.section(run, a.name, name, lambda sec: sec_kernels(run, a, sec, m), 8)
    d["meta"]["nvidia_smi_end"] = C.smi_clocks()
    d["meta"]["wall_s"] = round(run.elapsed(), 1)
    run.save()
    log("steps done in %.1f s" % run.elapsed())


if __name__ == "__main__":
    main()
