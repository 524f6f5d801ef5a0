"""Summarizes the output of `kvflow calibrate POINTS.csv --check HARDWARE` (or of a fit, whose rows carry
a leave-one-out error too) by scenario group: points, median and max of |predicted / measured - 1|.

Usage: ./kvflow calibrate benchmarks/gpu/results/h200-points.csv --check h200 | python3 benchmarks/gpu/summarize_check.py
Groups: prefill; decode by execution, model and layers; offloaded decode by execution and copy mode.
"""
import re
import statistics
import sys

rows = []
for line in sys.stdin:
    f = line.split()
    if len(f) < 14 or not f[0].isdigit() or f[1] not in ("decode", "prefill"):
        continue
    pcts = [float(x.rstrip("%")) for x in f if re.fullmatch(r"[+-]\d+\.\d+%", x)]
    rows.append(dict(kind=f[1], model=f[2], layers=int(f[5]), offload=float(f[7]), mode=f[8], exec=f[9],
                     err=abs(pcts[0]), loo=abs(pcts[1]) if len(pcts) > 1 else None))


def group(r):
    if r["kind"] == "prefill":
        return "prefill, %s" % r["exec"]
    if r["offload"] > 0:
        return "offload %s, %s" % (r["exec"], r["mode"])
    return "decode %s, %s (%d layers)" % (r["exec"], r["model"], r["layers"])


groups = {}
for r in rows:
    groups.setdefault(group(r), []).append(r)
groups["all"] = rows
loo = all(r["loo"] is not None for r in rows)
print("| scenario | points | median | max |" + (" loo median | loo max |" if loo else ""))
print("|---|---|---|---|" + ("---|---|" if loo else ""))
for name, rs in groups.items():
    e = [r["err"] for r in rs]
    line = "| %s | %d | %.1f%% | %.1f%% |" % (name, len(rs), statistics.median(e), max(e))
    if loo:
        l = [r["loo"] for r in rs]
        line += " %.1f%% | %.1f%% |" % (statistics.median(l), max(l))
    print(line)
