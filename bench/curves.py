"""    python -m bench.curves RUN_DIR [RUN_DIR ...] [--labels A,B] [--out nbs/images/training_curves.jpg]

Figure: training curves of several `npr fit` runs side by side — the batch PSNR (sphere-uniform samples, a running
mean over 10 log entries) and the share of the configured learning rates, against training seconds. It backs
"The learning rates follow the budget" in nbs/12_train.ipynb, drawn from the runs of `bench.quality` (e.g.
`outputs/q960_fused/Tram/cull` and `outputs/q960_decay/Tram/decay`). Reads each run's history.json; trains nothing.
Runs from before the learning-rate schedule have no `lr_share` in their history: they are drawn at 1.
"""
import argparse, json
from pathlib import Path
import numpy as np
from npr_lib.files import atomic_write_bytes

def running_mean(x, n:int=10):
    "Mean of the last `n` values at each position (fewer at the start)."
    c = np.cumsum(np.r_[0., x])
    i = np.arange(1, len(x) + 1)
    return (c[i] - c[np.maximum(i - n, 0)])/np.minimum(i, n)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[2])
    ap.add_argument('runs', nargs='+'); ap.add_argument('--labels')
    ap.add_argument('--out', default='outputs/training_curves.jpg')
    a = ap.parse_args(argv)
    labels = a.labels.split(',') if a.labels else [str(Path(r)) for r in a.runs]
    if len(labels) != len(a.runs): ap.error(f"--labels: {len(labels)} labels for {len(a.runs)} runs")
    hist = []
    for r in a.runs:
        p = Path(r)/'history.json'
        if not p.exists(): ap.error(f"{p}: no training history; is {r} an `npr fit` output folder?")
        hist.append(json.loads(p.read_text()))
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt, io
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw=dict(width_ratios=[2, 1]))
    for lab, h in zip(labels, hist):
        s = np.array([e['seconds'] for e in h])
        ax.plot(s, running_mean(np.array([e['psnr'] for e in h])), label=lab, lw=1.2)
        bx.plot(s, [e.get('lr_share', 1.) for e in h], label=lab, lw=1.2)
    ax.set_xlabel('training seconds'); ax.set_ylabel('batch PSNR (dB, running mean)'); ax.legend(fontsize=8); ax.grid(alpha=0.3)
    bx.set_xlabel('training seconds'); bx.set_ylabel('share of the learning rates'); bx.set_yscale('log'); bx.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO(); fig.savefig(buf, format='jpg', dpi=110, pil_kwargs=dict(quality=88)); plt.close(fig)
    atomic_write_bytes(Path(a.out), buf.getvalue())
    print(f"wrote {a.out}")

if __name__ == '__main__': main()
