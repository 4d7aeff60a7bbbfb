"""    python -m bench.fast_vs_paper [CLIP] [--scale 0.5] [--minutes 10] [--device auto] [--out outputs/bench]

Benchmark: the `fast` configuration against the paper-faithful `npr_paper`, same clip, same wall-clock budget, one run.
It backs nbs/13_evaluate.ipynb ("`fast` against `npr_paper`": the 28× and the figure nbs/images/fast_vs_paper.png).
Run it from the repository root.

The two train in one process, step by step, always stepping the one that has trained less so far, so both
see the same machine (a sequential run would credit one with a quiet machine and blame the other for a busy
one). Prints WS-PSNR against training time for both (on a fixed sphere-uniform sample of 32k pixels, evaluated
outside the timed training, at 2 s, then 20 % later each time, at most minutes·1.5 s apart), and how many times sooner `fast` reaches the best WS-PSNR `npr_paper` reached.
Writes the curves to OUT/fast_vs_paper.json and a figure OUT/fast_vs_paper.png.
"""
import argparse, json, time
from pathlib import Path
import torch
from npr_lib.clip import open_clip, shared_clip_dir
from npr_lib.files import atomic_path, atomic_write_text
from npr_lib.geometry import chunked
from npr_lib.train import Trainer, Sampler
from npr_lib.metrics import mse_to_psnr

class Run:
    "One configuration's trainer, its WS-PSNR curve on the fixed evaluation sample, and its next evaluation time."
    def __init__(self, clip, config, device, eval_idx, every_s):
        self.config, self.every_s, self.next_eval = config, every_s, min(2., every_s)
        self.tr = Trainer(clip, config, device=device)
        self.tr.initialise()
        k, y, x = eval_idx
        self.k, self.v, self.target = k, self.tr.sampler.grid[y, x], self.tr.sampler.frames[k, y, x]
        self.curve = [(0.0, self.score())]

    def score(self):
        with torch.no_grad():
            out = chunked(lambda v, k: self.tr.model(v, k)['rgb'], self.v, self.k, chunk=8192)
        return mse_to_psnr(((out - self.target)**2).mean()).item()

    def step(self):
        tr = self.tr
        t0 = time.perf_counter(); tr.train_step(); tr.elapsed += time.perf_counter() - t0
        if tr.elapsed >= self.next_eval:
            self.curve.append((tr.elapsed, self.score()))
            self.next_eval = min(self.next_eval*1.2, self.next_eval + self.every_s)
            print(f"{self.config:9s} {tr.elapsed:7.1f} s  step {tr.step:6d}  WS-PSNR {self.curve[-1][1]:6.2f} dB", flush=True)

def race(runs, minutes):
    "Step whichever run has trained least so far, until all have trained `minutes`: both see the same machine."
    while (r := min(runs, key=lambda r: r.tr.elapsed)).tr.elapsed < 60*minutes: r.step()
    for r in runs: r.curve.append((r.tr.elapsed, r.score()))
    return [dict(config=r.config, steps=r.tr.step, curve=r.curve) for r in runs]

def time_to(curve, level):
    return next((t for t, p in curve if p >= level), None)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('clip', nargs='?', default=None)
    ap.add_argument('--scale', type=float, default=0.5)
    ap.add_argument('--minutes', type=float, default=10.)
    ap.add_argument('--frames', default=None)
    ap.add_argument('--device', default='auto')
    ap.add_argument('--out', default='outputs/bench')
    a = ap.parse_args()
    path = a.clip or shared_clip_dir('Walking_Boy') or 'synthetic'
    clip = open_clip(path, scale=a.scale, frames=a.frames)
    print(clip, flush=True)
    eval_idx = Sampler(clip, 'cpu', seed=123).indices(32768)   # the same sphere-uniform pixels for both
    every = max(5., 60*a.minutes/40)
    res = race([Run(clip, c, a.device, eval_idx, every) for c in ('npr_paper', 'fast')], a.minutes)
    paper, fast = res
    level = max(p for _, p in paper['curve'])
    t_paper, t_fast = time_to(paper['curve'], level), time_to(fast['curve'], level)
    ratio = t_paper/t_fast if t_fast else float('nan')
    print(f"\nbest WS-PSNR of npr_paper in {a.minutes} min: {level:.2f} dB, reached at {t_paper:.0f} s")
    reached = f"fast reaches it at {t_fast:.1f} s: {ratio:.1f}× sooner" if t_fast else "fast does not reach it"
    print(f"{reached}; fast ends at {fast['curve'][-1][1]:.2f} dB ({fast['steps']} steps vs {paper['steps']})")
    out = Path(a.out)
    atomic_write_text(out/'fast_vs_paper.json', json.dumps(dict(clip=clip.name, scale=a.scale, minutes=a.minutes, runs=res, level=level, ratio=ratio), indent=1))
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for r in res: ax.plot(*zip(*r['curve']), label=r['config'])
    ax.set_xlabel('training seconds'); ax.set_ylabel('WS-PSNR (dB)'); ax.set_title(f'{clip.name} {clip.H}×{clip.W}'); ax.legend()
    fig.tight_layout()
    with atomic_path(out/'fast_vs_paper.png') as tmp: fig.savefig(tmp, dpi=100)
