"""    OMP_NUM_THREADS=1 python -m bench.person [--scale 0.5] [--clips Walking_Boy …] [--fov 120]

Person masks on the four shared 360NPR clips: the selfie-segmentation network on perspective views aimed at
the person (`person_masks`, tracked and untracked) against the same network on the whole equirectangular frame
(`segment_equirect`); IoU of each frame against the clip's given masks. Prints a table. It backs
nbs/06a_person.ipynb (views against the whole frame, and its IoU table). Needs `ai-edge-litert` and the model
(see `npr_lib.person.find_person_model`). Run it from the repository root.
"""
import argparse, sys, time
import numpy as np

from npr_lib.clip import load_clip, shared_clip_dir
from npr_lib.person import person_masks, segment_equirect, load_person_model

CLIPS = ['Walking_Boy', 'Classroom', 'Tram', 'Elephant']

def iou_per_frame(masks, truth):
    m, g = np.asarray(masks) > 0.5, np.asarray(truth) > 0.5
    return np.array([(a & b).sum()/max(1, (a | b).sum()) for a, b in zip(m, g)])

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--scale', type=float, default=0.5, help='frame scale (0.5 → 480×240)')
    p.add_argument('--clips', nargs='+', default=CLIPS)
    p.add_argument('--fov', type=float, default=120.)
    p.add_argument('--threads', type=int, default=1, help='TFLite threads')
    a = p.parse_args(argv)
    if shared_clip_dir() is None:
        print("skipped: the shared 360NPR clips are not beside the repository (../shared/data/360npr)"); return 0
    try: seg = load_person_model(num_threads=a.threads)
    except (ImportError, FileNotFoundError) as e: print(f"skipped: {e}"); return 0
    methods = {'views, tracked': lambda c: person_masks(c, fov=a.fov, track=True, progress=False, num_threads=a.threads)[:, 0],
               'views, everybody': lambda c: person_masks(c, fov=a.fov, track=False, progress=False, num_threads=a.threads)[:, 0],
               'whole frame': lambda c: segment_equirect(c.frames) > 0.5}
    rows, times = {}, {}
    for name in a.clips:
        if shared_clip_dir(name) is None: print(f"{name}: not found, skipped"); continue
        clip = load_clip(shared_clip_dir(name), scale=a.scale)
        for meth, f in methods.items():
            t0 = time.perf_counter(); m = f(clip); dt = time.perf_counter() - t0
            v = iou_per_frame(m, clip.masks[:, 0])
            rows.setdefault(meth, {})[name] = (v.mean(), v.min()); times.setdefault(meth, {})[name] = dt/clip.N
        print(f"{name} {clip.W}×{clip.H}, {clip.N} frames: " +
              ", ".join(f"{m} {rows[m][name][0]:.3f} ({times[m][name]*1e3:.0f} ms/frame)" for m in methods), flush=True)
    names = [n for n in a.clips if n in rows['whole frame']]
    print(f"\nPerson-mask IoU against the given masks (scale {a.scale}, fov {a.fov:g}°); mean over frames (worst frame); ms per frame")
    print("| method | " + " | ".join(names) + " | ms/frame |")
    print("|---|" + "---|"*(len(names) + 1))
    for m in methods:
        print(f"| {m} | " + " | ".join(f"{rows[m][n][0]:.3f} ({rows[m][n][1]:.2f})" for n in names) +
              f" | {np.mean([times[m][n] for n in names])*1e3:.0f} |")
    return 0

if __name__ == '__main__': sys.exit(main())
