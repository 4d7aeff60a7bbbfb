"""    python -m bench.flow_training [CLIP ...] [--scale 0.5] [--minutes 10] [--device auto] [--flow-gaps 1,2,4,8,16]
                                  [--out outputs/bench_flow]

Benchmark: fitting with and without the optical-flow losses, same clip, same wall-clock budget. It backs the
flow losses of nbs/11_losses.ipynb and their gaps in nbs/12_train.ipynb ("Flow pairs": why more than one gap);
no notebook quotes its numbers yet. Run it from the repository root.

Clips default to the shared ones (Walking_Boy, Classroom, Tram, Elephant; 'synthetic' when they are absent).
For each clip the flow is computed once for every training gap (DIS, the `fast` configuration's
`training.flow_gaps` unless --flow-gaps says otherwise, cached; its time is reported but not charged to either run), then
the `fast` configuration is trained twice under the same budget with `fit_clip` (what `npr fit` runs): without flow,
and with the flow and alpha-flow losses. Each run is kept in OUT/<clip>/{no_flow,flow}/ (a killed benchmark resumes
there) and can be edited with `npr edit`. Reported per run:

- WS-PSNR (and PSNR, alpha IoU) of the reconstruction over the whole clip;
- the **atlas warping error**, a temporal-consistency figure: for every pixel v of frame k whose forward flow is
  trusted (forward–backward and photometric checks), the angle in degrees between the atlas point of (v, k) and
  the atlas point of (v', k + 1), v' being where the flow takes v (frame k + 1's atlas coordinates sampled
  bilinearly at v', wrapping across the seam). Per layer the angles are weighted by the layer's composite weight
  at (v, k) and by cos(latitude) (sphere area); `all` is the weighted mean over layers. A consistent atlas moves
  with the video: 0° for perfect flow, and always an upper bound mixed with the flow's own errors and with
  interpolation across layer boundaries.

Writes OUT/flow_training.json and prints a Markdown table.
"""
import argparse, json, time
from pathlib import Path
import torch
from npr_lib.clip import open_clip, shared_clip_dir
from npr_lib.flow import flow_for_clip, flow_stats
from npr_lib.preprocess import flow_gap_list
from npr_lib.evaluate import render_clip
from npr_lib.runs import fit_clip, load_model
from npr_lib.files import atomic_write_text
from npr_lib.geometry import pixel_to_unit, sample_equirect, latitude_weights

SHARED = ('Walking_Boy', 'Classroom', 'Tram', 'Elephant')


@torch.no_grad()
def atlas_warp_error(
    rendered:dict, # `render_clip(model, H, W, layers=True)`: uv (N, L, 3, H, W), weights (N, L, H, W)
    flow:dict, # the clip's flow (gap 1): forward (N-1, 2, H, W), forward_valid (N-1, H, W)
)->dict: # mean angle in degrees: 'all' and one entry per layer, plus the share of pixels used
    "Angle between the atlas points of a pixel and of where the flow takes it in the next frame."
    uv, wts = rendered['uv'].float(), rendered['weights'].float()
    N, L, _, H, W = uv.shape
    if flow['forward'].shape != (N - 1, 2, H, W): raise ValueError(f"flow {tuple(flow['forward'].shape)} does not match {N} frames of {H}×{W}")
    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float32), torch.arange(W, dtype=torch.float32), indexing='ij')
    area = latitude_weights(H)[:, None].expand(H, W)
    num, den = torch.zeros(L, dtype=torch.float64), torch.zeros(L, dtype=torch.float64)
    used = 0.
    for k in range(N - 1):
        f, valid = flow['forward'][k].float(), (flow['forward_valid'][k] > 0.5).float()
        dirs = pixel_to_unit(xs + f[0], ys + f[1], H, W)                            # (H, W, 3) where v goes
        nxt = sample_equirect(uv[k + 1], dirs[None].expand(L, H, W, 3))             # (L, 3, H, W)
        a = torch.nn.functional.normalize(uv[k], dim=1)
        b = torch.nn.functional.normalize(nxt, dim=1)
        ang = torch.rad2deg(torch.acos((a*b).sum(1).clamp(-1, 1)))                  # (L, H, W)
        w = wts[k]*(valid*area)
        num += (w*ang).sum((1, 2)).double(); den += w.sum((1, 2)).double()
        used += (valid*area).sum().item()/area.sum().item()
    per = (num/den.clamp_min(1e-12)).tolist()
    res = dict(all=(num.sum()/den.sum().clamp_min(1e-12)).item(), trusted_share=used/(N - 1))
    res.update({('background' if i == 0 else f'layer{i}'): v for i, v in enumerate(per)})
    return res


def run(clip, source, train_flow, full_flow, minutes, device, seed, out_dir):
    "Fit `fast` under the budget with `fit_clip` (flow losses when `train_flow` is given), keep the run, measure it."
    m = fit_clip(clip, out_dir, 'fast', minutes=minutes, device=device, seed=seed, progress=False, flow=train_flow, videos=False,
                 source=dict(source, seed=seed, flow=train_flow is not None))
    r = render_clip(load_model(out_dir), clip.H, clip.W, layers=True)
    return dict(steps=m['steps'], train_seconds=round(m['train_seconds'], 1), ms_per_step=round(1000*m['train_seconds']/max(m['steps'], 1), 1),
                ws_psnr=m['ws_psnr'], ws_psnr_no_residual=m.get('ws_psnr_no_residual'), psnr=m['psnr'], alpha_iou=m.get('alpha_iou'),
                warp_deg=atlas_warp_error(r, full_flow), run_dir=str(out_dir))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('clips', nargs='*', help="clip folders or 'synthetic'; the shared clips by default")
    ap.add_argument('--scale', type=float, default=0.5)
    ap.add_argument('--minutes', type=float, default=10.)
    ap.add_argument('--frames', default=None)
    ap.add_argument('--method', default='dis')
    ap.add_argument('--flow-gaps', default=None, help="frame gaps of the training flow, e.g. '1,4,16'; the fast configuration's training.flow_gaps by default")
    ap.add_argument('--device', default='auto')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='outputs/bench_flow')
    a = ap.parse_args()
    paths = a.clips or [str(p) for p in (shared_clip_dir(n) for n in SHARED) if p is not None] or ['synthetic']
    results = {}
    for path in paths:
        clip = open_clip(path, scale=a.scale, frames=a.frames)
        print(clip, flush=True)
        t0 = time.perf_counter()
        gaps = flow_gap_list(a.flow_gaps, clip.N)
        flows = {g: flow_for_clip(clip, method=a.method, gap=g, progress=False) for g in sorted(set(gaps) | {1})}
        full = flows[1]
        flow_s = time.perf_counter() - t0
        train_flow = [{**{k: v for k, v in flows[g].items() if isinstance(v, torch.Tensor)}, 'gap': g} for g in gaps]
        res = dict(clip=clip.name, frames=clip.N, height=clip.H, width=clip.W, flow_seconds=round(flow_s, 2), flow_gaps=gaps,
                   flow_stats=flow_stats(full))
        for name, fl in (('no_flow', None), ('flow', train_flow)):
            source = dict(clip=str(Path(path).resolve()) if path != 'synthetic' else 'synthetic', scale=a.scale, frames=a.frames)
            res[name] = r = run(clip, source, fl, full, a.minutes, a.device, a.seed, Path(a.out)/clip.name/name)
            print(f"  {name:8s} {r['steps']:6d} steps  WS-PSNR {r['ws_psnr']:6.2f} dB  atlas warp {r['warp_deg']['all']:.3f}°", flush=True)
        results[clip.name] = res
    layers = sorted({k for r in results.values() for v in ('no_flow', 'flow') for k in r[v]['warp_deg'] if k not in ('all', 'trusted_share')},
                    key=lambda s: (s != 'background', s))
    head = ['clip', 'run', 'steps', 'ms/step', 'WS-PSNR (dB)', 'no residual (dB)', 'alpha IoU', 'warp all (°)'] + [f'warp {l} (°)' for l in layers]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    fmt = lambda v, d=3: '–' if v is None else f'{v:.{d}f}'
    for name, res in results.items():
        for v in ('no_flow', 'flow'):
            r = res[v]
            lines.append('| ' + ' | '.join([name, v, str(r['steps']), fmt(r['ms_per_step'], 0), fmt(r['ws_psnr'], 2), fmt(r['ws_psnr_no_residual'], 2), fmt(r['alpha_iou']), fmt(r['warp_deg']['all'])]
                                           + [fmt(r['warp_deg'].get(l)) for l in layers]) + ' |')
    table = '\n'.join(lines)
    print(f"\n{a.minutes:g} min per run, scale {a.scale:g}, flow {a.method} (trusted share of pixels in the warp error: "
          + ', '.join(f"{n} {r['flow_stats']['trusted_forward']:.0%}" for n, r in results.items()) + ")\n")
    print(table)
    out = Path(a.out)
    atomic_write_text(out/'flow_training.json', json.dumps(dict(minutes=a.minutes, scale=a.scale, method=a.method, device=a.device,
                                                                results=results, table=table), indent=1))
    print(f"\nwrote {out/'flow_training.json'}")
