"""    python -m bench.codec [CLIPS ...] --scale 0.5 --points 5 --out outputs/bench_codec

The classic-codec half of the codec study, backing nbs/20_codec.ipynb: x264, x265, SVT-AV1 and VP9 (through PyAV) on the
four shared 360NPR clips (../shared/data/360npr, 960×480, 30 frames) and the built-in synthetic clip, at each `--scale`
(0.5 → 480×240, 1.0 → 960×480; the synthetic clip is made at the same height). For every clip and scale it runs
`npr_lib.codec.codec_experiment` with the projection study (ERP, cubemap 3×2, EAC at about the same pixel count, x264,
coded at half the clip's resolution, end to end against the clip) and latitude-adaptive coding (x264, x265), writing
rd.csv, bd.json, projections.csv, rd.png, settings.json and the decoded 360° videos to OUT/<clip>_<W>x<H>/. It then prints
Markdown tables: BD-rate against x264 in WS-PSNR-Y and PSNR-Y, latitude-adaptive against plain, projections against
ERP, and encode/decode speed. Run it from the repository root:

    python -m bench.codec --scale 0.5 --points 5 --out outputs/bench_codec              # 480×240, all five clips
    python -m bench.codec --scale 0.5 1.0 --points 5 --out outputs/bench_codec          # both resolutions
    python -m bench.codec synthetic --scale 0.25 --points 4 --frames 8 --out /tmp/bc    # a quick smoke run

CLIPS are shared clip names, paths, or `synthetic`; without the shared clips only `synthetic` runs.
"""
import argparse, json, math, sys, time
from pathlib import Path

import numpy as np

from npr_lib.clip import open_clip, shared_clip_dir
from npr_lib.codec import CODECS, PROJECTIONS, codec_experiment
from npr_lib.files import atomic_write_text

CLIPS = ['Walking_Boy', 'Classroom', 'Tram', 'Elephant', 'synthetic']
SHARED_H = 480   # the shared clips' frame height


def load(name, scale, frames):
    "A clip at `scale` of the shared clips' size; the synthetic clip made at the same height."
    sel = None if frames is None else (0, frames)
    if name == 'synthetic': return open_clip('synthetic', scale=round(SHARED_H*scale)/128, frames=sel or (0, 30))
    path = shared_clip_dir(name) or Path(name)
    return open_clip(path, scale=scale, frames=sel, cache=False)


def fmt(v, unit=''):
    return '—' if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:+.1f}{unit}"


def table(title, head, body):
    lines = [f"\n### {title}\n", '| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    lines += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in body]
    return '\n'.join(lines)


def report(results, codecs):
    "Markdown tables from {(clip, size): codec_experiment result}."
    runs = list(results)
    out = []
    for metric, label in (('ws_psnr_y', 'WS-PSNR-Y'), ('psnr_y', 'PSNR-Y')):
        others = [c for c in codecs if c != 'x264']
        body, per = [], {c: [] for c in others}
        for run in runs:
            bd = results[run]['bd']['codecs']
            vals = [bd.get(c, {}).get(f'bd_rate_{metric}') for c in others]
            for c, v in zip(others, vals):
                if v is not None: per[c].append(v)
            body.append([f"{run[0]} {run[1]}", *(fmt(v, ' %') for v in vals)])
        body.append(['**mean**', *(fmt(float(np.mean(per[c])) if per[c] else None, ' %') for c in others)])
        out.append(table(f"BD-rate against x264, {label} (negative = fewer bits for the same quality)", ['clip', *others], body))
    lat = [(run, c, v) for run in runs for c, v in results[run]['bd'].get('latitude_adaptive', {}).items()]
    if lat:
        cols = [('ws_psnr_y', 'WS-PSNR-Y'), ('psnr_y', 'PSNR-Y'), ('vp_psnr_y_equator', 'VP equator'),
                ('vp_psnr_y_sphere', 'VP sphere'), ('vp_psnr_y_poles', 'VP poles')]
        body = [[f"{r[0]} {r[1]}", c, *(fmt(v.get(f'bd_rate_{m}'), ' %') for m, _ in cols), fmt(v['bd_psnr_ws_psnr_y'], ' dB')]
                for r, c, v in lat]
        for c in dict.fromkeys(c for _, c, _ in lat):
            vals = lambda m: [v.get(f'bd_rate_{m}') for _, cc, v in lat if cc == c and v.get(f'bd_rate_{m}') is not None]
            body.append([f'**mean**', c, *(fmt(float(np.mean(vals(m))) if vals(m) else None, ' %') for m, _ in cols), ''])
        out.append(table("Latitude-adaptive against the same encoder (BD-rate in WS-PSNR-Y, PSNR-Y and viewport PSNR-Y: "
                         "8 views on the horizon, 24 spread evenly, 2 at the poles; 90° views; BD-PSNR in WS-PSNR-Y)",
                         ['clip', 'codec', *(l for _, l in cols), 'BD-WS-PSNR-Y'], body))
    proj = [(run, results[run]['bd']['projections']) for run in runs if 'projections' in results[run]['bd']]
    if proj:
        names = [p for p in PROJECTIONS if p != 'erp']
        out.append(table("Projections end to end against ERP (x264, about the same pixel count, cube faces in whole 16-pixel blocks; BD-rate in WS-PSNR-Y / PSNR-Y) "
                         "and the conversion-only anchors (WS-PSNR-Y, dB)",
                         ['clip', *(f"{p} BD" for p in names), *(f"{p} anchor" for p in PROJECTIONS)],
                         [[f"{r[0]} {r[1]}",
                           *(f"{fmt(pr['bd_vs_erp'].get(p, {}).get('bd_rate_ws_psnr_y'), ' %')} / "
                             f"{fmt(pr['bd_vs_erp'].get(p, {}).get('bd_rate_psnr_y'), ' %')}" for p in names),
                           *(f"{pr['anchors'][p]['ws_psnr_y']:.2f}" if p in pr['anchors'] else '—' for p in PROJECTIONS)]
                          for r, pr in proj]))
    speed = {}
    for run in runs:
        for row in results[run]['rows']:
            if row['codec'] in CODECS: speed.setdefault((run[1], row['codec']), []).append((row['encode_fps'], row['decode_fps']))
    out.append(table("Speed (frames per second, mean over clips and settings; this machine)", ['size', 'codec', 'encode', 'decode'],
                     [[s, c, f"{np.mean([v[0] for v in vs]):.1f}", f"{np.mean([v[1] for v in vs]):.0f}"] for (s, c), vs in speed.items()]))
    return '\n'.join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('clips', nargs='*', default=CLIPS, help='shared clip names, paths, or synthetic')
    p.add_argument('--scale', type=float, nargs='+', default=[0.5, 1.0], help='scales of the 960×480 clips (0.5 → 480×240)')
    p.add_argument('--points', type=int, default=5, help='settings per codec (at least 4)')
    p.add_argument('--codecs', nargs='+', default=['x264', 'x265', 'av1', 'vp9'], choices=list(CODECS),
                   help='codecs to run (default: the four classic ones; x264-intra and x265-intra are the all-intra variants)')
    p.add_argument('--frames', type=int, default=None, help='first N frames only (default: all)')
    p.add_argument('--no-projections', action='store_true', help='skip the projection study')
    p.add_argument('--no-latitude', action='store_true', help='skip latitude-adaptive coding')
    p.add_argument('--out', type=Path, default=Path('outputs/bench_codec'))
    a = p.parse_args(argv)
    if 'x264' not in a.codecs: p.error("--codecs: x264 is the anchor; keep it")
    clips = [c for c in a.clips if c == 'synthetic' or shared_clip_dir(c) is not None or Path(c).exists()]
    for c in a.clips:
        if c not in clips: print(f"{c}: not found (no shared clips beside the repository?), skipped")
    results, t_all = {}, time.perf_counter()
    for scale in a.scale:
        for name in clips:
            clip = load(name, scale, a.frames)
            size = f"{clip.W}x{clip.H}"
            t0 = time.perf_counter()
            res = codec_experiment(clip, a.out/f"{Path(name).name}_{size}", codecs=a.codecs, points=a.points, anchor='x264',
                                   projections=None if a.no_projections else tuple(PROJECTIONS),
                                   latitude_adaptive=not a.no_latitude, progress=False)
            results[(Path(name).name, size)] = res
            print(f"{name} {size}, {clip.N} frames: {time.perf_counter() - t0:.0f} s", flush=True)
    md = f"## Codec benchmark ({a.points} points per codec; {time.perf_counter() - t_all:.0f} s in all)\n" + report(results, a.codecs)
    print(md)
    atomic_write_text(a.out/'summary.md', md + '\n')
    return 0


if __name__ == '__main__': sys.exit(main())
