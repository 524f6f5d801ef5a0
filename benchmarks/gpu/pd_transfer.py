"""KV transfer between two GPUs of one host, as a prefill/decode split moves a request's KV cache
(issue 16, item 3): GPU 0 holds a paged KV cache (Llama-3-8B shapes: 32 layers, 8 KV heads, head
dim 128, bf16, 16-token blocks), a request's blocks go to free blocks of GPU 1's paged cache.

Sections (each written to --out as soon as it ends):
- contiguous: one peer copy of N bytes GPU 0 -> GPU 1 (copy engine), N = 4 KiB .. 1 GiB;
- per_block: one peer copy per block per layer (K and V of one layer-block are contiguous in the
  layout used here, [blocks, 2, block_tokens, kv_heads, head_dim] per layer), the naive transfer;
- gathered: per layer, index_select of the request's blocks into a contiguous buffer on GPU 0, one
  peer copy, index_copy_ into GPU 1's cache (how connectors batch blocks);
- gathered_all: one gather of every layer into one buffer, one peer copy, one scatter.
Times: CUDA events recorded on the current stream of GPU 0 around the whole transfer (the copy is
enqueued on GPU 0's stream, so the end event waits for it), median of reps after warm-up; the
destination is synchronized too before the end event where the scatter runs on GPU 1.
No NCCL; NVLink multicast unused.
"""
import argparse
import json
import os
import statistics
import time
import traceback

LAYERS, KV_HEADS, HEAD_DIM, BLOCK = 32, 8, 128, 16
DT_BYTES = 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--deadline-at", type=float, default=0)
    a = ap.parse_args()
    import torch
    res = {"what": __doc__.strip().splitlines()[0], "model": {"layers": LAYERS, "kv_heads": KV_HEADS,
           "head_dim": HEAD_DIM, "block_tokens": BLOCK, "dtype": "bfloat16"}, "sections": {}, "errors": []}
    t0 = time.time()

    def save():
        res["wall_s"] = round(time.time() - t0, 2)
        with open(a.out + ".tmp", "w") as f:
            json.dump(res, f, indent=1)
        os.replace(a.out + ".tmp", a.out)

    def late():
        return a.deadline_at and time.time() > a.deadline_at

    n = torch.cuda.device_count()
    res["gpus"] = [torch.cuda.get_device_name(i) for i in range(n)]
    res["torch"] = torch.__version__
    if n < 2:
        res["errors"].append("needs 2 GPUs, found %d" % n)
        save()
        return
    res["peer_access"] = bool(torch.cuda.can_device_access_peer(0, 1))
    d0, d1 = torch.device("cuda", 0), torch.device("cuda", 1)
    reps = 5 if a.quick else 20

    def timed(fn):
        fn()
        torch.cuda.synchronize(d0)
        torch.cuda.synchronize(d1)
        out = []
        for _ in range(reps):
            s = torch.cuda.Event(enable_timing=True)
            e = torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize(d1)
            with torch.cuda.device(d0):
                s.record()
                fn()
                # wait for GPU 1's work (the scatter) on GPU 0's stream before the end event
                w = torch.cuda.Event()
                with torch.cuda.device(d1):
                    w.record()
                torch.cuda.current_stream(d0).wait_event(w)
                e.record()
            e.synchronize()
            out.append(s.elapsed_time(e) * 1000.0)
        return statistics.median(out), min(out)

    # contiguous
    try:
        pts = []
        sizes = [4096 << (2 * i) for i in range(10)] if not a.quick else [4096, 1 << 20, 64 << 20]
        for size in sizes:
            if late() or size > (1 << 30):
                break
            src = torch.empty(size, dtype=torch.uint8, device=d0)
            dst = torch.empty(size, dtype=torch.uint8, device=d1)
            med, mn = timed(lambda: dst.copy_(src, non_blocking=True))
            pts.append({"bytes": size, "median_us": round(med, 2), "min_us": round(mn, 2),
                        "gbps": round(size / med / 1e3, 2)})
            del src, dst
        res["sections"]["contiguous"] = pts
    except Exception:
        res["errors"].append("contiguous: " + traceback.format_exc())
    save()

    # paged caches: per layer [blocks, 2, BLOCK, KV_HEADS, HEAD_DIM]
    try:
        cache_blocks = 4096 if not a.quick else 512
        torch.manual_seed(0)
        src = [torch.randn(cache_blocks, 2, BLOCK, KV_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=d0)
               for _ in range(LAYERS)]
        dst = [torch.zeros(cache_blocks, 2, BLOCK, KV_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=d1)
               for _ in range(LAYERS)]
        block_bytes = 2 * BLOCK * KV_HEADS * HEAD_DIM * DT_BYTES
        prompts = [512, 2048, 8192, 32768] if not a.quick else [512, 2048]
        per_block, gathered, gathered_all = [], [], []
        g = torch.Generator().manual_seed(1)
        for tokens in prompts:
            if late():
                break
            nb = tokens // BLOCK
            if nb > cache_blocks:
                break
            sidx = torch.randperm(cache_blocks, generator=g)[:nb].to(d0)
            didx = torch.randperm(cache_blocks, generator=g)[:nb].to(d1)
            sl, dl = sidx.tolist(), didx.tolist()
            total = nb * block_bytes * LAYERS

            def naive():
                for l in range(LAYERS):
                    s, d = src[l], dst[l]
                    for i in range(nb):
                        d[dl[i]].copy_(s[sl[i]], non_blocking=True)

            if nb * LAYERS <= 20000:
                med, mn = timed(naive)
                per_block.append({"tokens": tokens, "blocks": nb, "copies": nb * LAYERS, "bytes": total,
                                  "median_us": round(med, 2), "min_us": round(mn, 2)})
            bufs0 = torch.empty(nb, 2, BLOCK, KV_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=d0)
            bufs1 = torch.empty(nb, 2, BLOCK, KV_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=d1)

            def per_layer():
                for l in range(LAYERS):
                    torch.index_select(src[l], 0, sidx, out=bufs0)
                    bufs1.copy_(bufs0, non_blocking=True)
                    with torch.cuda.device(d1):
                        dst[l].index_copy_(0, didx, bufs1)

            med, mn = timed(per_layer)
            gathered.append({"tokens": tokens, "blocks": nb, "bytes": total, "median_us": round(med, 2),
                             "min_us": round(mn, 2), "gbps": round(total / med / 1e3, 2)})
            # check the data arrived
            ok = bool(torch.equal(dst[LAYERS - 1][didx[-1]].to(d0), src[LAYERS - 1][sidx[-1]]))
            gathered[-1]["data_ok"] = ok
            big0 = torch.empty(LAYERS, nb, 2, BLOCK, KV_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=d0)
            big1 = torch.empty(LAYERS, nb, 2, BLOCK, KV_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=d1)

            def all_layers():
                for l in range(LAYERS):
                    torch.index_select(src[l], 0, sidx, out=big0[l])
                big1.copy_(big0, non_blocking=True)
                with torch.cuda.device(d1):
                    for l in range(LAYERS):
                        dst[l].index_copy_(0, didx, big1[l])

            med, mn = timed(all_layers)
            gathered_all.append({"tokens": tokens, "blocks": nb, "bytes": total, "median_us": round(med, 2),
                                 "min_us": round(mn, 2), "gbps": round(total / med / 1e3, 2)})
            del bufs0, bufs1, big0, big1
            res["sections"]["per_block"] = per_block
            res["sections"]["gathered"] = gathered
            res["sections"]["gathered_all"] = gathered_all
            save()
    except Exception:
        res["errors"].append("paged: " + traceback.format_exc())
    save()


if __name__ == "__main__":
    main()
