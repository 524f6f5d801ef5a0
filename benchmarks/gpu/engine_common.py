"""Shared pieces of the engine-like GPU measurements (issue 13, item 3).

engine_profile.py (micro-profile: GEMMs, attention, elementwise, launch, copies, events,
all-reduce) and engine_steps.py (validation grid of whole engine-like steps) import this.

Everything is bf16 on GPU 0. Shapes are the real Llama-3 ones (all multiples of 8), plus Mistral-7B and
Qwen2.5-7B for the round-2 held-out validation.
Times are CUDA-event times in microseconds unless a key says otherwise.
"""
import json
import os
import statistics
import subprocess
import sys
import time
import traceback

import torch
import torch.nn.functional as F

BF16 = torch.bfloat16
DEV = torch.device("cuda", 0)
# assumed SM clock for torch.cuda._sleep preloads (cycles per microsecond); only sizes a preload
SLEEP_CYCLES_PER_US = 1980

SHAPES = {
    "llama3-8b": dict(hidden=4096, inter=14336, heads=32, kv_heads=8, head_dim=128,
                      vocab=128256, layers=32),
    "llama3-70b": dict(hidden=8192, inter=28672, heads=64, kv_heads=8, head_dim=128,
                       vocab=128256, layers=80),
    # held-out shapes of the round-2 validation (engine_steps.py --sections round2); Qwen2.5's QKV
    # biases are left out (one bias add per layer)
    "mistral-7b": dict(hidden=4096, inter=14336, heads=32, kv_heads=8, head_dim=128,
                       vocab=32000, layers=32),
    "qwen2.5-7b": dict(hidden=3584, inter=18944, heads=28, kv_heads=4, head_dim=128,
                       vocab=152064, layers=28),
}
# the kvflow model preset each shape is (calibrate points' model column)
PRESET = {"llama3-8b": "llama-3-8b", "llama3-70b": "llama-3-70b", "mistral-7b": "mistral-7b",
          "qwen2.5-7b": "qwen2.5-7b"}


def gemm_ops(s):
    """Layer GEMMs as engines run them: y[M, N] = x[M, K] @ W[N, K]^T. Returns op -> (K, N)."""
    hd = s["head_dim"]
    return {
        "qkv": (s["hidden"], (s["heads"] + 2 * s["kv_heads"]) * hd),
        "o": (s["heads"] * hd, s["hidden"]),
        "gate_up": (s["hidden"], 2 * s["inter"]),
        "down": (s["inter"], s["hidden"]),
        "lm_head": (s["hidden"], s["vocab"]),
    }


def layer_weight_bytes(s):
    return sum(2 * k * n for op, (k, n) in gemm_ops(s).items() if op != "lm_head")


def kv_bytes_per_token_layer(s):
    return 2 * s["kv_heads"] * s["head_dim"] * 2  # K and V, bf16


# ----------------------------------------------------------------------------------------------
# clock, output


class Run:
    """Wall clock with a deadline, and JSON outputs written after every point."""

    def __init__(self, out_dir, deadline_at=None, budget_s=None):
        self.t0 = time.time()
        if deadline_at:
            self.deadline = float(deadline_at)
        elif budget_s:
            self.deadline = self.t0 + float(budget_s)
        else:
            self.deadline = self.t0 + 1e9
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.docs = {}

    def left(self):
        return self.deadline - time.time()

    def elapsed(self):
        return time.time() - self.t0

    def doc(self, name):
        return self.docs[name]

    def new_doc(self, name, meta):
        self.docs[name] = {"meta": meta, "sections": {}, "errors": []}
        self.save()
        return self.docs[name]

    def save(self):
        for name, d in self.docs.items():
            p = os.path.join(self.out_dir, name + ".json")
            tmp = p + ".tmp"
            with open(tmp, "w") as f:
                json.dump(d, f, indent=1, default=str)
            os.replace(tmp, p)


def log(*a):
    print(*a, flush=True)


def err_text(e):
    return "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")


def section(run, docname, name, fn, min_left_s=5.0):
    """Run one section, recording its wall time and any error; never raises."""
    d = run.doc(docname)
    sec = d["sections"].setdefault(name, {"points": []})
    if run.left() < min_left_s:
        sec["skipped"] = "deadline (%.0f s left)" % run.left()
        log("[%s] skipped: deadline" % name)
        run.save()
        return sec
    t = time.time()
    log("[%s] start at %.1f s" % (name, run.elapsed()))
    try:
        fn(sec)
    except Exception as e:  # keep going: a partial run still writes what it measured
        sec["error"] = err_text(e)
        sec["traceback"] = traceback.format_exc()[-4000:]
        d["errors"].append({"section": name, "error": err_text(e)})
        log("[%s] ERROR %s" % (name, err_text(e)))
        log(traceback.format_exc()[-2000:])
    finally:
        try:
            torch.cuda.synchronize()
        except Exception as e:
            sec["sync_error"] = err_text(e)
        sec["wall_s"] = round(time.time() - t, 3)
        log("[%s] done in %.1f s (at %.1f s, %.0f s left)" % (name, sec["wall_s"], run.elapsed(), run.left()))
        gc_cuda()
        run.save()
    return sec


def point_guard(run, sec, min_left_s, what):
    if run.left() < min_left_s:
        sec.setdefault("skipped_points", []).append(what)
        return False
    return True


def gc_cuda():
    import gc
    gc.collect()
    try:
        torch.cuda.empty_cache()
    except Exception:
        pass


# ----------------------------------------------------------------------------------------------
# environment


def sh(cmd, timeout=20):
    try:
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
        return (r.stdout + r.stderr).strip()
    except Exception as e:
        return "failed: " + err_text(e)


def smi_clocks():
    return sh("nvidia-smi --query-gpu=index,name,clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem,"
              "power.draw,power.limit,temperature.gpu,pstate,memory.used --format=csv")


def meta():
    p = torch.cuda.get_device_properties(0)
    m = {
        "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "python": sys.version.split()[0],
        "gpu": torch.cuda.get_device_name(0),
        "gpu_count": torch.cuda.device_count(),
        "capability": list(torch.cuda.get_device_capability(0)),
        "sm_count": p.multi_processor_count,
        "gpu_memory_bytes": p.total_memory,
        "l2_bytes": getattr(p, "L2_cache_size", None),
        "dtype": "bfloat16",
        "timing": "CUDA events; median of reps after warm-up; times in microseconds (us) or ms where named",
        "env": {k: os.environ.get(k) for k in ("NCCL_NVLS_ENABLE", "TORCH_SYMM_MEM_DISABLE_MULTICAST",
                                               "NVSHMEM_DISABLE_NVLS", "CUDA_VISIBLE_DEVICES")},
        "nvidia_smi_start": smi_clocks(),
        "rms_norm": "torch.nn.functional.rms_norm" if hasattr(F, "rms_norm") else "composite",
    }
    try:
        m["nccl"] = ".".join(map(str, torch.cuda.nccl.version()))
    except Exception as e:
        m["nccl"] = err_text(e)
    try:
        m["flash_attention_impl"] = torch.nn.attention.current_flash_attention_impl()
    except Exception:
        pass
    m["nvidia_smi_driver"] = sh("nvidia-smi --query-gpu=driver_version,pcie.link.gen.current,"
                                "pcie.link.width.current --format=csv")
    m["nvidia_smi_topo"] = sh("nvidia-smi topo -m")
    return m


# ----------------------------------------------------------------------------------------------
# timing


def sync():
    torch.cuda.synchronize()


def preload(us):
    """Keep the GPU busy while the CPU queues the timed work, so event pairs time the GPU only."""
    try:
        torch.cuda._sleep(int(min(us, 200000) * SLEEP_CYCLES_PER_US))
    except Exception:
        pass


def summarize(ts_us):
    ts = sorted(ts_us)
    return {"median_us": round(statistics.median(ts), 3), "min_us": round(ts[0], 3),
            "max_us": round(ts[-1], 3), "reps": len(ts)}


def time_once(fn, i=0):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    fn(i)
    e.record()
    e.synchronize()
    return s.elapsed_time(e) * 1e3


def bench(fn, target_ms=30.0, lo=3, hi=25, warmup=2, preload_us_per_rep=60.0):
    """Median per-call GPU time of fn(i) (i = rep index), event pair around each call, queue
    preloaded with a sleep kernel so that CPU launch gaps are not counted."""
    for i in range(warmup):
        fn(i)
    sync()
    t1 = time_once(fn, warmup)
    reps = int(max(lo, min(hi, target_ms * 1e3 / max(t1, 1.0))))
    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(reps)]
    preload(reps * preload_us_per_rep)
    for i, (s, e) in enumerate(ev):
        s.record()
        fn(i)
        e.record()
    sync()
    return summarize([s.elapsed_time(e) * 1e3 for s, e in ev])


def bench_each(fn, reps=5, preload_us=5000.0):
    """Like bench, but each rep gets its own preload and sync, so that a call of many kernels never
    meets a full launch queue (about a thousand entries) and stays GPU-timed."""
    fn(0)
    sync()
    ts = []
    for i in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        preload(preload_us)
        s.record()
        fn(i)
        e.record()
        e.synchronize()
        ts.append(s.elapsed_time(e) * 1e3)
    return summarize(ts)


def capture(fn, warm=2):
    """CUDA-graph capture of fn() after warm-up on a side stream. Returns (graph, output)."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(warm):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    sync()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        out = fn()
    sync()
    return g, out


def bench_graph(g, reps=10, per=1, warm=2):
    """Median time of one graph replay (divided by per, the calls captured in it)."""
    for _ in range(warm):
        g.replay()
    sync()
    ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(reps)]
    preload(reps * 30.0)
    for s, e in ev:
        s.record()
        g.replay()
        e.record()
    sync()
    ts = [s.elapsed_time(e) * 1e3 / per for s, e in ev]
    return summarize(ts)


def rate(bytes_, flops, us):
    d = {}
    if us and us > 0:
        if bytes_ is not None:
            d["GBps"] = round(bytes_ / (us * 1e-6) / 1e9, 2)
        if flops is not None:
            d["TFLOPs"] = round(flops / (us * 1e-6) / 1e12, 2)
    return d


def rnd(shape, std=1.0, dtype=BF16, dev=None):
    return torch.empty(shape, device=dev or DEV, dtype=dtype).normal_(0.0, std)


# ----------------------------------------------------------------------------------------------
# engine-like model pieces


def rms_norm(x, w, eps=1e-5):
    if hasattr(F, "rms_norm"):
        return F.rms_norm(x, (x.shape[-1],), w, eps)
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * w


def rotary(qk, cos, sin):
    """Neox rotary on a [T, heads, D] view; cos/sin [T, 1, D]. Returns a new contiguous tensor."""
    half = qk.shape[-1] // 2
    rot = torch.cat((-qk[..., half:], qk[..., :half]), dim=-1)
    return torch.addcmul(qk * cos, rot, sin)


def silu_mul(gu, inter):
    return F.silu(gu[:, :inter]) * gu[:, inter:]


def sdpa(q, k, v, causal, backend=None):
    if backend is None:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
    from torch.nn.attention import sdpa_kernel
    with sdpa_kernel(backend):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)


def sdpa_choice(q, k, v, causal):
    """Which SDPA backend the dispatcher picks for these inputs (name), or an error text."""
    try:
        from torch.nn.attention import SDPBackend
        c = torch._fused_sdp_choice(q, k, v, None, 0.0, causal, scale=None, enable_gqa=True)
        try:
            return SDPBackend(c).name
        except Exception:
            names = {0: "MATH", 1: "FLASH_ATTENTION", 2: "EFFICIENT_ATTENTION", 3: "CUDNN_ATTENTION"}
            return names.get(int(c), str(c))
    except Exception as e:
        return "unknown (%s)" % err_text(e)


class Model:
    """Random bf16 weights of a Llama-3 shape, n_layers layers, as an engine holds them."""

    def __init__(self, shape, n_layers, embed=True, lm_head=True, max_pos=131072 + 64):
        s = self.s = SHAPES[shape]
        self.shape = shape
        self.L = n_layers
        self.H, self.KVH, self.D = s["heads"], s["kv_heads"], s["head_dim"]
        hid = s["hidden"]
        ops = gemm_ops(s)

        def w(op):
            k, n = ops[op]
            return rnd((n, k), 0.02)

        self.wqkv = [w("qkv") for _ in range(n_layers)]
        self.wo = [w("o") for _ in range(n_layers)]
        self.wgu = [w("gate_up") for _ in range(n_layers)]
        self.wd = [w("down") for _ in range(n_layers)]
        self.ln1 = [1.0 + rnd((hid,), 0.01) for _ in range(n_layers)]
        self.ln2 = [1.0 + rnd((hid,), 0.01) for _ in range(n_layers)]
        self.normf = 1.0 + rnd((hid,), 0.01)
        self.emb = rnd((s["vocab"], hid), 0.02) if embed else None
        self.lm = w("lm_head") if lm_head else None
        inv = 1.0 / (500000.0 ** (torch.arange(0, self.D, 2, device=DEV, dtype=torch.float32) / self.D))
        fr = torch.outer(torch.arange(max_pos, device=DEV, dtype=torch.float32), inv)
        fr = torch.cat((fr, fr), dim=-1)
        self.cos = fr.cos().to(BF16)
        self.sin = fr.sin().to(BF16)
        del fr, inv
        self.weight_bytes = n_layers * layer_weight_bytes(s)
        self.hooks = None  # optional object with on_layer(l), before_attn(l), after_attn(l)

    def layer(self, l, x, cos, sin, kc, vc, slots, B, S, Tq, causal):
        """One decoder layer on x [B*Tq, hidden] (updated in place and returned).
        kc, vc: this layer's paged cache [B*S slots, KVH, D] (blocks of 16 slots, each sequence's
        blocks contiguous, so [B, S, KVH, D] is a view of it); slots: [B*Tq] write positions."""
        H, KVH, D = self.H, self.KVH, self.D
        hk = self.hooks
        if hk is not None:
            hk.on_layer(l)
        T = x.shape[0]
        h = rms_norm(x, self.ln1[l])
        qkv = F.linear(h, self.wqkv[l])
        qk = qkv[:, :(H + KVH) * D].view(T, H + KVH, D)
        v = qkv[:, (H + KVH) * D:].view(T, KVH, D)
        qk = rotary(qk, cos, sin)
        q, k = qk[:, :H], qk[:, H:]
        kc.index_copy_(0, slots, k)
        vc.index_copy_(0, slots, v)
        if hk is not None:
            hk.before_attn(l)
        qa = q.view(B, Tq, H, D).transpose(1, 2)
        ka = kc.view(B, S, KVH, D).transpose(1, 2)
        va = vc.view(B, S, KVH, D).transpose(1, 2)
        o = sdpa(qa, ka, va, causal)
        if hk is not None:
            hk.after_attn(l)
        o = o.transpose(1, 2).reshape(T, H * D)
        x.add_(F.linear(o, self.wo[l]))
        h = rms_norm(x, self.ln2[l])
        gu = F.linear(h, self.wgu[l])
        a = silu_mul(gu, self.s["inter"])
        x.add_(F.linear(a, self.wd[l]))
        return x


class KVState:
    """Per-layer paged K/V caches for B sequences of S slots each (the last slot is the token
    being decoded), plus the step's static inputs."""

    def __init__(self, m, B, S, Tq=1, n_layers=None):
        L = n_layers or m.L
        self.B, self.S, self.Tq = B, S, Tq
        assert S % 16 == 0, "context must be a multiple of the 16-slot block"
        self.big = torch.empty((L, 2, B * S // 16, 16, m.KVH, m.D), device=DEV, dtype=BF16)
        self.big.normal_(0.0, 1.0)
        self.kc = [self.big[l, 0].view(B * S, m.KVH, m.D) for l in range(L)]
        self.vc = [self.big[l, 1].view(B * S, m.KVH, m.D) for l in range(L)]
        T = B * Tq
        if Tq == 1:  # decode: token at position S-1 of each sequence
            self.pos = torch.full((B,), S - 1, device=DEV, dtype=torch.long)
            self.slots = torch.arange(B, device=DEV, dtype=torch.long) * S + (S - 1)
        else:  # prefill of the whole sequence (B == 1, Tq == S)
            assert B == 1 and Tq == S
            self.pos = torch.arange(S, device=DEV, dtype=torch.long)
            self.slots = torch.arange(S, device=DEV, dtype=torch.long)
        self.ids = torch.randint(0, m.s["vocab"], (T,), device=DEV, dtype=torch.long)
        self.x0 = rnd((T, m.s["hidden"]), 1.0)
        self.bytes = self.big.numel() * 2


def forward(m, st, final=True):
    """One engine-like step (decode if st.Tq == 1, else a causal prefill of batch 1)."""
    B, S, Tq = st.B, st.S, st.Tq
    if m.emb is not None:
        x = m.emb.index_select(0, st.ids)
    else:
        x = st.x0.clone()
    cos = m.cos.index_select(0, st.pos).unsqueeze(1)
    sin = m.sin.index_select(0, st.pos).unsqueeze(1)
    causal = Tq > 1
    for l in range(m.L):
        x = m.layer(l, x, cos, sin, st.kc[l], st.vc[l], st.slots, B, S, Tq, causal)
    if not final or m.lm is None:
        return x
    last = x if Tq == 1 else x.view(B, Tq, -1)[:, -1]
    h = rms_norm(last, m.normf)
    return F.linear(h, m.lm)
