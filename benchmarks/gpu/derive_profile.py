"""Derives the per-operator compute profile of a hardware preset from an engine-like micro-profile
(results/<gpu>-engine-profile.json written by engine_profile.py): every constant is computed here
from named measurements, so the preset can cite how it was obtained. No GPU needed.

Usage: python3 benchmarks/gpu/derive_profile.py results/h200-engine-profile.json results/h200-engine-steps.json
       [--scale-memory R]  (the steps file gives only the kernel count of a decode layer)
  --scale-memory R multiplies every memory-side rate by R (an H100 profile from the H200's measured
  efficiencies: R = H100 / H200 datasheet HBM bandwidth = 3.35 / 4.8).
Prints the "compute" JSON object and the figures behind it.
"""
import json
import sys


def linfit(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return slope, my - slope * mx


args = sys.argv[1:]
scale = 1.0
if "--scale-memory" in args:
    i = args.index("--scale-memory")
    scale = float(args[i + 1])
    del args[i:i + 2]
s = json.load(open(args[0]))["sections"]
steps = json.load(open(args[1]))["sections"]
launch_graph = s["launch"]["graph_ns_per_kernel"]
launch_eager = s["launch"]["eager_cpu_bound_ns_per_kernel"]

# weight streaming: the 8B GEMMs at M = 1..16 in a graph, time = a + weight bytes / rate
g8 = [p for p in s["gemm"]["points"] if p["shape"] == "llama3-8b" and p["op"] != "lm_head"]
small = [p for p in g8 if p["M"] <= 16]
slope, icpt = linfit([p["weight_bytes"] for p in small], [p["graph_per_call_us"] * 1e3 for p in small])
weight_bps = 1e9 / slope
gemm_fixed = max(0.0, icpt - launch_graph)
# GEMM FLOP/s against M: FLOPs over the time left after the fixed cost, all four layer GEMMs together
# (graph timings exist up to M = 64; above, launches are negligible and the queued-eager time is used)
def gemm_ns(p):
    return (p.get("graph_per_call_us") or p["median_us"]) * 1e3


curve = []
for m in sorted({p["M"] for p in g8}):
    pts = [p for p in g8 if p["M"] == m]
    t = sum(gemm_ns(p) - icpt for p in pts)
    curve.append([m, round(sum(p["flops"] for p in pts) / (t * 1e-9), -9)])

# decode attention (the dispatcher's default backend): time = a + KV bytes / rate
da = [p for p in s["decode_attn"]["points"] if p["backend"] == "default" and p["q_heads"] == 32]
slope, a_icpt = linfit([p["kv_bytes"] for p in da], [p["median_us"] * 1e3 for p in da])
kv_bps = 1e9 / slope
attn_fixed = max(0.0, a_icpt - launch_graph)
decode_flops = max(p["flops"] / (p["median_us"] * 1e-6 - a_icpt * 1e-9) for p in da)

# prefill attention FLOP/s against prompt tokens, over the whole kernel time (the replay adds the
# attention fixed cost too: a few percent too slow at 512 tokens, nothing at 8K)
pa = [p for p in s["prefill_attn"]["points"] if p["backend"] == "default"]
prefill = [[p["T"], round(p["flops"] / (p["median_us"] * 1e-6), -9)] for p in pa]

# elementwise kernels of one layer: 2 norms, 2 residual adds, rotary, KV write, SiLU-and-mul
ops = {"rms_norm": 2, "residual_add": 2, "rotary": 1, "kv_write": 1, "silu_mul": 1}
el = s["elementwise"]["points"]


def layer_us(t):
    return sum(n * next(p["graph_per_call_us"] for p in el if p["op"] == op and p["T"] == t) for op, n in ops.items())


t_max = max(p["T"] for p in el)
fixed_layer = layer_us(1) * 1e3
kernels = steps["kernels"]["decode_step_B1_S1024"]["kernels_per_layer"]
by_name = steps["kernels"]["decode_step_B1_S1024"]["by_name"]
layers = steps["kernels"]["decode_step_B1_S1024"]["layers"]
split_k = sum(v for k, v in by_name.items() if "splitKreduce" in k) / layers
elementwise_kernels = round(kernels - 4 - split_k - 1)
elementwise_fixed = max(0.0, fixed_layer / elementwise_kernels - launch_graph)
# activation bytes per token of the Llama-3-8B layer as the replay counts them (ComputeModel)
h, inter, heads, kvh, hd = 4096, 14336, 32, 8, 128
act_per_token = 2 * (4 * h + 2 * (heads + kvh) * hd + 3 * inter + 6 * h) + 2 * (2 * kvh * hd * 2)
activation_bps = act_per_token * t_max / ((layer_us(t_max) * 1e3 - fixed_layer) * 1e-9)

ar = s["allreduce"]["result"]["points"]
big = [p for p in ar if p["T"] >= 256]
slope, ar_icpt = linfit([p["bytes"] for p in big], [p["graph_us"] * 1e3 for p in big])
ar_small = min(p["graph_us"] for p in ar) * 1e3
wait = s["events"]["extra_ns_per_layer_wait"]["side_copy_128KiB_event_wait/graph_us"]

# eager host issue (events section, eager_cpu_bound: the Python loop's own time, nothing queued ahead),
# per layer over the base of 5 tiny kernels: a side-stream kernel (stream switch + launch), the same
# plus an event recorded there and waited on (+ record + wait), a 128 KiB copy instead of the kernel
# (+ copy issue + switch + record + wait). Record and wait are not measured apart: half each.
ev = s["events"]["variants"]
layers_ev = 32
extra = {k: (ev[k]["eager_cpu_bound_us"] - ev["base"]["eager_cpu_bound_us"]) * 1e3 / layers_ev
         for k in ("side_kernel_no_wait", "side_kernel_event_wait", "side_copy_128KiB_event_wait")}
record_plus_wait = extra["side_kernel_event_wait"] - extra["side_kernel_no_wait"]
host_copy = extra["side_copy_128KiB_event_wait"] - record_plus_wait
eager_gpu_launch = s["launch"]["eager_queued_ns_per_kernel"]
# host time per layer beyond its launches: the only figure taken from a whole step, the eager decode of
# batch 1 x 8K (host-bound: the GPU waits for Python), minus its 645 measured kernels' launches
eager_b1 = next(p for p in steps["decode_graph"]["points"] if p["mode"] == "eager" and p["B"] == 1)
step_kernels_measured = steps["kernels"]["decode_step_B1_S1024"]["kernels"]
host_layer = (eager_b1["step_ms"] * 1e6 - step_kernels_measured * launch_eager) / eager_b1.get("layers", 32)

profile = {
    "weight_stream_bps": round(weight_bps * scale, -9),
    "kv_stream_bps": round(kv_bps * scale, -9),
    "activation_bps": round(activation_bps * scale, -9),
    "gemm_flops": curve,
    "prefill_attention_flops": prefill,
    "decode_attention_flops": round(decode_flops, -9),
    "launch_graph_ns": round(launch_graph),
    "launch_eager_ns": round(launch_eager),
    "elementwise_kernels_per_layer": elementwise_kernels,
    "step_kernels": 4,
    "all_reduce_latency_ns": round(ar_small),
    # ring all-reduce moves 2 (n-1)/n of the data; with n = 2 the time per byte is 1 / bus bandwidth
    "all_reduce_bps": round(1e9 / slope, -9),
    "cross_stream_wait_ns": round(wait),
    "gemm_fixed_ns": round(gemm_fixed),
    "attention_fixed_ns": round(attn_fixed),
    "elementwise_fixed_ns": round(elementwise_fixed),
    "eager_gpu_launch_ns": round(eager_gpu_launch),
    "host_layer_ns": round(host_layer),
    "host_copy_ns": round(host_copy),
    "host_event_record_ns": round(record_plus_wait / 2),
    "host_stream_wait_ns": round(record_plus_wait / 2),
}
print(json.dumps(profile, indent=2))
# the DRAM link's scatter (a copy into a strided destination: contiguous H2D into a staging buffer,
# then a scatter kernel on the copy's stream; copies.strided): the fixed time of the smallest scatter
# (64 KiB), and the rate of the largest (256 MiB) after it; memory-side, so --scale-memory applies
st = s["copies"]["strided"]
scatter_fixed = min(st, key=lambda p: p["bytes"])["scatter_us"] * 1e3
big = max(st, key=lambda p: p["bytes"])
scatter_bps = big["bytes"] / ((big["scatter_us"] * 1e3 - scatter_fixed) * 1e-9)
print(json.dumps({"dram_link_scatter": {"scatter_bps": round(scatter_bps * scale, -8),
                                        "scatter_overhead_ns": round(scatter_fixed)}}, indent=2))
print(json.dumps({"weight_fit_intercept_ns": icpt, "attention_fit_intercept_ns": a_icpt,
                  "elementwise_layer_fixed_ns": fixed_layer, "kernels_per_layer": kernels,
                  "split_k_reduce_per_layer": split_k, "activation_bytes_per_token": act_per_token,
                  "memory_scale": scale}, indent=2), file=sys.stderr)
