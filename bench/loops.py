"""    python -m bench.loops [RUN_DIR ...] [--length 60] [--height 240] [--iters 30] [--out outputs/bench_loops]

Benchmark of seamless 360° loops (nbs/22_loops.ipynb, "Measured"): the baseline (one start and one period per tile)
against the optimised looping loss, on

- the synthetic looping clip (`make_synthetic(loop_period=12)`, still camera, 30 frames at `--height`×2·height),
  looped at `--length` frames (a multiple of its period: the baseline can be perfect) and at 1.5 periods (it cannot);
- each fitted run given (`npr fit` output folders of real clips), looped in its background atlas at `--height`.

For each case it runs `npr_lib.loops.make_loop` into OUT/<case>/ (loop.mp4, loop_twice.mp4, labels.png, loop.json),
draws OUT/<case>/slices.png (a line of longitude through the looping region over two plays of the loop, baseline
above optimised: a seam at the wrap shows as a horizontal break) and prints one Markdown table with the metrics of
both methods and the loop time (fit excluded). Run it alone, from the repository root, with OMP_NUM_THREADS set.
"""
import argparse, json, sys, time
from pathlib import Path

import torch


def slices_figure(video, base, opt, labels, tile, path, title):
    "Longitude–time slices through the looping region (centred, across the seam if it lies there): input, then two plays of each loop."
    import math
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from npr_lib.files import atomic_path
    from npr_lib.loops import tile_mask
    W = video.shape[-1]
    row = int((labels == 1).sum(1).argmax())*tile + tile//2
    cols = tile_mask(labels, tile, feather=False)[row].nonzero()[:, 0].float()
    ang = 2*math.pi*(cols + 0.5)/W
    centre = (math.atan2(float(ang.sin().mean()), float(ang.cos().mean()))*W/(2*math.pi)) % W     # circular mean column
    shift = int(round(W/2 - centre))
    off = ((cols + shift) % W - W/2).abs().max().item()
    half = int(min(W/2, off + 2*tile))
    lo, hi = W//2 - half, W//2 + half
    lon = lambda c: (c - shift + 0.5)*360/W - 180                       # longitude of a rolled column (may pass ±180)
    fig, axs = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw=dict(width_ratios=[len(video), 2*len(base), 2*len(opt)]))
    for ax, v, name in zip(axs, (video, torch.cat([base, base]), torch.cat([opt, opt])), ('input', 'baseline, played twice', 'optimised, played twice')):
        sl = v[:, :, row].roll(shift, -1)[..., lo:hi]
        ax.imshow(sl.permute(2, 0, 1).clamp(0, 1).numpy(), aspect='auto', interpolation='nearest', extent=(0, len(v), lon(hi), lon(lo)))
        if name != 'input': ax.axvline(len(v)//2, color='w', lw=0.8, ls=':')
        ax.set_title(name, fontsize=9); ax.set_xlabel('frame')
    axs[0].set_ylabel(f'longitude (°) at row {row}')
    fig.suptitle(title, fontsize=10); fig.tight_layout()
    with atomic_path(path) as tmp: fig.savefig(tmp, dpi=90, format='png')
    plt.close(fig)


def case(name, source, out, length, height, iters, tile, still=False):
    from npr_lib.loops import make_loop
    t0 = time.perf_counter()
    r = make_loop(source, out, length=length, height=height, iters=iters, tile=tile, still=still, scale=1.0, progress=False)
    secs = time.perf_counter() - t0
    return r, secs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='*', help='fitted run folders of real clips')
    p.add_argument('--length', type=int, default=60)
    p.add_argument('--height', type=int, default=240, help='atlas-space height of the loops (and of the synthetic clip)')
    p.add_argument('--iters', type=int, default=30, help='optimisation iterations per pyramid level')
    p.add_argument('--tile', type=int, default=8)
    p.add_argument('--period', type=int, default=12, help="the synthetic clip's period")
    p.add_argument('--out', type=Path, default=Path('outputs/bench_loops'))
    a = p.parse_args(argv)
    from npr_lib.synthetic import make_synthetic, save_npr_layout
    from npr_lib.loops import loop_labels, baseline_loop, optimise_loop, stabilise
    from npr_lib.runs import open_run
    a.out.mkdir(parents=True, exist_ok=True)
    syn = a.out/'synthetic_clip'
    if not (syn/'frames').exists():
        c, _ = make_synthetic(H=a.height, n_frames=30, n_objects=1, camera_yaw_deg_per_frame=0., pitch_wobble_deg=0.,
                              object_speed_deg_per_frame=0., loop_period=a.period)
        save_npr_layout(c, syn)
    cases = [(f'synthetic_L{a.length}', syn, a.length, True), (f'synthetic_L{3*a.period//2}', syn, 3*a.period//2, True)]
    cases += [(Path(r).name, Path(r), a.length, False) for r in a.runs]
    rows = []
    for name, src, length, still in cases:
        out = a.out/name
        r, secs = case(name, src, out, length, a.height, a.iters, a.tile, still)
        print(f"{name}: {secs:.0f} s ({r['seconds']})", flush=True)
        rows.append((name, length, r))
        # the slice figure needs the loops themselves: rebuild them from the same inputs (fast) and the kept state
        if still:
            from npr_lib.clip import open_clip
            video = open_clip(src, scale=1.0).frames
        else:
            model, clip, _ = open_run(src)
            video, _ = stabilise(model, clip, a.height)
        labels = loop_labels(video, a.tile)
        if (labels == 1).any():
            base = baseline_loop(video, labels, length, a.tile)[0]
            opt = optimise_loop(video, labels, length, a.tile, iters=a.iters, checkpoint=out/'loop_state.pt', progress=False)
            slices_figure(video, base, opt, labels, a.tile, out/'slices.png', f"{name}: {length}-frame loop")
            if still:   # where the optimisation starts: the other two choices, for the record
                from npr_lib.loops import loop_metrics
                for init in ('baseline', 'noise'):
                    o = optimise_loop(video, labels, length, a.tile, init=init, iters=a.iters, progress=False)
                    r['metrics'][f'optimise, init={init}'] = loop_metrics(o, video, labels, a.tile)
    keys = ('wrap_jump', 'liveliness', 'coherence', 'completeness', 'seam_ratio', 'static_psnr')
    f = lambda v: '—' if v is None else f'{v:.2f}'
    md = ["| case | L | loop tiles | method | " + ' | '.join(keys) + " | loop s |", '|' + '---|'*(len(keys) + 5)]
    for name, length, r in rows:
        for m in r['metrics']:
            md.append(f"| {name} | {length} | {r['labels']['loop']} | {m} | " + ' | '.join(f(r['metrics'][m][k]) for k in keys)
                      + f" | {r['seconds']['loop'] if m == 'optimise' else ''} |")
    text = '\n'.join(md)
    print(text)
    (a.out/'summary.md').write_text(text + '\n')
    return 0


if __name__ == '__main__': sys.exit(main())
