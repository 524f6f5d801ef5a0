"""Turns a validation grid (results/<gpu>-engine-steps*.json, written by engine_steps.py) into the
points CSV that `kvflow calibrate` reads (docs/cli.md, "Calibration"), one row per measured step.

Usage: python3 benchmarks/gpu/to_points.py results/h200-engine-steps.json > results/h200-points.csv
       python3 benchmarks/gpu/to_points.py results/h200-engine-steps-round2.json > results/h200-points-round2.csv

Sections it knows (any subset may be present; a point without a measured step_ms is left out,
named on stderr): decode_graph, decode_models, decode_graph_r2 (decode rows), slice70 (70B slice
rows), prefill, prefill_r2 (prefill rows), offload, offload_balanced (offloaded decode rows, sync and
layer-ahead only: the f = 0 steps are decode points, cross-step and copies-only variants are not
scenarios); engine_steps_tp.py's points (tensor-parallel decode rows, whole models in CUDA graphs).
"""
import json
import sys

doc = json.load(open(sys.argv[1]))
# engine_steps_tp.py writes its points at the top level: decode steps split over meta.tp GPUs
s = doc["sections"] if "sections" in doc else {"decode_tp": {"points": doc["points"]}}


def points(name):
    for p in s.get(name, {}).get("points", []):
        if "step_ms" not in p:
            print("to_points: %s: left out %s" % (name, {k: v for k, v in p.items() if k in (
                "model", "B", "S", "T", "f", "mode", "exec", "error")}), file=sys.stderr)
            continue
        yield p


print("kind,model,batch,context,layers,lm_head,offload_fraction,offload_mode,execution,tensor_parallel,measured_ms")
for name in ("decode_graph", "decode_models", "decode_graph_r2"):
    for p in points(name):
        model, layers = p.get("model", "llama-3-8b"), p.get("layers", 32)
        print(f"decode,{model},{p['B']},{p['S']},{layers},true,0,,{p['mode']},1,{p['step_ms']}")
for p in points("slice70"):
    print(f"decode,llama-3-70b,{p['B']},{p['S']},8,false,0,,graph,1,{p['step_ms']}")
for name in ("prefill", "prefill_r2"):
    for p in points(name):
        model, layers = p.get("model", "llama-3-8b"), p.get("layers", 32)
        print(f"prefill,{model},{p['B']},{p['T']},{layers},true,0,,eager,1,{p['step_ms']}")
for name in ("offload", "offload_balanced"):
    for p in points(name):
        if p["mode"] not in ("sync", "layer_ahead"):
            continue
        f = p["offloaded_fraction"]
        mode = "layer-ahead" if p["mode"] == "layer_ahead" else "sync"
        model, layers = p.get("model", "llama-3-8b"), p.get("layers", 32)
        print(f"decode,{model},{p['B']},{p['S']},{layers},true,{f},{mode},{p['exec']},1,{p['step_ms']}")
for p in points("decode_tp"):
    print(f"decode,{p['model']},{p['B']},{p['S']},{p['layers']},true,0,,graph,{p['tp']},{p['step_ms']}")
