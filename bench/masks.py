"""    python -m bench.masks [--scale 0.5] [--refine local grabcut none] [--clips Walking_Boy …]

Mask propagation on the four shared 360NPR clips: key mask = the clip's mask at the middle frame,
IoU of the propagated masks against the clip's masks in every frame. Prints a table. It backs
nbs/06_masks.ipynb (the refinement chosen and its IoU table). Run it from the repository root.
"""
import argparse, sys, time
import numpy as np

from npr_lib.clip import load_clip, shared_clip_dir
from npr_lib.flow import compute_flow
from npr_lib.masks import propagate_mask

CLIPS = ['Walking_Boy', 'Classroom', 'Tram', 'Elephant']
REFINE = {'none': False, 'grabcut': 'grabcut', 'local': True}

def iou_per_frame(masks, truth):
    m, g = masks.numpy() > 0.5, truth.numpy() > 0.5
    return np.array([(a & b).sum()/max(1, (a | b).sum()) for a, b in zip(m, g)])

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--scale', type=float, default=0.5, help='frame scale (0.5 → 480×240)')
    p.add_argument('--refine', nargs='+', default=['none', 'grabcut', 'local'], choices=list(REFINE))
    p.add_argument('--clips', nargs='+', default=CLIPS)
    a = p.parse_args(argv)
    if shared_clip_dir() is None:
        print("skipped: the shared 360NPR clips are not beside the repository (../shared/data/360npr)"); return 0
    rows, times = {}, {}
    for name in a.clips:
        if shared_clip_dir(name) is None: print(f"{name}: not found, skipped"); continue
        clip = load_clip(shared_clip_dir(name), scale=a.scale, cache=False)
        key = clip.N//2
        t0 = time.perf_counter(); flow = compute_flow(clip, progress=False); tf = time.perf_counter() - t0
        times[name] = {'flow': tf}
        for r in a.refine:
            t0 = time.perf_counter()
            m = propagate_mask(clip, clip.masks[key, 0], key, flow, refine=REFINE[r], progress=False)
            times[name][r] = time.perf_counter() - t0
            v = iou_per_frame(m[:, 0], clip.masks[:, 0])
            rows.setdefault(r, {})[name] = (v.mean(), v.min())
        print(f"{name} {clip.W}×{clip.H}, {clip.N} frames, key frame {key}: " +
              ", ".join(f"{r} {rows[r][name][0]:.3f}" for r in a.refine) + f"  (flow {tf:.1f}s)", flush=True)
    names = [n for n in a.clips if n in times]
    print(f"\nMask IoU against the given masks (key frame = middle frame, scale {a.scale}); mean over frames (worst frame)")
    print(f"{'refine':<10}" + ''.join(f"{n:>20}" for n in names) + f"{'mean':>10}{'min clip':>10}")
    for r in a.refine:
        means = [rows[r][n][0] for n in names]
        print(f"{r:<10}" + ''.join(f"{rows[r][n][0]:>12.3f} ({rows[r][n][1]:.3f})" for n in names) + f"{np.mean(means):>10.3f}{min(means):>10.3f}")
    print(f"\nseconds{'':<3}" + ''.join(f"{n:>20}" for n in names))
    for what in ['flow', *a.refine]:
        print(f"{what:<10}" + ''.join(f"{times[n][what]:>20.1f}" for n in names))
    if 'local' in rows:
        means = [rows['local'][n][0] for n in names]
        ok = np.mean(means) >= 0.90 and min(means) >= 0.80
        print(f"\ntarget (mean ≥ 0.90, every clip ≥ 0.80) with refine=local: {'met' if ok else 'NOT met'}")
    return 0

if __name__ == '__main__': sys.exit(main())
