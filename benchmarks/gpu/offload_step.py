"""Real-GPU counterpart of docs/examples/h100-offload*.json: one Llama-3-8B-shaped decode step at
context C, batch 1, with a fraction f of the layers' KV in pinned host memory copied to the GPU at
every step, serially (demand) or one layer ahead on a second stream (layer-ahead prefetch).

Each layer reads its weights (a GEMV over 2 * parameters/layers bytes, as the roofline counts them)
and its K/V (attention of one token over C tokens, 8 KV heads of 128, GQA to 32 query heads).
Prints JSON with the mean and p50 step time of each mode, measured with CUDA events.

Usage: python3 benchmarks/gpu/offload_step.py [--context 32768] [--offload-fraction 0.5] [--out FILE]
"""
import argparse
import json
import statistics
import torch

p = argparse.ArgumentParser()
p.add_argument("--context", type=int, default=32768)
p.add_argument("--offload-fraction", type=float, default=0.5)
p.add_argument("--layers", type=int, default=32)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--out", default=None)
a = p.parse_args()

dev = torch.device("cuda")
L, C, KVH, HD, H = a.layers, a.context, 8, 128, 32
params = 8030261248
weight_elems = params // L  # bf16: 2 bytes each, as ModelSpec.weightBytesPerLayer counts
hidden = 4096
w_cols = weight_elems // hidden
weights = [torch.randn(hidden, w_cols, device=dev, dtype=torch.bfloat16) for _ in range(L)]
offloaded = set(range(L - int(round(a.offload_fraction * L)), L))
kv_dev = {}
kv_host = {}
for l in range(L):
    k = torch.randn(1, KVH, C, HD, dtype=torch.bfloat16)
    v = torch.randn(1, KVH, C, HD, dtype=torch.bfloat16)
    if l in offloaded:
        kv_host[l] = (k.pin_memory(), v.pin_memory())
    else:
        kv_dev[l] = (k.to(dev), v.to(dev))
staging = [(torch.empty(1, KVH, C, HD, device=dev, dtype=torch.bfloat16),
            torch.empty(1, KVH, C, HD, device=dev, dtype=torch.bfloat16)) for _ in range(2)]
x = torch.randn(1, hidden, device=dev, dtype=torch.bfloat16)
q = torch.randn(1, H, 1, HD, device=dev, dtype=torch.bfloat16)
copy_stream = torch.cuda.Stream()


def layer_compute(l, k, v):
    y = x @ weights[l]
    o = torch.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    return y, o


def step(mode):
    compute = torch.cuda.current_stream()
    ready = {}
    if mode == "prefetch":
        # layer-ahead, depth 1: issue layer l+1's copy while layer l computes
        def issue(l):
            if l < L and l in offloaded:
                buf = staging[l % 2]
                with torch.cuda.stream(copy_stream):
                    copy_stream.wait_stream(compute)  # the buffer's previous reader is done
                    buf[0].copy_(kv_host[l][0], non_blocking=True)
                    buf[1].copy_(kv_host[l][1], non_blocking=True)
                    e = torch.cuda.Event()
                    e.record(copy_stream)
                ready[l] = (buf, e)
        issue(0)
        for l in range(L):
            issue(l + 1)
            if l in offloaded:
                buf, e = ready.pop(l)
                compute.wait_event(e)
                layer_compute(l, buf[0], buf[1])
            else:
                layer_compute(l, *kv_dev[l])
    else:
        for l in range(L):
            if l in offloaded and mode == "demand":
                buf = staging[0]
                buf[0].copy_(kv_host[l][0], non_blocking=True)
                buf[1].copy_(kv_host[l][1], non_blocking=True)
                layer_compute(l, buf[0], buf[1])
            elif l in offloaded:  # all-hbm mode: pretend it is resident
                layer_compute(l, staging[0][0], staging[0][1])
            else:
                layer_compute(l, *kv_dev[l])


results = {"device": torch.cuda.get_device_name(), "context": C, "offload_fraction": a.offload_fraction,
           "layers": L, "offloaded_layers": len(offloaded), "torch": torch.__version__}
for mode in ["all-hbm", "demand", "prefetch"]:
    for _ in range(3):
        step(mode)
    torch.cuda.synchronize()
    times = []
    for _ in range(a.steps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        step(mode)
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e))
    results[mode] = {"mean_ms": statistics.mean(times), "p50_ms": statistics.median(times),
                     "min_ms": min(times), "max_ms": max(times)}
# the roofline inputs, measured alone
torch.cuda.synchronize()
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
s.record()
for _ in range(10):
    for l in range(L):
        x @ weights[l]
e.record()
torch.cuda.synchronize()
results["weights_only_step_ms"] = s.elapsed_time(e) / 10
results["weights_bytes_per_step"] = 2 * weight_elems * L
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
s.record()
for _ in range(10):
    for l in range(L):
        kk, vv = kv_dev[l] if l in kv_dev else staging[0]
        torch.nn.functional.scaled_dot_product_attention(q, kk, vv, enable_gqa=True)
e.record()
torch.cuda.synchronize()
results["attention_only_step_ms"] = s.elapsed_time(e) / 10
results["kv_bytes_per_step"] = 2 * 2 * KVH * HD * C * L
print(json.dumps(results, indent=1))
if a.out:
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
