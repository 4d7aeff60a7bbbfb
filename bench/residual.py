"""    python -m bench.residual RUN_DIR [RUN_DIR ...] [--frames ends] [--out outputs/residual.jpg]

Diagnosis: what the lighting residual of finished `npr fit` runs does, and in which layer. Per run, WS-PSNR over
every other frame with the residual, without it, with only the background layer's residual and with only the
foreground layers'; and one JPEG: per run and frame (the first and the last by default, where the one atlas is
the furthest compromise between the views), the frame, the background's residual as a gain map (grey is 1, black
and white ±10 %), and the absolute error without and with the residual (×4). It backs "The lighting residual's
weight, measured" in nbs/12_train.ipynb. Renders only; trains nothing.
"""
import argparse, json
from pathlib import Path
import numpy as np, torch
from npr_lib.runs import open_run_clip, load_model
from npr_lib.evaluate import render_frames
from npr_lib.metrics import ws_psnr
from bench.quality import crops_figure

TITLES = ['frame', 'background residual (grey = 1, ±10 %)', '|error| without residual ×4', '|error| with residual ×4']

def residual_parts(o:dict)->dict:
    "From `render_frames(..., layers=True)` output: the composite with every residual, none, the background's only, the foregrounds' only (3,H,W)."
    s, w = o['shading'], o['weights'][:, None]
    atlas = o['layer_rgb']/s.clamp_min(1e-6)
    one = torch.ones_like(s[:1])
    return {'residual': o['rgb'], 'none': o['rgb_plain'],
            'background only': (w*atlas*torch.cat([s[:1], one.expand_as(s[1:])])).sum(0),
            'foreground only': (w*atlas*torch.cat([one, s[1:]])).sum(0)}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[2])
    ap.add_argument('runs', nargs='+')
    ap.add_argument('--frames', default='ends', help="frames of the figure: 'ends' (first and last) or positions like 0,15")
    ap.add_argument('--out', default='outputs/residual.jpg')
    a = ap.parse_args(argv)
    torch.set_grad_enabled(False)
    rows, table = [], {}
    for r in a.runs:
        clip, model = open_run_clip(r), load_model(r)
        show = [0, clip.N - 1] if a.frames == 'ends' else [int(f) for f in a.frames.split(',')]
        scores = {}
        for f, o in render_frames(model, clip.H, clip.W, frames=sorted(set(range(0, clip.N, 2)) | set(show)), layers=True):
            gt, parts = clip.frame(f), residual_parts(o)
            if f % 2 == 0:
                for k, im in parts.items(): scores.setdefault(k, []).append(ws_psnr(im.clamp(0, 1), gt).item())
            if f in show:
                gain = ((o['shading'][0] - 1)*5 + 0.5).clamp(0, 1)
                err = [((parts[k] - gt).abs()*4).clamp(0, 1) for k in ('none', 'residual')]
                ims = [gt, gain] + err
                rows.append((f'{Path(r).name}, frame {f + 1}', [(t, im.permute(1, 2, 0).numpy()) for t, im in zip(TITLES, ims)]))
        table[str(r)] = {k: round(float(np.mean(v)), 2) for k, v in scores.items()}
        print(r, '  '.join(f'{k} {v:.2f}' for k, v in table[str(r)].items()), flush=True)
    crops_figure(rows, Path(a.out))
    print(json.dumps(table, indent=1)); print('wrote', out)

if __name__ == '__main__': main()
