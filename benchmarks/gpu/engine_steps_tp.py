"""Whole tensor-parallel decode steps on 2 GPUs of one host, as vLLM and SGLang run them (issue 13,
item 5: "no multi-GPU step was measured end to end").

One process per GPU (torch.multiprocessing spawn, NCCL over tcp://127.0.0.1, NVLink multicast off).
Each rank holds its shard of every layer, Megatron-style as the engines split it:
- QKV and gate/up column-parallel (heads / tp, KV heads / tp, intermediate / tp per rank);
- O and down row-parallel, each followed by an all-reduce of the [tokens, hidden] output;
- vocab-parallel embedding (all-reduce) and lm_head (all-gather of the logits);
- each rank's paged KV cache holds its KV heads only.
The step (embedding, all layers, final norm, lm_head) is captured in one CUDA graph per rank and the
graphs are replayed together; the time is rank 0's CUDA-event time per replay (median).

Usage: python3 benchmarks/gpu/engine_steps_tp.py --out DIR [--quick]
Writes DIR/steps-tp.json: meta (GPUs, torch, NCCL, nvidia-smi) and points {model, layers, tp, B, S,
step_ms, step_ms_repeat, ...}. to_points.py turns them into `kvflow calibrate` rows (tensor_parallel 2).
"""
import argparse
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# importing allreduce turns NVLink multicast off (NCCL_NVLS_ENABLE=0 and friends) before torch loads
from allreduce import free_port  # noqa: E402


def worker(rank, world, out, quick, port):
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    import engine_common as C

    torch.cuda.set_device(rank)
    C.DEV = torch.device("cuda", rank)  # the shared helpers allocate on C.DEV
    torch.backends.cuda.matmul.allow_tf32 = False
    res = {"meta": {}, "points": [], "errors": []}
    t0 = time.time()

    def save():
        if rank == 0:
            res["meta"]["wall_s"] = round(time.time() - t0, 1)
            with open(out + ".tmp", "w") as f:
                json.dump(res, f, indent=1)
            os.replace(out + ".tmp", out)

    dist.init_process_group("nccl", init_method="tcp://127.0.0.1:%d" % port, rank=rank, world_size=world,
                            device_id=C.DEV)
    if rank == 0:
        res["meta"] = C.meta()
        res["meta"]["script"] = "benchmarks/gpu/engine_steps_tp.py" + (" --quick" if quick else "")
        res["meta"]["tp"] = world
        res["meta"]["what"] = ("decode step of the whole model (embedding, layers, final norm, lm_head) "
                               "split over %d GPUs as the engines do (column-parallel QKV and gate/up, "
                               "row-parallel O and down each followed by an all-reduce, vocab-parallel "
                               "embedding with an all-reduce and lm_head with an all-gather), one CUDA graph "
                               "per rank replayed together; step_ms: rank 0's CUDA-event time per replay, "
                               "median" % world)
        save()

    def shard_shape(name):
        s = dict(C.SHAPES[name])
        for k in ("heads", "kv_heads", "inter", "vocab"):
            assert s[k] % world == 0, (name, k)
            s[k] //= world
        key = "%s-tp%d" % (name, world)
        C.SHAPES[key] = s
        return key

    def forward_tp(m, st):
        # vocab-parallel embedding: each rank looks up its slice of the vocabulary (ids outside it give
        # zero rows; here the lookup is a gather of the local table) and the partial rows are summed
        x = m.emb.index_select(0, st.local_ids)
        dist.all_reduce(x)
        cos = m.cos.index_select(0, st.pos).unsqueeze(1)
        sin = m.sin.index_select(0, st.pos).unsqueeze(1)
        H, KVH, D, B, S = m.H, m.KVH, m.D, st.B, st.S
        for l in range(m.L):
            h = C.rms_norm(x, m.ln1[l])
            qkv = F.linear(h, m.wqkv[l])
            qk = qkv[:, :(H + KVH) * D].view(B, H + KVH, D)
            v = qkv[:, (H + KVH) * D:].view(B, KVH, D)
            qk = C.rotary(qk, cos, sin)
            q, k = qk[:, :H], qk[:, H:]
            st.kc[l].index_copy_(0, st.slots, k)
            st.vc[l].index_copy_(0, st.slots, v)
            qa = q.view(B, 1, H, D).transpose(1, 2)
            ka = st.kc[l].view(B, S, KVH, D).transpose(1, 2)
            va = st.vc[l].view(B, S, KVH, D).transpose(1, 2)
            o = C.sdpa(qa, ka, va, False).transpose(1, 2).reshape(B, H * D)
            y = F.linear(o, m.wo[l])
            dist.all_reduce(y)
            x.add_(y)
            h = C.rms_norm(x, m.ln2[l])
            gu = F.linear(h, m.wgu[l])
            y = F.linear(C.silu_mul(gu, m.s["inter"]), m.wd[l])
            dist.all_reduce(y)
            x.add_(y)
        h = C.rms_norm(x, m.normf)
        logits = F.linear(h, m.lm)
        dist.all_gather_into_tensor(st.gathered, logits)
        return st.gathered

    def point(m, B, S, reps):
        st = C.KVState(m, B, S)
        st.local_ids = torch.randint(0, m.s["vocab"], (B,), device=C.DEV, dtype=torch.long)
        st.gathered = torch.empty((world * B, m.s["vocab"]), device=C.DEV, dtype=C.BF16)
        try:
            dist.barrier()
            g, _ = C.capture(lambda: forward_tp(m, st), warm=2)
            dist.barrier()
            r = C.bench_graph(g, reps=reps)
            dist.barrier()
            r2 = C.bench_graph(g, reps=reps, warm=0)
            dist.barrier()
            del g
            return dict(B=B, S=S, step_ms=round(r["median_us"] / 1e3, 4), step_ms_repeat=round(r2["median_us"] / 1e3, 4),
                        min_ms=round(r["min_us"] / 1e3, 4), max_ms=round(r["max_us"] / 1e3, 4), reps=r["reps"],
                        kv_bytes_per_rank=st.bytes)
        finally:
            del st
            C.gc_cuda()

    plan = [("llama3-8b", [(1, 1024), (16, 4096)] if quick else
             [(1, 1024), (1, 32768), (8, 8192), (16, 8192), (64, 4096), (128, 2048), (256, 1024)]),
            ("llama3-70b", [] if quick else [(1, 4096), (1, 32768), (16, 8192), (32, 4096), (64, 2048), (256, 1024)])]
    try:
        for name, grid in plan:
            if not grid:
                continue
            full = C.SHAPES[name]
            t1 = time.time()
            max_s = max(S for _, S in grid)
            m = C.Model(shard_shape(name), full["layers"], embed=True, lm_head=True, max_pos=max_s + 64)
            torch.cuda.synchronize()
            if rank == 0:
                C.log("tp%d %s: shard allocated (%.1f GB of layer weights) in %.1f s" % (
                    world, name, m.weight_bytes / 1e9, time.time() - t1))
            for B, S in grid:
                try:
                    pt = point(m, B, S, reps=10 if quick else 15)
                except Exception as e:
                    pt = dict(B=B, S=S, error=C.err_text(e))
                    res["errors"].append(traceback.format_exc()[-2000:])
                    C.gc_cuda()
                pt.update(model=C.PRESET[name], layers=full["layers"], tp=world)
                res["points"].append(pt)
                if rank == 0:
                    C.log("tp%d %s B=%-4d S=%-6d %s" % (world, name, B, S, ("%8.3f ms (repeat %.3f)" % (
                        pt["step_ms"], pt["step_ms_repeat"])) if "step_ms" in pt else pt.get("error")))
                save()
            del m
            C.gc_cuda()
        if rank == 0:
            res["meta"]["nvidia_smi_end"] = C.smi_clocks()
        save()
    except Exception as e:
        res["errors"].append(traceback.format_exc()[-3000:])
        save()
        raise
    finally:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--name", default="steps-tp")
    a = p.parse_args()
    import torch
    import torch.multiprocessing as mp
    os.makedirs(a.out, exist_ok=True)
    out = os.path.join(a.out, a.name + ".json")
    if torch.cuda.device_count() < 2:
        print("engine_steps_tp: needs 2 GPUs, found %d" % torch.cuda.device_count())
        sys.exit(2)
    mp.spawn(worker, args=(2, out, a.quick, free_port()), nprocs=2, join=True)


if __name__ == "__main__":
    main()
