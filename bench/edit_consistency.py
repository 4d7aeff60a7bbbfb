"""    python -m bench.edit_consistency RUN_DIR [RUN_DIR ...] [--gaps 1,4,8,16,24] [--measure dis,farneback]
                                     [--out outputs/bench_edit] [--pictures DIR]

Benchmark: how steady an atlas edit is, against pasting the edit into one frame and carrying it along the flow.
It backs the claims of nbs/18_consistency.ipynb ("Measured on the shared clips": the tables and the pictures
nbs/images/edit_*.jpg), quoted in nbs/15_edit.ipynb and nbs/11_losses.ipynb. Run it from the repository root.

RUN_DIR is an `npr fit` output folder (e.g. from `npr fit ../shared/data/360npr/Tram --scale 0.5 --minutes 10`,
or `npr fit synthetic --scale 1.875 --frames 30` for the built-in clip, whose true motion is known).
For each run a patterned logo is stamped on the background atlas where the background is seen (chosen
automatically: near the frame centre, clear of the masks in every frame), every frame is rendered with
`npr_lib.edit.render_edited`, and the naive baseline pastes the atlas edit's own first frame into frame 1 and
carries it frame to frame along the gap-1 DIS flow (`npr_lib.consistency.propagate_overlay`).

Three yardsticks, because each has a blind spot:
- Warping error inside the edit (`edit_warp_error`) along the original video's flow at each gap, the flow
  computed directly between frames k and k + gap: along DIS (the baseline's own flow, so at gap 1 it grades the
  baseline by construction) and along Farnebäck (--measure).
- Drift against SIFT feature tracks on the background (`feature_tracks`, `atlas_source`, `flow_source`,
  `track_drift`): where each method takes the colour it shows from, against where the scene point was, in
  pixels. Independent of both flows, reliable over long gaps, sparse.
- On the synthetic clip, the same two along the exact motion (measure 'exact').
Two more edits check the sphere: one straddling the ±180° seam and one near the north pole, reported as the
worst `seam_ratio` over frames (about 1 or below: no visible seam).

Two runs of one clip (before and after a change) are reported apart, as <clip>_<run folder>, and
<clip>_<run folder>_<W>x<H> where the folders share a name too.
Writes OUT/edit_consistency.json, prints Markdown tables, and with --pictures saves a small before/after JPEG
of the middle frame per clip.
"""
import argparse, json, math, sys
from pathlib import Path
import numpy as np, torch
from npr_lib.runs import open_run_clip, load_model, read_run
from npr_lib.edit import stamp_texture, render_edited, prefilter_texture
from npr_lib.image import to_uint8, premultiply, unpremultiply
from npr_lib.files import atomic_write_bytes, atomic_write_text
from npr_lib.consistency import (edit_warp_error, propagate_overlay, seam_ratio, feature_tracks, atlas_source, flow_source,
                                 track_drift, drift_by_gap, edit_detail, exact_track_ends)
from npr_lib.flow import flow_for_clip
from npr_lib.geometry import unit_grid, unit_to_lonlat, lonlat_to_unit, sample_equirect


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
    """Atlas (lon, lat) in degrees of a background spot near the equator and the frame centre that the masks cover
    least, counted in every frame where the background mapping puts it; and the share of it left uncovered."""
    k = clip.N//2
    H, W = clip.H, clip.W
    masks = clip.masks.amax(1) if clip.K else torch.zeros(clip.N, H, W)
    v = unit_grid(H, W)
    frames = torch.arange(clip.N)
    bg = model.layers[0]
    best, spot = -1., None
    for lat in (-15., 0., 15.):
        for lon in sorted(range(-165, 180, 15), key=abs):          # nearer the frame centre first
            c = lonlat_to_unit(torch.tensor(math.radians(lon)), torch.tensor(math.radians(lat)))[None]
            u = bg.mapping(c, torch.tensor([k]))[0]
            seen = bg.backward_mapping(u.expand(clip.N, 3), frames, bg.mapping.rotation(frames))   # the spot in each frame
            near = (torch.einsum('hwc,nc->nhw', v, seen) > math.cos(math.radians(size_deg/2))).float()
            free = 1 - ((masks*near).sum()/near.sum().clamp_min(1)).item()
            if free > best + 1e-6: best, spot = free, u[0]
    lon, lat = unit_to_lonlat(spot)
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
    img = to_uint8(both.permute(1, 2, 0))
    w = min(480, img.shape[1])
    img = cv2.resize(img, (w, round(img.shape[0]*w/img.shape[1])), interpolation=cv2.INTER_AREA)
    save_jpeg(img, path)


def save_jpeg(img, path):
    "An (h, w, 3) uint8 RGB picture as a JPEG (quality 85), written atomically."
    import cv2
    ok, buf = cv2.imencode('.jpg', cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok: raise ValueError(f"{path}: JPEG encoding failed")
    atomic_write_bytes(path, buf.tobytes())


def crops_picture(clip, rows, alpha, path, size_deg, frames=None):
    """Crops around the edit in a few frames, one row per method (`rows`: label → (N, 3, H, W)): drift and blur, seen.
    The crop follows the centre of `alpha` (the atlas edit's coverage)."""
    import cv2
    N, H, W = clip.N, clip.H, clip.W
    frames = frames or [0, N//2, N - 1]
    half = max(8, round(0.75*size_deg/180*H))
    tiles = []
    for label, video in rows.items():
        row = []
        for k in frames:
            a = alpha[k, 0]
            ys, xs = torch.nonzero(a > 0.5, as_tuple=True)
            if len(ys) == 0: ys, xs = torch.tensor([H//2]), torch.tensor([W//2])
            ang = xs.float()*2*math.pi/W
            cx = round((math.atan2(ang.sin().mean(), ang.cos().mean()) % (2*math.pi))*W/(2*math.pi))
            cy = int(ys.float().mean().clamp(half, H - half - 1))
            cols = torch.arange(cx - half, cx + half) % W
            crop = video[k][:, cy - half:cy + half][:, :, cols]
            row.append(to_uint8(crop.permute(1, 2, 0)))
        img = np.concatenate(row, 1)
        img = cv2.resize(img, (img.shape[1]*2, img.shape[0]*2), interpolation=cv2.INTER_NEAREST)
        label_band = np.full((22, img.shape[1], 3), 255, np.uint8)
        cv2.putText(label_band, f"{label}: frames {', '.join(str(k + 1) for k in frames)}", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        tiles += [label_band, img]
    save_jpeg(np.concatenate(tiles, 0), path)


def synthetic_truth(run, clip):
    "The ground truth of a run fitted to the built-in synthetic clip, or None for any other clip."
    info = read_run(run)
    if info.get('clip') != 'synthetic': return None
    from npr_lib.synthetic import make_synthetic
    c, truth = make_synthetic(H=clip.H, n_frames=clip.N, seed=info.get('seed', 0))
    if not torch.equal(c.frames, clip.frames): raise ValueError(f"{run}: its synthetic clip is not make_synthetic's default one")
    return truth


def exact_flow(truth, gap):
    "The synthetic clip's true forward flow at `gap`, valid where the surface stays in view."
    n = truth.N - gap
    return dict(forward=torch.stack([truth.flow(k, k + gap) for k in range(n)]),
                forward_valid=torch.stack([truth.visible_in_both(k, k + gap) for k in range(n)]).float(), gap=gap)


def exact_tracks(truth, gaps, per_pair=400, seed=0):
    "Tracks of random background pixels, ended where the camera's exact rotation takes them (`exact_track_ends`)."
    g, rows = torch.Generator().manual_seed(seed), []
    for gap in gaps:
        for k in range(truth.N - gap):
            ys, xs = torch.nonzero((truth.layers(k) == truth.K) & truth.visible_in_both(k, k + gap), as_tuple=True)
            pick = torch.randperm(len(ys), generator=g)[:per_pair]
            x, y = xs[pick].float(), ys[pick].float()
            rows.append(torch.stack([torch.full_like(x, k), x, y, torch.full_like(x, k + gap), x, y], 1))
    return exact_track_ends(truth, torch.cat(rows))


@torch.no_grad()
def perfect_edit(model, clip, truth, texture):
    """The edit as it should look: `texture` on the fitted background atlas, moved by the camera's exact rotation and
    hidden by the objects exactly where they are. The fitted atlas sphere is the world turned by some rotation Q,
    found by least squares (Kabsch) between atlas points and world directions of background pixels."""
    H, W, N, R = clip.H, clip.W, clip.N, truth.camera_rotations
    v = unit_grid(H, W).reshape(-1, 3)
    bg = [(truth.layers(k) == truth.K).reshape(-1) for k in range(N)]
    u = torch.cat([model.layers[0].mapping(v[bg[k]], torch.full((int(bg[k].sum()),), k))[0] for k in range(0, N, 3)])
    w = torch.cat([v[bg[k]] @ R[k].T for k in range(0, N, 3)])
    U, _, Vt = torch.linalg.svd(u.T @ w)
    Q = U @ torch.diag(torch.tensor([1., 1., torch.det(U @ Vt).sign().item()])) @ Vt
    pm = prefilter_texture(premultiply(texture), H)
    out, alpha = torch.empty_like(clip.frames), torch.zeros(N, 1, H, W)
    for k in range(N):
        e = sample_equirect(pm, v @ R[k].T @ Q.T).T*bg[k][:, None].float()
        out[k] = (clip.frames[k].reshape(3, -1)*(1 - e[:, 3]) + e[:, :3].T).reshape(3, H, W)
        alpha[k] = e[:, 3].reshape(1, H, W)
    return out.clamp(0, 1), alpha


def background_keep(clip, margin=3):
    "Where tracks may lie: the background, `margin` pixels clear of every mask."
    import cv2
    if not clip.K: return None
    fg = (clip.masks.amax(1) > 0.5).numpy().astype(np.uint8)
    kernel = np.ones((2*margin + 1, 2*margin + 1), np.uint8)
    return torch.from_numpy(np.stack([cv2.dilate(m, kernel) == 0 for m in fg]))


def drifts(model, clip, tracks, flow1):
    "Median drift per gap of the atlas edit and of the flow-carried baseline along `tracks`."
    H, W = clip.H, clip.W
    atlas = drift_by_gap(track_drift(atlas_source(model.layers[0], tracks, H, W), tracks, H, W), tracks)
    naive = drift_by_gap(track_drift(flow_source(flow1['backward'], tracks), tracks, H, W), tracks)
    return {g: dict(atlas=atlas[g]['median'], naive=naive[g]['median'], tracks=atlas[g]['tracks']) for g in atlas}

def run_labels(runs:list)->list[str]:
    "One label per run: its clip's name, with the run folder added, then its size, while two runs would share a label."
    infos = [read_run(r) for r in runs]
    labels = [i.get('name') or Path(r).name for r, i in zip(runs, infos)]
    for extra in (lambda r, i: Path(r).name, lambda r, i: f"{i.get('width')}x{i.get('height')}"):
        labels = [f"{l}_{extra(r, i)}" if labels.count(l) > 1 else l for l, r, i in zip(labels, runs, infos)]
    return [f"{l}_{n}" if labels.count(l) > 1 else l for n, l in enumerate(labels)]   # the same run twice

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('runs', nargs='+', help='npr fit output folders')
    ap.add_argument('--gaps', default='1,4,8,16,24')
    ap.add_argument('--size', type=float, default=40., help='logo width in degrees')
    ap.add_argument('--measure', default='dis,farneback', help="flow methods to measure along (the baseline moves by dis); "
                    "synthetic runs add 'exact'")
    ap.add_argument('--out', default='outputs/bench_edit')
    ap.add_argument('--pictures', default=None, help='folder for before/after JPEGs')
    ap.add_argument('--sphere-only', action='store_true', help='only the seam and pole checks')
    a = ap.parse_args()
    gaps = [int(g) for g in a.gaps.split(',')]
    results = {}
    for run, name in zip(a.runs, run_labels(a.runs)):
        model, clip = load_model(run), open_run_clip(run)
        if a.sphere_only:
            results[name] = dict(clip=name, run=str(run), sphere=seam_and_pole(model, clip, a.size))
            print(name, json.dumps(results[name]['sphere']), flush=True)
            continue
        truth = synthetic_truth(run, clip)
        measures = a.measure.split(',') + (['exact'] if truth is not None else [])
        run_gaps = [g for g in gaps if g < clip.N]
        lon, lat, free = pick_spot(model, clip, a.size)
        texture = stamp_texture(logo(), lon, lat, a.size, 0., 512)
        r = render_edited(model, clip.frames, {0: texture})
        flow1 = flow_for_clip(clip, gap=1, progress=False)
        naive, naive_alpha = baseline(clip, r['rgb'], r['edit_alpha'], flow1)
        perfect = perfect_edit(model, clip, truth, texture) if truth is not None else None
        res = dict(clip=name, run=str(run), lon=lon, lat=lat, background_share=free, frames=clip.N, measures=measures,
                   edit_coverage=[float((r['edit_alpha'][k] > 0.5).float().mean()) for k in range(clip.N)],
                   detail=dict(atlas=edit_detail(r['rgb'], r['edit_alpha']).tolist(), naive=edit_detail(naive, naive_alpha).tolist()))
        if perfect is not None: res['detail']['perfect'] = edit_detail(*perfect).tolist()
        for method in measures:
            for g in run_gaps:
                fl = (exact_flow(truth, g) if method == 'exact' else
                      flow1 if (g, method) == (1, 'dis') else flow_for_clip(clip, method=method, gap=g, progress=False))
                key = f'gap{g}' + ('' if method == 'dis' else f'_{method}')
                res[key] = dict(atlas=edit_warp_error(r['rgb'], r['edit_alpha'], fl)['mean'],
                                naive=edit_warp_error(naive, naive_alpha, fl)['mean'],
                                original=edit_warp_error(clip.frames, r['edit_alpha'], fl)['mean'])
                if perfect is not None: res[key]['perfect'] = edit_warp_error(*perfect, fl)['mean']
                print(f"{name:12s} {method:9s} gap {g}: warp error atlas {res[key]['atlas']:.2f}, naive {res[key]['naive']:.2f}, "
                      f"original video {res[key]['original']:.2f} (8-bit levels)", flush=True)
        tracks = {'SIFT tracks': feature_tracks(clip.frames, run_gaps, keep=background_keep(clip))}
        if truth is not None: tracks['exact tracks'] = exact_tracks(truth, run_gaps)
        res['drift'] = {kind: drifts(model, clip, t, flow1) for kind, t in tracks.items()}
        for kind, d in res['drift'].items():
            print(f"{name:12s} drift along {kind}, median px, atlas / naive: " +
                  ', '.join(f"gap {g} {v['atlas']:.3f} / {v['naive']:.3f} ({v['tracks']})" for g, v in d.items()), flush=True)
        res['sphere'] = seam_and_pole(model, clip, a.size)
        print(f"{name:12s} seam ratio (max over frames): seam edit {res['sphere']['seam']['seam_ratio_max']:.2f}, "
              f"pole edit {res['sphere']['pole']['seam_ratio_max']:.2f}", flush=True)
        if a.pictures:
            res['picture'] = str(Path(a.pictures)/f'edit_{name}.jpg')
            picture(clip, r['rgb'], Path(res['picture']), clip.N//2)
            res['crops'] = str(Path(a.pictures)/f'edit_vs_naive_{name}.jpg')
            crops_picture(clip, {'atlas edit': r['rgb'], 'carried along the flow': naive}, r['edit_alpha'], Path(res['crops']), a.size)
        results[name] = res
    if a.sphere_only: sys.exit(0)
    better = lambda x, y, f: f"**{x:{f}}** / {y:{f}}" if x < y else f"{x:{f}} / **{y:{f}}**"
    cell = lambda d, f='.2f': better(d['atlas'], d['naive'], f) if d else '–'
    head = ['clip', 'measured along'] + [f'gap {g}' for g in gaps]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    for n, res in results.items():
        for method in res['measures']:
            sfx = '' if method == 'dis' else f'_{method}'
            lines.append('| ' + ' | '.join([n, method] + [cell(res.get(f'gap{g}{sfx}')) for g in gaps]) + ' |')
            if 'perfect' in res.get(f'gap1{sfx}', {}):
                lines.append('| ' + ' | '.join([n, f'{method}, a perfect edit'] +
                                               [f"{res[f'gap{g}{sfx}']['perfect']:.2f}" if f'gap{g}{sfx}' in res else '–' for g in gaps]) + ' |')
    warp_table = '\n'.join(lines)
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    for n, res in results.items():
        for kind, d in res['drift'].items():
            lines.append('| ' + ' | '.join([n, kind] + [cell(d.get(g), '.3f') for g in gaps]) + ' |')
    drift_table = '\n'.join(lines)
    lines = ['| clip | seam edit | pole edit | original frames at the seam |', '|---|---|---|---|']
    for n, res in results.items():
        sp = res['sphere']
        lines.append(f"| {n} | {sp['seam']['seam_ratio_max']:.2f} | {sp['pole']['seam_ratio_max']:.2f} | "
                     f"{sp['seam']['original_frames_seam_ratio_median']:.2f} |")
    seam_table = '\n'.join(lines)
    lines = ['| clip | first frame | last frame, atlas edit | last frame, naive baseline |', '|---|---|---|---|']
    for n, res in results.items():
        d = res['detail']
        lines.append(f"| {n} | {d['atlas'][0]:.1f} | {d['atlas'][-1]:.1f} | {d['naive'][-1]:.1f} |")
    detail_table = '\n'.join(lines)
    print('\nwarping error inside the edit along the original motion, atlas edit / naive baseline, 8-bit levels '
          '(lower is steadier)\n\n' + warp_table)
    print('\ndrift against tracks on the background, median pixels, atlas edit / naive baseline (lower is steadier)\n\n' + drift_table)
    print('\nseam ratio, worst frame (about 1 or below: no seam)\n\n' + seam_table)
    print('\ndetail inside the edit (edit_detail, 8-bit levels)\n\n' + detail_table)
    out = Path(a.out)
    atomic_write_text(out/'edit_consistency.json', json.dumps(dict(gaps=gaps, size=a.size, results=results, table=warp_table,
                                                                   drift_table=drift_table, seam_table=seam_table,
                                                                   detail_table=detail_table), indent=1))
    print(f"\nwrote {out/'edit_consistency.json'}")
