"""    python -m bench.long_clips [CLIP] [--frames 30 120 300] [--heights 240 480] [--steps 150] [--out outputs/bench_long]
    python -m bench.long_clips [CLIP] --capacity MINUTES [--frames 120] [--out outputs/bench_long]

Long and full-resolution clips (issue "Real videos", nbs/14_runs.ipynb "Will it fit?"): for each frame count and
height, `npr fit` on a ping-pong clip — the clip's frames forward then backward, repeated to the length wanted
(symbolic links in OUT/clips, nothing copied) — with a fixed step budget, each fit in its own process with a cold
flow and decode cache (the fused hash-grid kernels come compiled from this user's cache, as for any fit after the
first; `NPR_FUSED=0` measures the PyTorch lookup instead). It prints one Markdown table: peak resident memory (measured by the kernel for that
process, in GB of 10^9 bytes) beside the general bound of issue "Real videos" (1 GB + 1.5× the clip's frames and masks
in 8 bits) and `check_memory`'s estimate, the seconds of every stage from summary.json, the share of the time
spent outside training, and training steps per second. Run it alone, from the repository root, with
OMP_NUM_THREADS set; the clip defaults to the shared Walking_Boy.

With --capacity, it measures instead what the time resolution that follows the clip's length
(`time_reference_frames`, nbs/10_model.ipynb) buys on long clips: the default `fast` against `fast` with one time
resolution for every length, each fitted for MINUTES, on the synthetic clip of --frames frames (256×128, with its
ground truth: the background atlas against the true texture) and on the ping-pong clip at 480×240.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

STAGES = ('load', 'flow', 'masks', 'figures', 'train', 'render', 'evaluate', 'write', 'bake')


def pingpong(src:Path, n:int, out:Path)->Path:
    "A clip folder of `n` frames that plays `src` forward, then backward, then forward… (links to its frames and masks)."
    from npr_lib.clip import find_clip_files
    cf = find_clip_files(src)
    k = len(cf.frames)
    cycle = list(range(k)) + list(range(k - 2, 0, -1))          # 0 … k-1 … 1: no frame shown twice in a row
    order = [cycle[i % len(cycle)] for i in range(n)]
    out.mkdir(parents=True, exist_ok=True)
    sets = [('frames', cf.frames)] + [(f'masks/{obj}' if len(cf.masks) > 1 else 'masks', files) for obj, files in cf.masks.items()]
    for sub, files in sets:
        d = out/sub; d.mkdir(parents=True, exist_ok=True)
        for i, j in enumerate(order):
            link = d/f'{i + 1:05d}{files[j].suffix}'
            if link.is_symlink() or link.exists(): link.unlink()
            link.symlink_to(files[j].resolve())
    return out


def warm_kernels()->Path|None:
    "Compile the fused hash-grid kernels a fit uses into this user's cache (a no-op once they are there); their folder."
    import torch
    from npr_lib.encodings import HashGrid, fused_available
    from npr_lib.files import default_cache_dir
    if not fused_available(): return None
    for d in (3, 4):
        x = torch.rand(8, d, requires_grad=True)
        HashGrid(d)(x).sum().backward()
    return default_cache_dir()/'kernels'


def run(clip:Path, scale:float, steps:int, out:Path)->dict:
    "One `npr fit` in a child process: its peak RSS (bytes) and summary.json."
    env = dict(os.environ, NPR_CACHE=str(out/'cache'))
    if (kernels := warm_kernels()) is not None:   # a cold clip and flow cache, but the compiled kernels of an installed library
        (out/'cache').mkdir(parents=True, exist_ok=True)
        if not (out/'cache'/'kernels').exists(): (out/'cache'/'kernels').symlink_to(kernels, target_is_directory=True)
    cmd = [str(Path(sys.executable).parent/'npr'), 'fit', str(clip), '--scale', str(scale), '--steps', str(steps),
           '--out', str(out), '--fresh', '--quiet']
    t0 = time.perf_counter()
    with open(out.parent/f'{out.name}.log', 'w') as log:
        p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(p.pid, 0)
    if status: raise RuntimeError(f"{' '.join(cmd)} failed; see {out.parent/f'{out.name}.log'}")
    s = json.loads((out/'summary.json').read_text())
    return dict(peak=usage.ru_maxrss*1024, wall=time.perf_counter() - t0, summary=s)


def capacity(src:Path, n:int, minutes:float, out:Path)->list[dict]:
    "`fast` with and without the time resolution following the clip length, fitted side by side on two long clips."
    import torch
    from npr_lib.config import get_config
    from npr_lib.clip import load_clip
    from npr_lib.synthetic import make_synthetic
    from npr_lib.preprocess import preprocess_clip
    from npr_lib.train import Trainer
    from npr_lib.evaluate import render_clip, evaluate_model, background_atlas_psnr
    flat = dict(time_reference_frames=None)
    configs = {'fast (time cells ∝ frames)': get_config('fast'),
               'fast, one time resolution': get_config('fast', model=dict(mapping=flat, backward=flat, residual=flat))}
    syn, truth = make_synthetic(H=128, n_frames=n)
    clips = [('synthetic', syn, truth), (f'{src.name} ping-pong', load_clip(pingpong(src, n, out/'clips'/f'{src.name}_{n}'), scale=0.5, cache=False), None)]
    rows = []
    for cname, clip, tr in clips:
        _, flow, _ = preprocess_clip(clip, progress=False)
        for name, cfg in configs.items():
            t = Trainer(clip, cfg, flow=flow).fit(minutes=minutes, progress=False)
            r = render_clip(t.model, clip.H, clip.W, layers=tr is not None)
            m = evaluate_model(t.model, clip, r)
            row = dict(clip=cname, config=name, frames=clip.N, ws_psnr=m['ws_psnr'], ws_psnr_no_residual=m['ws_psnr_no_residual'],
                       alpha_iou=m.get('alpha_iou'), steps=t.step, params=sum(p.numel() for p in t.model.parameters()))
            if tr is not None: row['atlas_psnr'] = background_atlas_psnr(t.model, tr, r)
            rows.append(row); print(row, flush=True)
            (out/'capacity.json').write_text(json.dumps(rows, indent=1))
            del r, t
    print(f"\n{minutes:g} minutes of training each, {n} frames\n")
    print('| clip | configuration | WS-PSNR | without residual | alpha IoU | background atlas vs truth | steps |\n|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['clip']} | {r['config']} | {r['ws_psnr']:.2f} | {r['ws_psnr_no_residual']:.2f} | {r['alpha_iou']:.3f} | "
              + (f"{r['atlas_psnr']:.2f}" if 'atlas_psnr' in r else '') + f" | {r['steps']} |")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('clip', nargs='?', help='a clip folder (default: the shared Walking_Boy)')
    p.add_argument('--frames', type=int, nargs='+', default=[30, 120, 300])
    p.add_argument('--heights', type=int, nargs='+', default=[240, 480], help='frame heights to fit at')
    p.add_argument('--steps', type=int, default=150, help='training steps of every fit (the same for all, for steps/s)')
    p.add_argument('--out', default='outputs/bench_long')
    p.add_argument('--capacity', type=float, default=None, metavar='MINUTES', help='compare the time resolutions instead (minutes per fit)')
    a = p.parse_args(argv)
    from npr_lib.clip import shared_clip_dir, validate_clip_folder
    src = Path(a.clip) if a.clip else shared_clip_dir('Walking_Boy')
    if src is None: sys.exit("no clip given and the shared clips are not beside the repository")
    H0 = validate_clip_folder(src).size[0]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.capacity is not None: return capacity(src, a.frames[0], a.capacity, out)
    rows = []
    for n in a.frames:
        clip = pingpong(src, n, out/'clips'/f'{src.name}_{n}')
        for h in a.heights:
            name = f'{src.name}_{n}_{2*h}x{h}'
            print(f"{name} …", flush=True)
            r = run(clip, h/H0, a.steps, out/name)
            s = r['summary']
            st = s['stages']
            fit = s['fit']
            rows.append(dict(name=name, frames=n, width=2*h, height=h, peak_gb=r['peak']/1e9, estimate_gb=s['memory']['peak']/1e9, peak_stage=s['memory'].get('peak_stage'),
                             bound_gb=1 + 1.5*s['memory']['clip']/1e9,   # the general bound: 1 GB + 1.5× the clip's frames and masks in 8 bits
                             clip_mb=s['memory']['clip']/2**20, flow_mb=s['memory'].get('flow', 0)/2**20,
                             stages={k: st.get(k, 0.) for k in STAGES}, total=st['total'], wall=r['wall'],
                             outside=1 - st['train']/st['total'], steps_per_s=fit['steps']/fit['train_seconds'],
                             ws_psnr=fit['ws_psnr'], rendered=fit.get('frames_scored', n),
                             render_s_per_frame=st['render']/fit.get('frames_scored', n)))
            (out/'results.json').write_text(json.dumps(rows, indent=1))
    print(f"\n{a.steps} training steps each; peak = the process's maximum resident memory, in GB of 10^9 bytes; bound = 1 GB + 1.5× the clip's "
          "frames and masks in 8 bits; stages in seconds\n")
    print('| frames | size | peak GB | bound GB | estimate GB | peak set in | ' + ' | '.join(STAGES) + ' | outside training | steps/s | frames rendered | render s/frame |')
    print('|' + '---|'*(len(STAGES) + 10))
    for r in rows:
        print(f"| {r['frames']} | {r['width']}×{r['height']} | {r['peak_gb']:.3f} | {r['bound_gb']:.3f} | {r['estimate_gb']:.2f} | {r['peak_stage']} | "
              + ' | '.join(f"{r['stages'][k]:.0f}" for k in STAGES)
              + f" | {100*r['outside']:.0f} % ({r['total'] - r['stages']['train']:.0f} s) | {r['steps_per_s']:.2f} | {r['rendered']} | {r['render_s_per_frame']:.2f} |")


if __name__ == '__main__':
    main()
