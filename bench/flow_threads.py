"""    python -m bench.flow_threads [CLIP] [--frames 300] [--out outputs/bench_flow_threads]

The training flow's stage (issue "Real videos": time outside training) with its pairs computed by one thread
against as many threads as torch has (`compute_flow(workers=…)`, nbs/05_flow.ipynb), side by side in one run: the
ping-pong clip of --frames frames made from CLIP (the shared Walking_Boy by default, as bench/long_clips.py makes
it), at the `fast` configuration's flow height and gaps with their strides and heights, exactly as `preprocess_clip` computes
them (no cache). Prints seconds per gap and the ratio, and checks that both give the same flow to the bit.
Run it alone, with OMP_NUM_THREADS set (2 on this machine).
"""
import argparse, json, time
from pathlib import Path
import torch
from npr_lib.clip import load_clip, shared_clip_dir
from npr_lib.config import get_config
from npr_lib.flow import _flow_frames, compute_flow
from npr_lib.preprocess import flow_gap_list, flow_strides, flow_heights
from bench.long_clips import pingpong


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('clip', nargs='?', default=None)
    ap.add_argument('--frames', type=int, default=300)
    ap.add_argument('--out', default='outputs/bench_flow_threads')
    a = ap.parse_args(argv)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    src = Path(a.clip) if a.clip else shared_clip_dir()/'Walking_Boy'
    clip = load_clip(pingpong(src, a.frames, out/'clip'))
    tcfg = get_config('fast')['training']
    gaps = flow_gap_list(None, clip.N, 'fast')
    strides = flow_strides(gaps, clip.N, tcfg['flow_pairs_per_gap'])
    heights = flow_heights(strides, min(clip.H, tcfg['flow_height']))
    t = time.perf_counter(); rgbs = {h: _flow_frames(clip, h) for h in set(heights.values())}; resize_s = time.perf_counter() - t
    n = torch.get_num_threads()
    rows, same = [], True
    for g in gaps:
        secs = {}
        for w in (1, n):
            t = time.perf_counter()
            fl = compute_flow(rgbs[heights[g]], gap=g, stride=strides[g], progress=False, workers=w)
            secs[w] = time.perf_counter() - t
            if w == 1: ref = fl
        same &= all(torch.equal(ref[k], fl[k]) for k in ('forward', 'backward', 'forward_valid', 'backward_valid'))
        rows.append(dict(gap=g, pairs=len(fl['starts']), height=heights[g], one_thread_s=secs[1], threads_s=secs[n]))
    tot1, totn = sum(r['one_thread_s'] for r in rows), sum(r['threads_s'] for r in rows)
    print(f"{clip.N} frames of {src.name} (ping-pong), flow at {' and '.join(f'{2*h}×{h}' for h in sorted(rgbs, reverse=True))} (resizing {resize_s:.1f} s), "
          f"{n} threads; same flow to the bit: {same}\n")
    print(f"| gap | pairs | height | 1 thread s | {n} threads s | speed-up |\n|---|---|---|---|---|---|")
    for r in rows: print(f"| {r['gap']} | {r['pairs']} | {r['height']} | {r['one_thread_s']:.1f} | {r['threads_s']:.1f} | {r['one_thread_s']/r['threads_s']:.2f}× |")
    print(f"| all | {sum(r['pairs'] for r in rows)} | | {tot1:.1f} | {totn:.1f} | {tot1/totn:.2f}× |")
    (out/'flow_threads.json').write_text(json.dumps(dict(frames=clip.N, clip=str(src), threads=n, same=same, resize_s=resize_s, rows=rows), indent=1))
    if not same: raise SystemExit("the threaded flow differs from one thread's")


if __name__ == '__main__': main()
