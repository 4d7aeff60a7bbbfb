"""Benchmark: how steady an atlas edit is, against pasting the edit into one frame and carrying it along the flow.

    python tests/bench_edit_consistency.py RUN_DIR [RUN_DIR ...] [--gaps 1,4,8,16,24] [--measure dis,farneback]
                                           [--out outputs/bench_edit] [--pictures DIR]

RUN_DIR is an `npr fit` output folder (e.g. from `npr fit ../shared/data/360npr/Tram --scale 0.5 --minutes 10`).
For each run a patterned logo is stamped on the background atlas where the background is seen (chosen
automatically from the middle frame's masks), every frame is rendered with `npr_lib.edit.render_edited`, and
the naive baseline pastes the atlas edit's own first frame into frame 1 and carries it frame to frame along
the gap-1 optical flow (`npr_lib.consistency.propagate_overlay`). Both are measured with
`npr_lib.consistency.edit_warp_error` along the flow of the original video at each gap (flow computed
directly between frames k and k + gap, so drift accumulated over the gap shows). The baseline is carried by
DIS flow, so measuring it along DIS flow grades it by its own yardstick: a gap-1 error near zero only says it
followed DIS. Each figure is therefore also measured along Farnebäck flow, an estimator neither the baseline
nor the training used (--measure). Two more edits check the
sphere: one straddling the ±180° seam and one near the north pole, reported as the worst `seam_ratio` over
frames (about 1 or below: no visible seam).

Writes OUT/edit_consistency.json, prints a Markdown table, and with --pictures saves a small before/after JPEG
of the middle frame per clip.
"""
import argparse, json, math, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np, torch
from npr_lib.cli import open_run_clip
from npr_lib.evaluate import load_model, read_run
from npr_lib.edit import stamp_texture, render_edited, unpremultiply
from npr_lib.consistency import edit_warp_error, propagate_overlay, seam_ratio
from npr_lib.flow import flow_for_clip
from npr_lib.geometry import unit_grid, unit_to_lonlat, lonlat_to_unit


def logo(n=192):
    "A detailed RGBA test logo: a coloured checkerboard disc with a white ring."
    y, x = torch.meshgrid(torch.linspace(-1, 1, n), torch.linspace(-1, 1, n), indexing='ij')
    r = (x**2 + y**2).sqrt()
    checker = ((torch.floor((x + 1)*4) + torch.floor((y + 1)*4)) % 2)
    rgb = torch.stack([0.9*checker + 0.1, 0.3 + 0.5*(1 - checker), 0.2 + 0.6*(x + 1)/2])
    ring = ((r > 0.8) & (r < 0.95)).float()
    rgb = rgb*(1 - ring) + ring
    return torch.cat([rgb, (r < 0.95).float()[None]])


def smooth_logo(n=96):
    "A smooth RGBA disc (shaded, soft rim): any jump in it at the seam is the renderer's, not the picture's."
    y, x = torch.meshgrid(torch.linspace(-1, 1, n), torch.linspace(-1, 1, n), indexing='ij')
    r = (x**2 + y**2).sqrt()
    return torch.stack([0.9 - 0.4*y.abs(), 0.3 + 0.25*(x + 1), 0.6 - 0.3*r, ((1 - r)*4).clamp(0, 1)]).clamp(0, 1)


@torch.no_grad()
def pick_spot(model, clip, size_deg):
    "Atlas (lon, lat) in degrees of a background spot seen in the middle frame, away from the masks, near the equator."
    k = clip.N//2
    H, W = clip.H, clip.W
    fg = clip.masks[k].amax(0) if clip.K else torch.zeros(H, W)
    v = unit_grid(H, W)
    best, spot = -1., (0., 0.)
    for lat in (-15., 0., 15.):
        for lon in sorted(range(-165, 180, 15), key=abs):          # nearer the frame centre first
            c = lonlat_to_unit(torch.tensor(math.radians(lon)), torch.tensor(math.radians(lat)))
            near = (v @ c) > math.cos(math.radians(size_deg/2))
            free = 1 - fg[near].mean().item()
            if free > best + 1e-6: best, spot = free, (float(lon), lat)
    c = lonlat_to_unit(torch.tensor(math.radians(spot[0])), torch.tensor(math.radians(spot[1])))[None]
    u, _ = model.layers[0].mapping(c, torch.tensor([k]))
    lon, lat = unit_to_lonlat(u[0])
    return math.degrees(lon), math.degrees(lat), best


def baseline(clip, edited, alpha, flow1):
    "The atlas edit's first frame as an RGBA overlay, carried along the flow."
    a = alpha[0]
    pre = edited[0] - (1 - a)*clip.frames[0]
    overlay = unpremultiply(torch.cat([pre, a]))
    return propagate_overlay(clip.frames, overlay, flow1)


def seam_and_pole(model, clip, size_deg):
    """Worst seam_ratio over frames of the edit's own contribution (premultiplied: rgb − (1 − A)·frame), for a smooth
    stamp straddling the seam and one over the north pole (a detailed logo would put its own edges on the seam
    column). The camera's frames have their own stitching jump there, reported for comparison."""
    res = {}
    for name, (lon, lat) in (('seam', (180., 5.)), ('pole', (0., 85.))):
        tex = stamp_texture(smooth_logo(), lon, lat, size_deg, 0., 512)
        r = render_edited(model, clip.frames, {0: tex})
        A = r['edit_alpha']
        contribution = r['rgb'] - (1 - A)*clip.frames
        ratios, plain = [], []
        for k in range(clip.N):
            rows = (A[k, 0][:, [0, -1]].amin(1) > 0.5)
            if rows.sum() < 2: continue
            ratios.append(seam_ratio(contribution[k], rows=rows)); plain.append(seam_ratio(clip.frames[k], rows=rows))
        res[name] = dict(lon=lon, lat=lat, frames_crossing=len(ratios), seam_ratio_max=max(ratios, default=float('nan')),
                         seam_ratio_median=float(np.median(ratios)) if ratios else float('nan'),
                         original_frames_seam_ratio_median=float(np.median(plain)) if plain else float('nan'))
    return res


def picture(clip, edited, path, k):
    import cv2
    both = torch.cat([clip.frames[k], edited[k]], 1)
    img = (both.clamp(0, 1)*255 + 0.5).byte().permute(1, 2, 0).numpy()
    w = min(480, img.shape[1])
    img = cv2.resize(img, (w, round(img.shape[0]*w/img.shape[1])), interpolation=cv2.INTER_AREA)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('runs', nargs='+', help='npr fit output folders')
    ap.add_argument('--gaps', default='1,4,8,16,24')
    ap.add_argument('--size', type=float, default=40., help='logo width in degrees')
    ap.add_argument('--measure', default='dis,farneback', help='flow methods to measure along (the baseline moves by dis)')
    ap.add_argument('--out', default='outputs/bench_edit')
    ap.add_argument('--pictures', default=None, help='folder for before/after JPEGs')
    ap.add_argument('--sphere-only', action='store_true', help='only the seam and pole checks')
    a = ap.parse_args()
    gaps = [int(g) for g in a.gaps.split(',')]
    measures = a.measure.split(',')
    results = {}
    for run in a.runs:
        model, clip = load_model(run), open_run_clip(run)
        name = read_run(run).get('name', clip.name)
        if a.sphere_only:
            results[name] = dict(clip=name, run=str(run), sphere=seam_and_pole(model, clip, a.size))
            print(name, json.dumps(results[name]['sphere']), flush=True)
            continue
        lon, lat, free = pick_spot(model, clip, a.size)
        r = render_edited(model, clip.frames, {0: stamp_texture(logo(), lon, lat, a.size, 0., 512)})
        flow1 = flow_for_clip(clip, gap=1, progress=False)
        naive, naive_alpha = baseline(clip, r['rgb'], r['edit_alpha'], flow1)
        res = dict(clip=name, run=str(run), lon=lon, lat=lat, background_share=free, frames=clip.N,
                   edit_coverage=[float((r['edit_alpha'][k] > 0.5).float().mean()) for k in range(clip.N)])
        for method in measures:
            for g in gaps:
                fl = flow1 if (g, method) == (1, 'dis') else flow_for_clip(clip, method=method, gap=g, progress=False)
                key = f'gap{g}' + ('' if method == 'dis' else f'_{method}')
                res[key] = dict(atlas=edit_warp_error(r['rgb'], r['edit_alpha'], fl)['mean'],
                                naive=edit_warp_error(naive, naive_alpha, fl)['mean'],
                                original=edit_warp_error(clip.frames, r['edit_alpha'], fl)['mean'])
                print(f"{name:12s} {method:9s} gap {g}: warp error atlas {res[key]['atlas']:.2f}, naive {res[key]['naive']:.2f}, "
                      f"original video {res[key]['original']:.2f} (8-bit levels)", flush=True)
        res['sphere'] = seam_and_pole(model, clip, a.size)
        print(f"{name:12s} seam ratio (max over frames): seam edit {res['sphere']['seam']['seam_ratio_max']:.2f}, "
              f"pole edit {res['sphere']['pole']['seam_ratio_max']:.2f}", flush=True)
        if a.pictures:
            res['picture'] = str(Path(a.pictures)/f'edit_{name}.jpg')
            picture(clip, r['rgb'], Path(res['picture']), clip.N//2)
        results[name] = res
    if a.sphere_only: sys.exit(0)
    head = ['clip', 'measured along'] + [f'gap {g}' for g in gaps] + ['seam ratio (seam edit)', 'seam ratio (pole edit)']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    cell = lambda d: f"**{d['atlas']:.2f}** / {d['naive']:.2f}" if d['atlas'] < d['naive'] else f"{d['atlas']:.2f} / **{d['naive']:.2f}**"
    for n, res in results.items():
        for method in measures:
            sfx = '' if method == 'dis' else f'_{method}'
            lines.append('| ' + ' | '.join([n, method] + [cell(res[f'gap{g}{sfx}']) for g in gaps]
                                           + [f"{res['sphere'][s]['seam_ratio_max']:.2f}" for s in ('seam', 'pole')]) + ' |')
    table = '\n'.join(lines)
    print('\nwarping error inside the edit along the original flow, atlas edit / naive baseline, 8-bit levels '
          '(lower is steadier)\n\n' + table)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out/'edit_consistency.json').write_text(json.dumps(dict(gaps=gaps, size=a.size, results=results, table=table), indent=1))
    print(f"\nwrote {out/'edit_consistency.json'}")
