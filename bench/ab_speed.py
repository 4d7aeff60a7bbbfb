"""    python -m bench.ab_speed REV [--clip PATH] [--scale 1.0] [--steps 150] [--rounds 3] [--checkpoint RUN/checkpoint.pt]

Training steps per second of this checkout against another git revision (`HEAD`, `HEAD~1`, a commit), side by
side: the same clip, configuration and seed, the two versions taking turns (A, B, A, B, …) so that whatever else the
machine does falls on both. Each turn is a fresh process that imports the version's `npr_lib` (before torch, as `npr`
does), opens and preprocesses the clip, warms up for 20 steps and times `--steps` more. With `--checkpoint` both start
from that fit's state — late in a fit, where layer culling has taken effect — instead of from the initialisation.

It answers "did this change make training faster, and by how much" for any change that keeps the model the same (a
kernel, a loss's implementation), which a time-budget fit cannot tell apart from the machine's spread. The other
revision is checked out with `git worktree` under `--work` and removed afterwards; it runs with this environment's
packages. Run alone, with `OMP_NUM_THREADS` set. Prints the seconds a step of every turn, the medians and the ratio,
and writes them to `--out`.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile
from pathlib import Path

from npr_lib.clip import shared_clip_dir
from npr_lib.files import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]

TURN = r'''
import sys, time
root, clip_path, scale, steps, ckpt = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
sys.path.insert(0, root)
import npr_lib   # before torch: it sets torch's OpenMP spin (see Encodings, "Threads")
assert npr_lib.__file__.startswith(root), f"imported {npr_lib.__file__}, not the checkout in {root}"
from npr_lib.clip import open_clip
from npr_lib.preprocess import preprocess_clip
from npr_lib.train import Trainer
clip, flows, _ = preprocess_clip(open_clip(clip_path, scale=scale), None, progress=False)
tr = Trainer(clip, 'fast', flow=flows, seed=0)
if ckpt: tr.load(ckpt)
else: tr.initialise()
for _ in range(20): tr.train_step(sync=False)
t0 = time.perf_counter()
for _ in range(steps): tr.train_step(sync=False)
print((time.perf_counter() - t0)/steps)
'''

def seconds_per_step(root:Path, clip:str, scale:float, steps:int, checkpoint:str)->float:
    "One turn: a fresh process training the checkout in `root`; its seconds a step."
    r = subprocess.run([sys.executable, '-c', TURN, str(root), clip, str(scale), str(steps), checkpoint],
                       capture_output=True, text=True, env=os.environ | {'PYTHONWARNINGS': 'ignore'})
    if r.returncode: raise RuntimeError(f"{root}: the timing turn failed:\n{r.stderr[-3000:]}")
    return float(r.stdout.strip().splitlines()[-1])

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('rev', help='the git revision to compare against (HEAD: the last commit, without uncommitted changes)')
    ap.add_argument('--clip', default=str(shared_clip_dir('Tram') or 'synthetic'), help="a clip folder or 'synthetic' (the shared Tram when it is there)")
    ap.add_argument('--scale', type=float, default=1.0)
    ap.add_argument('--steps', type=int, default=150)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--checkpoint', default='', help="a fit's checkpoint.pt that both versions start from")
    ap.add_argument('--work', default=None, help='where the other revision is checked out (a temporary folder by default)')
    ap.add_argument('--out', default='outputs/bench_ab_speed.json')
    a = ap.parse_args()
    if a.clip != 'synthetic' and not Path(a.clip).is_dir(): ap.error(f"--clip {a.clip}: no such folder; give a clip folder or 'synthetic'")
    if a.checkpoint and not Path(a.checkpoint).is_file(): ap.error(f"--checkpoint {a.checkpoint}: no such file")
    sha = subprocess.run(['git', 'rev-parse', '--verify', a.rev + '^{commit}'], cwd=ROOT, capture_output=True, text=True)
    if sha.returncode: ap.error(f"{a.rev}: not a git revision of {ROOT}")
    sha = sha.stdout.strip()
    parent = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix='npr-ab-'))
    work = parent/sha[:10]
    subprocess.run(['git', 'worktree', 'add', '--detach', '--force', str(work), sha], cwd=ROOT, check=True, capture_output=True)
    times = {sha[:10]: [], 'this checkout': []}
    try:
        for i in range(a.rounds):
            for name, root in ((sha[:10], work), ('this checkout', ROOT)):
                t = seconds_per_step(root, a.clip, a.scale, a.steps, a.checkpoint)
                times[name].append(t)
                print(f"round {i + 1}  {name:14s} {t:.4f} s/step", flush=True)
    finally:
        subprocess.run(['git', 'worktree', 'remove', '--force', str(work)], cwd=ROOT, capture_output=True)
        if not a.work: shutil.rmtree(parent, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med[sha[:10]]/med['this checkout']
    print(f"median s/step: {sha[:10]} {med[sha[:10]]:.4f}, this checkout {med['this checkout']:.4f}: "
          f"{ratio:.3f}x the steps a second")
    atomic_write_text(a.out, json.dumps(dict(rev=a.rev, sha=sha, clip=a.clip, scale=a.scale, steps=a.steps, checkpoint=a.checkpoint,
                                           omp_num_threads=os.environ.get('OMP_NUM_THREADS'), seconds_per_step=times,
                                           median=med, steps_per_second_ratio=ratio), indent=1))
