"""NCCL all-reduce of [T, hidden] bf16 between 2 GPUs of one host (one process per GPU,
torch.multiprocessing spawn, init over tcp://127.0.0.1). Run by engine_profile.py; writes --out.

NVLink multicast stays off (NCCL_NVLS_ENABLE=0 is forced here too). Times are CUDA-event times
on rank 0: per op with the queue preloaded (eager), and per op inside one CUDA graph of many ops.
bus bandwidth = algorithm bandwidth * 2 (n-1) / n, which is the algorithm bandwidth for n = 2.
"""
import argparse
import json
import os
import socket
import statistics
import time
import traceback

os.environ["NCCL_NVLS_ENABLE"] = "0"
os.environ.setdefault("TORCH_SYMM_MEM_DISABLE_MULTICAST", "1")
os.environ.setdefault("NVSHMEM_DISABLE_NVLS", "1")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def worker(rank, world, out, quick, port):
    import torch
    import torch.distributed as dist
    torch.cuda.set_device(rank)
    dev = torch.device("cuda", rank)
    res = {"world": world, "dtype": "bfloat16", "points": [], "errors": [],
           "what": "all_reduce(SUM) in place of [T, hidden] bf16; eager_us: event pair per op, queue preloaded "
                   "on both ranks (GPU time incl. the wait for the peer); graph_us: 20 ops captured in one "
                   "CUDA graph, replay / 20; busbw = bytes * 2(n-1)/n / time"}
    t0 = time.time()

    def save():
        if rank == 0:
            res["wall_s"] = round(time.time() - t0, 2)
            with open(out + ".tmp", "w") as f:
                json.dump(res, f, indent=1)
            os.replace(out + ".tmp", out)

    try:
        dist.init_process_group("nccl", init_method="tcp://127.0.0.1:%d" % port, rank=rank, world_size=world,
                                device_id=dev)
        res["init_s"] = round(time.time() - t0, 2)
        try:
            res["nccl"] = ".".join(map(str, torch.cuda.nccl.version()))
        except Exception:
            pass
        x = torch.full((8,), float(rank + 1), device=dev)
        dist.all_reduce(x)
        torch.cuda.synchronize()
        res["sum_check"] = float(x[0].item())
        res["sum_ok"] = abs(float(x[0].item()) - sum(range(1, world + 1))) < 1e-6
        Ts = [1, 64, 1024] if quick else [1, 4, 16, 64, 256, 1024, 4096, 16384]
        hiddens = [4096, 8192]
        bufs = {}
        for hidden in hiddens:
            for T in Ts:
                t = torch.randn(T, hidden, device=dev, dtype=torch.bfloat16)
                bufs[(hidden, T)] = t
                nbytes = t.numel() * 2
                for _ in range(5):
                    dist.all_reduce(t)
                torch.cuda.synchronize()
                dist.barrier()
                reps = 30
                ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(reps)]
                torch.cuda._sleep(int(reps * 60 * 1980))
                for s, e in ev:
                    s.record()
                    dist.all_reduce(t)
                    e.record()
                torch.cuda.synchronize()
                ts = sorted(s.elapsed_time(e) * 1e3 for s, e in ev)
                med = statistics.median(ts)
                pt = {"hidden": hidden, "T": T, "bytes": nbytes, "eager_us": round(med, 2), "eager_min_us": round(ts[0], 2),
                      "eager_busbw_GBps": round(nbytes * 2 * (world - 1) / world / (med * 1e-6) / 1e9, 2)}
                res["points"].append(pt)
                if rank == 0:
                    print("allreduce hidden=%d T=%-6d %10d B eager %8.2f us %7.1f GB/s" % (
                        hidden, T, nbytes, med, pt["eager_busbw_GBps"]), flush=True)
            save()
        # graphs last: a failed capture must not spoil the eager numbers
        try:
            for pt in res["points"]:
                t = bufs[(pt["hidden"], pt["T"])]
                n = 20
                s = torch.cuda.Stream()
                s.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(s):
                    dist.all_reduce(t)
                torch.cuda.current_stream().wait_stream(s)
                torch.cuda.synchronize()
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g):
                    for _ in range(n):
                        dist.all_reduce(t)
                torch.cuda.synchronize()
                dist.barrier()
                g.replay()
                torch.cuda.synchronize()
                ts = []
                for _ in range(5):
                    s0, e0 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s0.record()
                    g.replay()
                    e0.record()
                    e0.synchronize()
                    ts.append(s0.elapsed_time(e0) * 1e3 / n)
                med = statistics.median(ts)
                pt["graph_us"] = round(med, 2)
                pt["graph_busbw_GBps"] = round(pt["bytes"] * 2 * (world - 1) / world / (med * 1e-6) / 1e9, 2)
                if rank == 0:
                    print("allreduce hidden=%d T=%-6d graph %8.2f us %7.1f GB/s" % (
                        pt["hidden"], pt["T"], med, pt["graph_busbw_GBps"]), flush=True)
                del g
        except Exception as e:
            res["graph_error"] = "%s: %s" % (type(e).__name__, e)
            res["errors"].append(traceback.format_exc()[-2000:])
        save()
        dist.destroy_process_group()
    except Exception as e:
        res["errors"].append("%s: %s" % (type(e).__name__, e))
        res["errors"].append(traceback.format_exc()[-3000:])
        save()
        raise


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    import torch
    import torch.multiprocessing as mp
    world = torch.cuda.device_count()
    if world < 2:
        with open(a.out, "w") as f:
            json.dump({"error": "needs 2 GPUs, found %d" % world}, f)
        print("allreduce: needs 2 GPUs, found %d" % world)
        return
    world = 2
    mp.spawn(worker, args=(world, a.out, a.quick, free_port()), nprocs=world, join=True)


if __name__ == "__main__":
    main()
