"""Turns a validation grid (results/<gpu>-engine-steps.json, written by engine_steps.py) into the
points CSV that `kvflow calibrate` reads (docs/cli.md, "Calibration"), one row per measured step.

Usage: python3 benchmarks/gpu/to_points.py results/h200-engine-steps.json > results/h200-points.csv
"""
import json
import sys

s = json.load(open(sys.argv[1]))["sections"]
print("kind,model,batch,context,layers,lm_head,offload_fraction,offload_mode,execution,tensor_parallel,measured_ms")
for p in s["decode_graph"]["points"]:
    print(f"decode,llama-3-8b,{p['B']},{p['S']},32,true,0,,{p['mode']},1,{p['step_ms']}")
for p in s["slice70"]["points"]:
    print(f"decode,llama-3-70b,{p['B']},{p['S']},8,false,0,,graph,1,{p['step_ms']}")
for p in s["prefill"]["points"]:
    print(f"prefill,llama-3-8b,{p['B']},{p['T']},32,true,0,,eager,1,{p['step_ms']}")
for p in s["offload"]["points"]:
    if p["mode"] not in ("sync", "layer_ahead"):
        continue  # the f = 0 steps are in decode_graph; cross-step and copies-only variants are not scenarios
    f = p["offloaded_fraction"]
    mode = "layer-ahead" if p["mode"] == "layer_ahead" else "sync"
    print(f"decode,llama-3-8b,{p['B']},{p['S']},32,true,{f},{mode},{p['exec']},1,{p['step_ms']}")
