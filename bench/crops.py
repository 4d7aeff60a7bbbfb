"""    python -m bench.crops RUN_DIR [RUN_DIR ...] [--labels A,B,...] [--out nbs/images/detail_crops.jpg]

Figure: crops of fine detail from finished `npr fit` runs, before against after a change. Runs are grouped by the
clip they were fitted to (name and size, from run.json); per group, one row: the frame's crop, then each run's
reconstruction of it. The window is the one `bench.quality --pictures` picks (the 96×192-pixel window of the
middle frame with the most image gradient, away from the poles; half the frame's height at most), so the
crops of runs fitted separately line up. It backs the before/after pictures of nbs/13_evaluate.ipynb, "Measured
on the shared clips". Renders one frame per run; trains nothing.
"""
import argparse, json
from pathlib import Path
from npr_lib.runs import open_run_clip, read_run
from bench.quality import detail_crops, run_crop, crops_figure

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[2])
    ap.add_argument('runs', nargs='+'); ap.add_argument('--labels')
    ap.add_argument('--out', default='outputs/detail_crops.jpg')
    a = ap.parse_args(argv)
    labels = a.labels.split(',') if a.labels else [Path(r).name for r in a.runs]
    if len(labels) != len(a.runs): ap.error(f"--labels: {len(labels)} labels for {len(a.runs)} runs")
    groups = {}
    for r, lab in zip(a.runs, labels):
        run = read_run(r)
        groups.setdefault((run.get('clip'), run.get('scale')), []).append((r, lab))
    rows = []
    for runs in groups.values():
        clip = open_run_clip(runs[0][0])
        mid, crop, frame_crop = detail_crops(clip)
        ims = [(f'{clip.W}×{clip.H} frame', frame_crop)]
        for r, lab in runs:
            mp = Path(r)/'metrics.json'
            m = json.loads(mp.read_text()) if mp.exists() else {}
            ims.append((lab + (f" {m['ws_psnr']:.2f} dB" if 'ws_psnr' in m else ''), run_crop(r, clip, mid, crop)))
        rows.append((clip.name, ims))
    crops_figure(rows, Path(a.out))
    print(f"wrote {a.out}")

if __name__ == '__main__': main()
