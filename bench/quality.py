"""    python -m bench.quality [CLIP ...] [--scale 0.5] [--minutes 10] [--variants uniform,error]
                            [--out outputs/bench_quality] [--pictures nbs/images/quality_crops.jpg]

Benchmark: reconstruction quality of `fast` under one time budget, today's setting against a change, clip by clip.
It backs "Error-driven sampling, measured" in nbs/12_train.ipynb. Run it from the repository root, alone
(two torch processes on two cores ruin both budgets), with OMP_NUM_THREADS set.

Clips default to the four shared ones (Walking_Boy, Classroom, Tram, Elephant; 'synthetic' when they are absent).
Per clip the preprocessing (the training flow) is done once, then each variant is fitted with `fit_clip` — what
`npr fit CLIP --scale S --minutes M` runs — one after the other, same seed, and kept in OUT/<clip>/<variant>/
(a killed benchmark resumes there; `python -m bench.edit_consistency OUT/<clip>/*` measures the edits' drift).
Variants (settings over `fast`; the first named is the reference the others are compared with):

- `uniform`: every sample sphere-uniform, every layer everywhere (`training.error_sampling=0`, `layer_cull=0`: the
  default before error-driven sampling);
- `error`: half of every batch drawn from the error map, every layer everywhere (`layer_cull=0`: the default before
  layer culling);
- `cull`: the default before the learning-rate schedule: `error` with each layer run only where its composite weight reaches 1e-3
  (`training.layer_cull=1e-3`, see "Layers only where they are seen" in nbs/10_model.ipynb);
- the settings tried against `error` and not kept, each as it was measured, every layer everywhere (see "Error-driven sampling, measured" in nbs/12_train.ipynb):
  `share75` (three quarters of the batch from the error map), `tile2` (2×2-pixel error tiles), `residual03`
  (the lighting residual's penalty 0.3 instead of 0.1), `grid_lr2` (the hash grids' learning rate 2e-2 instead
  of 1e-2), `batch15` (2^15 samples a step instead of 2^14), `flow025` (the flow loss at a quarter of its weight);
- `atlas20`: the background atlas with 2^20 hash entries a level instead of 2^18;
- `deform18`, `deform12`: a finer deformation grid in every layer's mapping, at the same cost a step (per-level
  scale 1.8 instead of 1.5: finest cell 1/245 instead of 1/68) or with 12 levels instead of 8;
- `residual015`, `residual_coarse`: the lighting residual held closer to lighting — its penalty 0.15 instead of
  0.1, or its grid 4 levels instead of 6 (finest cell 1/14 instead of 1/30);
- `flow16`: the default with the training flow held in half precision, as before it was kept in 8 bits (`train.pack_flow`);
  the preprocessing's flow is then kept in half precision for every variant, and the others quantise it as `npr fit` does;
- `batch15_cull`: the default with 2^15 samples a step instead of 2^14;
- `unfused`: the default with the hash grids looked up by PyTorch operations (as with `NPR_FUSED=0`, or without numba),
  not by the fused CPU kernels (nbs/08_encodings.ipynb, "A fused CPU lookup") — `fast` as it ran before them.
- `decay`: the default before the residual's penalty 0.2: `cull` with the learning rates falling over the second half of the budget to a tenth
  (`optimizer.decay_start=0.5`, `decay_final=0.1`, see "The learning rates follow the budget" in nbs/12_train.ipynb).
  Every variant above was measured before that schedule, with constant rates, and runs so here;
- `penalty02`: the default before `error75_late`: `decay` with the lighting residual's penalty 0.2 instead of 0.1 (`loss.residual`, see
  nbs/11_losses.ipynb). Every variant above was measured with 0.1 (or the penalty it names) and runs so here;
- `penalty03`, `penalty05`: the same with the penalty 0.3 or 0.5 (tried for it, not kept);
- `aux125`: `penalty02` with the rigidity, cycle and flow terms on an eighth of the batch instead of a quarter (not kept);
- `error75_late`: the default now: `penalty02` with three quarters of every batch drawn from the error map instead of half
  (`training.error_sampling=0.75`) and the learning rates held to 65 % of the budget instead of half (`optimizer.decay_start=0.65`),
  see "Three quarters where the error is" in nbs/12_train.ipynb. Every variant above was measured with half and half, and runs so here.

Reported per run: steps, steps/s, WS-PSNR with and without the lighting residual (the atlases must carry the
texture: within 3 dB), PSNR, alpha IoU; per clip the WS-PSNR difference and the steps/s ratio. With --pictures,
one JPEG of crops of fine detail (the 96×192 window of the middle frame with the most image gradient), the
frame beside each variant's reconstruction.

Writes OUT/quality.json and prints a Markdown table.
"""
import argparse, json, time
from contextlib import contextmanager, nullcontext
from pathlib import Path
import numpy as np, torch
from npr_lib.clip import open_clip, shared_clip_dir
from npr_lib.preprocess import preprocess_clip
from npr_lib.runs import fit_clip, load_model
from npr_lib.evaluate import render_frames
from npr_lib.files import atomic_write_text, atomic_write_bytes
from npr_lib.config import get_config, merge_config

SHARED = ('Walking_Boy', 'Classroom', 'Tram', 'Elephant')
def _before_cull(**over)->dict:   # a setting measured before layer culling became the default, as it was measured
    return dict(over, training=dict(over.get('training', {}), layer_cull=0.))

VARIANTS = {'uniform': _before_cull(training=dict(error_sampling=0.)), 'error': _before_cull(), 'cull': {},
            'share75': _before_cull(training=dict(error_sampling=0.75)), 'tile2': _before_cull(training=dict(error_tile=2)),
            'residual03': _before_cull(loss=dict(residual=0.3)), 'flow025': _before_cull(loss=dict(flow=0.25)),
            'batch15': _before_cull(training=dict(batch_size=2**15)),
            'grid_lr2': _before_cull(optimizer=dict(learning_rate=dict(grids=2e-2, networks=2e-3, rotations=2e-3))),
            'atlas20': dict(model=dict(atlas=dict(encoding=dict(log2_hashmap_size=20)))), 'flow16': {},
            'deform18': dict(model=dict(mapping=dict(encoding=dict(per_level_scale=1.8)))),
            'deform12': dict(model=dict(mapping=dict(encoding=dict(n_levels=12)))),
            'residual015': dict(loss=dict(residual=0.15)),
            'residual_coarse': dict(model=dict(residual=dict(encoding=dict(n_levels=4)))), 'unfused': {},
            'batch15_cull': dict(training=dict(batch_size=2**15))}
VARIANTS = {name: merge_config(dict(loss=dict(residual=0.1)), merge_config(over, dict(optimizer=dict(decay_final=1.))))
            for name, over in VARIANTS.items()}   # as measured: constant rates, the residual's penalty 0.1 unless the variant sets it
VARIANTS['decay'] = dict(loss=dict(residual=0.1))
VARIANTS['penalty02'] = {}
VARIANTS.update(penalty03=dict(loss=dict(residual=0.3)), penalty05=dict(loss=dict(residual=0.5)))
VARIANTS['aux125'] = dict(training=dict(aux_fraction=0.125))   # the regularisers (rigidity, cycle, flow) on an eighth of the batch, not a quarter
VARIANTS = {name: merge_config(dict(training=dict(error_sampling=0.5), optimizer=dict(decay_start=0.5)), over)
            for name, over in VARIANTS.items()}   # as measured: half of each batch from the error map, the rates falling from half the budget
VARIANTS['error75_late'] = dict(training=dict(error_sampling=0.75), optimizer=dict(decay_start=0.65))   # the default now
HALF_FLOW = {'flow16'}   # variants whose training flow stays in half precision
UNFUSED = {'unfused'}    # variants whose hash grids use the PyTorch lookup, as before the fused CPU kernels

@contextmanager
def _replaced(name:str, value, module:str='npr_lib.train'):
    "`<module>.<name>` replaced by `value` while inside."
    import importlib
    T = importlib.import_module(module)
    old = getattr(T, name); setattr(T, name, value)
    try: yield
    finally: setattr(T, name, old)

def pytorch_lookup():
    "The hash grids look up through PyTorch operations (`NPR_FUSED=0`), not the fused CPU kernels."
    return _replaced('fused_available', lambda: False, 'npr_lib.encodings')

def unpacked_flow():
    "The preprocessing's flow left as computed (half-precision fields, bool masks), for each fit to pack its own copy."
    return _replaced('pack_flow', lambda flow: flow)

def half_precision_flow():
    "`pack_flow` keeps the displacements as they come (half precision, a step of 1 pixel) rather than in 8 bits."
    return _replaced('_quantize_rows', lambda field, ok: (field.half(), torch.ones(len(field))))


def detail_window(frame:torch.Tensor, h:int=96, w:int=192)->tuple[int,int]:
    "Top-left (y, x) of the `h×w` window of a (3,H,W) frame with the most image gradient, away from the poles."
    g = frame.float().mean(0)
    e = (g[1:, :-1] - g[:-1, :-1]).abs() + (g[:-1, 1:] - g[:-1, :-1]).abs()
    H, W = e.shape
    s = torch.nn.functional.avg_pool2d(e[None, None], (h, w), stride=8)[0, 0]
    y0 = min(H//6//8, s.shape[0] - 1); y1 = max(y0 + 1, (H - H//6 - h)//8 + 1)   # rows clear of the poles' stretched pixels
    i = int(s[y0:y1].flatten().argmax())
    return (y0 + i//s.shape[1])*8, (i % s.shape[1])*8


def detail_crops(clip)->tuple:
    "For a clip: (the middle frame's index, a function cropping a (3,H,W) image to its detail window, the frame's crop)."
    mid, ch = clip.N//2, min(96, clip.H//2)
    y, x = detail_window(clip.frame(mid), ch, 2*ch)
    crop = lambda im: im.float()[:, y:y + ch, x:x + 2*ch].permute(1, 2, 0).numpy()
    return mid, crop, crop(clip.frame(mid))

def run_crop(run_dir, clip, mid:int, crop):
    "A fitted run's rendering of frame `mid`, cropped."
    _, rr = next(render_frames(load_model(run_dir), clip.H, clip.W, frames=[mid]))
    return crop(rr['rgb'].clamp(0, 1))


def crops_figure(rows:list, path:Path):
    "One JPEG: per clip, the frame's crop then each variant's."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt, io
    n, m = len(rows), len(rows[0][1])
    fig, ax = plt.subplots(n, m, figsize=(3.2*m, 1.8*n), squeeze=False)
    for r, (name, ims) in enumerate(rows):
        for c, (title, im) in enumerate(ims):
            ax[r, c].imshow(im); ax[r, c].set_xticks([]); ax[r, c].set_yticks([])
            ax[r, c].set_title(f'{name}: {title}' if c == 0 else title, fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO(); fig.savefig(buf, format='jpg', dpi=110, pil_kwargs=dict(quality=88)); plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('clips', nargs='*', help="clip folders or 'synthetic'; the shared clips by default")
    ap.add_argument('--scale', type=float, default=0.5)
    ap.add_argument('--minutes', type=float, default=10.)
    ap.add_argument('--steps', type=int, default=None, help='a step budget instead of minutes')
    ap.add_argument('--variants', default='uniform,error')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='outputs/bench_quality')
    ap.add_argument('--pictures', default=None, help='write the crops of fine detail to this JPEG')
    a = ap.parse_args()
    variants = a.variants.split(',')
    if bad := [v for v in variants if v not in VARIANTS]: ap.error(f"--variants {bad}: unknown; choose from {sorted(VARIANTS)}")
    paths = a.clips or [str(p) for p in (shared_clip_dir(n) for n in SHARED) if p is not None] or ['synthetic']
    out, results, rows = Path(a.out), {}, []
    budget = dict(steps=a.steps, minutes=None) if a.steps else dict(minutes=a.minutes)
    for path in paths:
        clip = open_clip(path, scale=a.scale)
        print(clip, flush=True)
        t0 = time.perf_counter()
        with unpacked_flow() if HALF_FLOW & set(variants) else nullcontext():
            clip, flows, _ = preprocess_clip(clip, None, progress=False)
        res = dict(clip=clip.name, frames=clip.N, height=clip.H, width=clip.W, preprocess_seconds=round(time.perf_counter() - t0, 1))
        mid, crop, frame_crop = detail_crops(clip)
        ims = [('frame', frame_crop)]
        for v in variants:
            d = out/clip.name/v
            source = dict(clip=str(Path(path).resolve()) if path != 'synthetic' else 'synthetic', scale=a.scale)
            with half_precision_flow() if v in HALF_FLOW else nullcontext(), pytorch_lookup() if v in UNFUSED else nullcontext():
                m = fit_clip(clip, d, get_config('fast', **VARIANTS[v]), seed=a.seed, progress=False, flow=flows, videos=False, source=source, **budget)
            res[v] = r = dict(steps=m['steps'], steps_per_s=round(m['steps']/m['train_seconds'], 3), ws_psnr=m['ws_psnr'],
                              ws_psnr_no_residual=m.get('ws_psnr_no_residual'), psnr=m['psnr'], alpha_iou=m.get('alpha_iou'), run_dir=str(d))
            print(f"  {v:8s} {r['steps']:6d} steps {r['steps_per_s']:5.2f}/s  WS-PSNR {r['ws_psnr']:6.2f} dB  "
                  f"(no residual {r['ws_psnr_no_residual']:.2f})  IoU {r['alpha_iou'] or 0:.3f}", flush=True)
            ims.append((f"{v} {r['ws_psnr']:.2f} dB", run_crop(d, clip, mid, crop)))
        del flows
        results[clip.name] = res
        rows.append((clip.name, ims))
        atomic_write_text(out/'quality.json', json.dumps(dict(scale=a.scale, variants=variants, seed=a.seed, results=results, **budget), indent=1))
    head = ['clip'] + [f'{v} {c}' for v in variants for c in ('WS-PSNR', 'no residual', 'IoU', 'steps')]
    ref, others = variants[0], variants[1:]
    head += [c for v in others for c in (f'Δ {v}', 'steps/s ratio')]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    for name, res in results.items():
        cells = [name]
        for v in variants:
            r = res[v]
            cells += [f"{r['ws_psnr']:.2f}", f"{r['ws_psnr_no_residual']:.2f}", f"{r['alpha_iou'] or 0:.3f}", str(r['steps'])]
        for v in others:
            p, q = res[ref], res[v]
            cells += [f"{q['ws_psnr'] - p['ws_psnr']:+.2f}", f"{q['steps_per_s']/p['steps_per_s']:.2f}"]
        lines.append('| ' + ' | '.join(cells) + ' |')
    if len(results) > 1:
        means = {v: np.mean([r[v]['ws_psnr'] for r in results.values()]) for v in variants}
        cells = ['mean'] + [c for v in variants for c in (f'{means[v]:.2f}', '', '', '')]
        cells += [c for v in others for c in (f'{means[v] - means[ref]:+.2f}', '')]
        lines.append('| ' + ' | '.join(cells) + ' |')
    table = '\n'.join(lines)
    print('\n' + table)
    atomic_write_text(out/'quality.json', json.dumps(dict(scale=a.scale, variants=variants, seed=a.seed, results=results, table=table, **budget), indent=1))
    if a.pictures: crops_figure(rows, Path(a.pictures)); print(f"wrote {a.pictures}")
    print(f"wrote {out/'quality.json'}")
