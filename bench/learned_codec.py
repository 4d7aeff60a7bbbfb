"""    python -m bench.learned_codec --minutes 20 --out outputs/bench_learned
    python -m bench.learned_codec --quick --out /tmp/lc_quick                  # a tiny end-to-end check, about a minute

DCVC-HEM-360's two ideas measured at small scale (nbs/24_learned_codec.ipynb, "The experiment"): four learned codecs
(`npr_lib.learned_codec.HyperpriorCodec`, N=48, M=64) trained from the same seed, with the same λ, learning rate, batch
and number of steps, on plain crops or on flow-guided reprojected patches (`npr_lib.fgr.FGRDataset`, reproject=False /
True), each with and without the latitude input of the entropy model; loss rate + λ·WS-MSE.

  training   all 30 frames of the shared clips Classroom and Elephant at 480×240 and the synthetic clip at the same
             size (the flow-guided centres from DIS optical flow, threshold 0.5 px per frame)
  evaluation 6 evenly spaced full 480×240 ERP frames (frames 1, 7, 13, 18, 24, 30) of the two clips kept out of training,
             Tram and Walking_Boy: each model coded intra-only at the quantisation steps of `q_ladder(5)` (one model,
             one RD curve; see the notebook for why and how this is weaker than one model per λ), and libx264 / libx265
             all-intra (`x264-intra`, `x265-intra`: g=1, every frame an I frame) at 8 CRFs, 16…51

It prints and writes (OUT/summary.md, OUT/results.json, OUT/rd.png) the RD points in WS-PSNR-Y, PSNR-Y and
WS-PSNR-RGB against bits per pixel, the BD-rates of each model against x264 intra and of the paper's two ablations
(FGR against plain crops, latitude input against none), training time and steps, and encode/decode seconds per frame.
The model with the lowest mean BD-rate (WS-PSNR-Y) against x264 intra — where a curve does not overlap x264's, against
the plain model — is shipped as npr_lib/models/learned_codec.pt (not with --quick or --no-ship), the model
`npr codec --codecs learned` uses.

--minutes is the budget of ONE model: the step count is fixed from it on the first run (the slowest arm, FGR with the
latitude input, timed for 30 steps) and all four models train exactly that many steps; their seconds are recorded.
With --jobs 2 (the default with 2 or more cores, or $OMP_NUM_THREADS ≥ 2) two models train at a time, one thread each, so the whole
run takes about 2×MINUTES plus 3–5 minutes of flow, evaluation and x264/x265; with --jobs 1, 4×MINUTES plus the same.
It resumes: models train into OUT/models/<arm>.pt checkpoints, the plan (steps and settings) is OUT/plan.json, and rows
already measured for a model of that many steps are kept (OUT/rows/). --fresh starts again. Run it from the
repository root; the shared clips must be beside the repository (../shared/data/360npr) or under $NPR_SHARED.
"""
import argparse, json, math, os, shutil, subprocess, sys, time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ('Classroom', 'Elephant', 'synthetic')
EVAL = ('Tram', 'Walking_Boy')
HEIGHT = 240                                     # 480×240: half the shared clips' 960×480
ARMS = {'plain': dict(reproject=False, latitude=False), 'plain+lat': dict(reproject=False, latitude=True),
        'fgr': dict(reproject=True, latitude=False), 'fgr+lat': dict(reproject=True, latitude=True)}
CALIBRATE_ARM = 'fgr+lat'                        # the slowest: reprojection and the latitude input
CLASSIC = ('x264-intra', 'x265-intra')
ANCHOR = 'x264-intra'
CRFS = (16, 21, 26, 31, 36, 41, 46, 51)     # down to the lowest quality: a small learned model may sit there
METRICS = ('ws_psnr_y', 'psnr_y', 'ws_psnr_rgb')
LABEL = dict(ws_psnr_y='WS-PSNR-Y', psnr_y='PSNR-Y', ws_psnr_rgb='WS-PSNR-RGB')
ABLATIONS = (('FGR vs plain crops (no latitude input)', 'plain', 'fgr'),
             ('FGR vs plain crops (with latitude input)', 'plain+lat', 'fgr+lat'),
             ('latitude input vs none (plain crops)', 'plain', 'plain+lat'),
             ('latitude input vs none (FGR)', 'fgr', 'fgr+lat'))
# what must match for a checkpoint to be resumed
TRAINING_KEYS = ('N', 'M', 'lam', 'lr', 'batch', 'patch', 'seed', 'flow_threshold', 'train_frames', 'quick')


def cpu_budget()->int:
    "Threads this run may use: $OMP_NUM_THREADS if set, else every core."
    try: return max(1, int(os.environ.get('OMP_NUM_THREADS') or 0) or os.cpu_count() or 1)
    except ValueError: return max(1, os.cpu_count() or 1)


def settings(a)->dict:
    "The plan's settings from the command line (the step count comes later)."
    quick = a.quick
    return dict(quick=quick, N=a.N or (16 if quick else 48), M=a.M or (24 if quick else 64), lam=a.lam, lr=a.lr,
                batch=a.batch or (4 if quick else 8), patch=a.patch, seed=a.seed, flow_threshold=0.5,
                train_frames=8 if quick else 30, eval_frames=a.eval_frames or (2 if quick else 6),
                qs=a.q or None, crfs=list(a.crf or ((26, 32, 38, 44) if quick else CRFS)), minutes=a.minutes)


def load_clip(name:str, frames):
    "A clip at 480×240: a shared clip at half size, or the synthetic clip made at that height."
    from npr_lib.clip import open_clip, shared_clip_dir
    if name == 'synthetic': return open_clip('synthetic', scale=HEIGHT/128, frames=frames)
    d = shared_clip_dir(name)
    if d is None: sys.exit(f"{name}: the shared clips are not beside the repository (../shared/data/360npr) nor under $NPR_SHARED; "
                           f"this benchmark needs Classroom, Elephant, Tram and Walking_Boy")
    clip = open_clip(d, scale=HEIGHT/480, frames=frames, cache=False)
    if clip.H != HEIGHT: sys.exit(f"{name}: loaded at {clip.W}×{clip.H}, expected {2*HEIGHT}×{HEIGHT}; are the shared clips 960×480?")
    return clip


def training_data(plan:dict, out:Path)->tuple:
    "The training clips and their motion maps (DIS flow magnitude, cached in OUT/motion)."
    import torch
    from npr_lib.fgr import motion_maps
    clips, maps = [], []
    for name in TRAIN:
        clip = load_clip(name, plan['train_frames'])
        f = out/'motion'/f'{name}_{clip.N}.pt'
        if f.exists(): m = torch.load(f, weights_only=True)
        else:
            t0 = time.perf_counter(); m = motion_maps(clip, 'flow')
            f.parent.mkdir(parents=True, exist_ok=True); torch.save(m, f)
            print(f"  motion of {name} ({clip.N} frames {clip.W}×{clip.H}): {time.perf_counter() - t0:.0f} s", flush=True)
        clips.append(clip); maps.append(m)
    return clips, maps


def dataset(clips, maps, arm:str, plan:dict):
    "The arm's patches: plain crops or FGR at the same flow-guided centres; item i depends on (seed, i) only."
    from npr_lib.fgr import FGRDataset
    return FGRDataset(clips, maps, plan['patch'], plan['flow_threshold'], reproject=ARMS[arm]['reproject'],
                      seed=plan['seed'], length=10**9)


def new_model(arm:str, plan:dict):
    from npr_lib.learned_codec import HyperpriorCodec
    return HyperpriorCodec(plan['N'], plan['M'], latitude=ARMS[arm]['latitude'], seed=plan['seed'])


def ckpt(out:Path, arm:str)->Path: return out/'models'/f'{arm}.pt'


def ckpt_state(out:Path, arm:str)->dict|None:
    "step, seconds and last history entry of an arm's checkpoint, or None."
    import torch
    f = ckpt(out, arm)
    if not f.exists(): return None
    st = torch.load(f, map_location='cpu', weights_only=True)
    return dict(step=st['step'], seconds=st['seconds'], last=st['history'][-1] if st['history'] else {})


def train_arm(arm:str, plan:dict, out:Path, progress:bool):
    "Train one arm to the plan's step count, resuming its checkpoint."
    import torch
    from npr_lib.learned_codec import train_codec
    torch.set_num_threads(plan['threads'])
    clips, maps = training_data(plan, out)
    ckpt(out, arm).parent.mkdir(parents=True, exist_ok=True)
    train_codec(new_model(arm, plan), dataset(clips, maps, arm, plan), plan['steps'], lr=plan['lr'], lam=plan['lam'],
                seed=plan['seed'], progress=progress, batch_size=plan['batch'], checkpoint=ckpt(out, arm),
                every=plan['every'], log_every=max(1, plan['steps']//200))


def calibrate(plan:dict, out:Path)->float:
    "Training steps per second of the slowest arm, on `threads` threads (5 warm-up steps, 30 timed)."
    import torch
    from npr_lib.learned_codec import train_codec
    torch.set_num_threads(plan['threads'])
    clips, maps = training_data(plan, out)
    ds, model = dataset(clips, maps, CALIBRATE_ARM, plan), new_model(CALIBRATE_ARM, plan)
    kw = dict(lr=plan['lr'], lam=plan['lam'], seed=plan['seed'] + 999, progress=False, batch_size=plan['batch'])
    train_codec(model, ds, 5, **kw)
    h = train_codec(model, ds, 30, log_every=30, **kw)
    return 30/h[-1]['seconds']


def train_all(plan:dict, out:Path, jobs:int):
    "Train every arm not yet at the plan's steps: in this process (jobs=1) or `jobs` at a time in child processes."
    todo = [a for a in ARMS if (ckpt_state(out, a) or {}).get('step', 0) < plan['steps']]
    if not todo: return
    print(f"training {', '.join(todo)}: {plan['steps']} steps each, {jobs} at a time", flush=True)
    if jobs == 1:
        for a in todo:
            t0 = time.perf_counter(); train_arm(a, plan, out, progress=True)
            print(f"  {a}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
        return
    (out/'logs').mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(plan['threads']), MKL_NUM_THREADS=str(plan['threads']))
    running, last = {}, time.perf_counter()
    while todo or running:
        while todo and len(running) < jobs:
            a = todo.pop(0)
            log = open(out/'logs'/f"{a.replace('+', '_')}.log", 'w')
            p = subprocess.Popen([sys.executable, '-m', 'bench.learned_codec', '--worker', a, '--out', str(out)],
                                 cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            running[a] = (p, log, time.perf_counter())
            print(f"  {a}: started (log {log.name})", flush=True)
        time.sleep(2)
        for a, (p, log, t0) in list(running.items()):
            if p.poll() is None: continue
            log.close(); del running[a]
            if p.returncode:
                for q, _, _ in running.values(): q.terminate()
                sys.exit(f"{a}: training failed (exit {p.returncode}); the end of {log.name}:\n"
                         + ''.join(Path(log.name).read_text().splitlines(True)[-20:]))
            print(f"  {a}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
        if running and time.perf_counter() - last > 60:
            last = time.perf_counter()
            print('  ' + ', '.join(f"{a}: {(ckpt_state(out, a) or {}).get('step', 0)}/{plan['steps']}" for a in running), flush=True)


def eval_frames(n:int)->list:
    "n evenly spaced positions among the clips' 30 frames (0-based)."
    return sorted(set(np.linspace(0, 29, n).round().astype(int).tolist()))


def evaluate(plan:dict, out:Path)->dict:
    "{clip: rows} for every arm and the classic all-intra codecs, re-using rows measured before."
    import torch
    from npr_lib.codec import rd_ladder, _json_ready
    from npr_lib.learned_codec import load_codec, learned_rd, q_ladder
    from npr_lib.files import atomic_write_text
    torch.set_num_threads(cpu_budget())
    clips = {n: load_clip(n, eval_frames(plan['eval_frames'])) for n in EVAL}
    qs = plan['qs'] or q_ladder(5)
    rows = {n: [] for n in EVAL}
    (out/'rows').mkdir(parents=True, exist_ok=True)
    for arm in ARMS:
        f, model = out/'rows'/f"{arm.replace('+', '_')}.json", load_codec(ckpt(out, arm))
        key = dict(step=ckpt_state(out, arm)['step'], fingerprint=model.fingerprint(), qs=qs, frames=eval_frames(plan['eval_frames']))
        old = json.loads(f.read_text()) if f.exists() else {}
        if old.get('key') != key:
            t0 = time.perf_counter()
            old = dict(key=key, rows={n: learned_rd(model, c.frames, qs, name=arm, fps=c.fps) for n, c in clips.items()})
            atomic_write_text(f, json.dumps(_json_ready(old)))
            print(f"  {arm}: {len(qs)} steps × {len(EVAL)} clips coded and measured ({time.perf_counter() - t0:.0f} s)", flush=True)
        for n in EVAL: rows[n] += old['rows'][n]
    f = out/'rows'/'classic.json'
    key = dict(codecs=list(CLASSIC), crfs=plan['crfs'], frames=eval_frames(plan['eval_frames']))
    old = json.loads(f.read_text()) if f.exists() else {}
    if old.get('key') != key:
        t0 = time.perf_counter()
        old = dict(key=key, rows={n: rd_ladder(c, CLASSIC, points=4, settings={k: plan['crfs'] for k in CLASSIC}, progress=False)
                                  for n, c in clips.items()})
        atomic_write_text(f, json.dumps(_json_ready(old)))
        print(f"  {', '.join(CLASSIC)}: {len(plan['crfs'])} CRFs × {len(EVAL)} clips ({time.perf_counter() - t0:.0f} s)", flush=True)
    for n in EVAL: rows[n] += old['rows'][n]
    return dict(rows=rows, frames={n: list(c.numbers) for n, c in clips.items()}, size=f"{clips[EVAL[0]].W}x{clips[EVAL[0]].H}")


def curve(rows:list, name:str, metric:str)->tuple:
    pts = sorted((r['bpp'], r[metric]) for r in rows if r['codec'] == name)
    return [p[0] for p in pts], [p[1] for p in pts]


def mean(vals:list):
    "Mean of the values, None if any is None (a clip without overlap leaves the mean undefined)."
    return None if not vals or any(v is None for v in vals) else float(np.mean(vals))


def bd_all(rows:dict)->dict:
    "BD-rates against x264 intra and of the ablations, per clip and their mean, in each metric."
    from npr_lib.codec import bd
    curves = list(ARMS) + [c for c in CLASSIC if c != ANCHOR]
    res = dict(vs_anchor={c: {} for c in curves}, ablations={t: {} for t, _, _ in ABLATIONS},
               vs_plain={a: {} for a in ARMS})
    for m in METRICS:
        for c in curves:
            per = {n: bd(*curve(r, ANCHOR, m), *curve(r, c, m)) for n, r in rows.items()}
            res['vs_anchor'][c][m] = dict(per_clip=per, mean_bd_rate=mean([v['bd_rate'] for v in per.values()]),
                                          mean_bd_psnr=mean([v['bd_psnr'] for v in per.values()]))
        for t, a, b in ABLATIONS:
            per = {n: bd(*curve(r, a, m), *curve(r, b, m)) for n, r in rows.items()}
            res['ablations'][t][m] = dict(anchor=a, test=b, per_clip=per, mean_bd_rate=mean([v['bd_rate'] for v in per.values()]),
                                          mean_bd_psnr=mean([v['bd_psnr'] for v in per.values()]))
        for a in ARMS:
            per = {n: bd(*curve(r, 'plain', m), *curve(r, a, m)) for n, r in rows.items()}
            res['vs_plain'][a][m] = mean([v['bd_rate'] for v in per.values()])
    return res


def best_arm(bds:dict)->tuple:
    "The arm with the lowest mean BD-rate (WS-PSNR-Y) against x264 intra; against the plain model if one lacks it."
    vs = {a: bds['vs_anchor'][a]['ws_psnr_y']['mean_bd_rate'] for a in ARMS}
    if all(v is not None for v in vs.values()):
        return min(vs, key=vs.get), f"lowest mean BD-rate (WS-PSNR-Y) against {ANCHOR} over {', '.join(EVAL)}"
    vp = {a: bds['vs_plain'][a]['ws_psnr_y'] for a in ARMS}
    vp = {a: v for a, v in vp.items() if v is not None}
    return (min(vp, key=vp.get) if vp else 'plain'), (f"a curve does not overlap {ANCHOR}'s: lowest mean BD-rate (WS-PSNR-Y) "
                                                      f"against the plain model over {', '.join(EVAL)}")


def figure(rows:dict, path:Path, title:str):
    "RD curves: one row of panels per evaluation clip, WS-PSNR-Y and PSNR-Y against bits per pixel (log)."
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter
    from npr_lib.files import atomic_path
    fig = Figure(figsize=(11, 4*len(rows)), layout='constrained')
    axes = fig.subplots(len(rows), 2, squeeze=False)
    style = {'plain': ('C0', 'o-'), 'plain+lat': ('C1', 'o-'), 'fgr': ('C2', 's-'), 'fgr+lat': ('C3', 's-'),
             'x264-intra': ('0.2', 'x--'), 'x265-intra': ('0.55', '+--')}
    for (clip, r), ax_row in zip(rows.items(), axes):
        for ax, m in zip(ax_row, ('ws_psnr_y', 'psnr_y')):
            for name, (col, st) in style.items():
                x, y = curve(r, name, m)
                if not x: continue
                ax.plot(x, y, st, color=col, ms=4, label=name)
                q1 = [(p['bpp'], p[m]) for p in r if p['codec'] == name and p.get('q') == 1.0]
                if q1: ax.plot(*q1[0], '*', color=col, ms=11)
            ax.set_xscale('log'); ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f'{v:g}'))
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel('bits per pixel'); ax.set_ylabel(f'{LABEL[m]} (dB)'); ax.set_title(f'{clip}: {LABEL[m]}', fontsize=10)
            ax.grid(True, which='both', alpha=0.3)
    axes[0][0].legend(fontsize=8, title='★ q = 1 (the trained step)', title_fontsize=8)
    fig.suptitle(title)
    with atomic_path(path) as tmp: fig.savefig(tmp, dpi=110, format='png')


def fmt(v, unit='', d=1):
    return '—' if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:+.{d}f}{unit}"


def table(title:str, head:list, body:list)->str:
    lines = [f"\n### {title}\n", '| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head)]
    return '\n'.join(lines + ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in body])


def report(plan:dict, ev:dict, bds:dict, train:dict, best:tuple, shipped:dict|None)->str:
    rows = ev['rows']
    out = [f"## Learned codec: plain crops vs FGR, latitude input or not ({'QUICK CHECK, not a measurement; ' if plan['quick'] else ''}"
           f"N={plan['N']}, M={plan['M']}, λ={plan['lam']:g}, lr={plan['lr']:g}, batch {plan['batch']}×{plan['patch']}², "
           f"{plan['steps']} steps each)\n",
           f"Training: {', '.join(TRAIN)} ({plan['train_frames']} frames each, 480×240). Evaluation: {ev['size']} frames "
           + '; '.join(f"{n} {', '.join(map(str, f))}" for n, f in ev['frames'].items())
           + f". Learned models at q ∈ {plan['qs'] or 'q_ladder(5)'}, intra-only; {', '.join(CLASSIC)} at CRF {', '.join(map(str, plan['crfs']))}."]
    for m in METRICS:
        out.append(table(f"BD-rate against {ANCHOR}, {LABEL[m]} (negative = fewer bits for the same quality; overlap in brackets)",
                         ['curve', *EVAL, 'mean'],
                         [[c, *(f"{fmt(v['bd_rate'], ' %')} ({v['overlap'] if v['overlap'] is not None else '—'})"
                                for v in bds['vs_anchor'][c][m]['per_clip'].values()), fmt(bds['vs_anchor'][c][m]['mean_bd_rate'], ' %')]
                          for c in bds['vs_anchor']]))
    out.append(table("The ablations: BD-rate of the second model against the first (negative = the second needs fewer bits)",
                     ['ablation', *(f"{LABEL[m]} {n}" for m in METRICS[:2] for n in EVAL), *(f"mean {LABEL[m]}" for m in METRICS)],
                     [[t, *(fmt(bds['ablations'][t][m]['per_clip'][n]['bd_rate'], ' %') for m in METRICS[:2] for n in EVAL),
                       *(fmt(bds['ablations'][t][m]['mean_bd_rate'], ' %') for m in METRICS)] for t, _, _ in ABLATIONS]))
    body = []
    for a in ARMS:
        pts = [r for n in EVAL for r in rows[n] if r['codec'] == a and r.get('q') == 1.0]
        body.append([a, f"{np.mean([r['bpp'] for r in pts]):.3f}", *(f"{np.mean([r[m] for r in pts]):.2f}" for m in METRICS)])
    out.append(table("At the trained step q = 1 (mean over the evaluation clips)", ['model', 'bpp', *(LABEL[m] for m in METRICS)], body))
    body = []
    for a in ARMS:
        t, pts = train[a], [r for n in EVAL for r in rows[n] if r['codec'] == a]
        body.append([a, t['step'], f"{t['seconds']/60:.1f}", f"{t['step']/t['seconds']:.1f}",
                     f"{np.mean([1/r['encode_fps'] for r in pts]):.3f}", f"{np.mean([1/r['decode_fps'] for r in pts]):.3f}"])
    for c in CLASSIC:
        pts = [r for n in EVAL for r in rows[n] if r['codec'] == c]
        body.append([c, '', '', '', f"{np.mean([1/r['encode_fps'] for r in pts]):.4f}", f"{np.mean([1/r['decode_fps'] for r in pts]):.4f}"])
    out.append(table(f"Training and coding time ({ev['size']}; training on {plan['threads']} thread(s) per model, "
                     f"{plan['jobs']} model(s) at a time; coding on this machine's threads)",
                     ['model', 'steps', 'training (min)', 'steps/s', 'encode (s/frame)', 'decode (s/frame)'], body))
    out.append(f"\nBest: **{best[0]}** ({best[1]}). "
               + (f"Shipped as {shipped['path']} ({shipped['bytes']:,} bytes)." if shipped else "Not shipped (--quick or --no-ship)."))
    return '\n'.join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--minutes', type=float, default=20., help='training budget of one model (the step count is computed from it)')
    p.add_argument('--steps', type=int, default=None, help='training steps of each model, instead of --minutes (also: more steps on resume)')
    p.add_argument('--out', type=Path, default=Path('outputs/bench_learned'))
    p.add_argument('--quick', action='store_true', help='tiny model, 20 steps, 8 training frames and 2 evaluation frames per clip: checks the script, measures nothing')
    p.add_argument('--jobs', type=int, default=None, help='models trained at a time, each in its own process (default: 2 with 2+ cores; 1 with --quick)')
    p.add_argument('--lam', type=float, default=380., help='λ of rate + λ·WS-MSE (DCVC-HEM: 85, 170, 380, 840)')
    p.add_argument('--lr', type=float, default=5e-4, help='Adam learning rate')
    p.add_argument('--N', type=int, default=None, help='channels of the transforms and of z (default 48; 16 with --quick)')
    p.add_argument('--M', type=int, default=None, help='channels of the latent y (default 64; 24 with --quick)')
    p.add_argument('--batch', type=int, default=None, help='patches per step (default 8; 4 with --quick)')
    p.add_argument('--patch', type=int, default=64, help='patch side')
    p.add_argument('--seed', type=int, default=0, help='seed of the weights, the patches and the noise (the same for the four models)')
    p.add_argument('--eval-frames', type=int, default=None, help='evenly spaced evaluation frames per clip (default 6; 2 with --quick)')
    p.add_argument('--q', type=float, nargs='+', default=None, help='quantisation steps of the learned curves (default q_ladder(5))')
    p.add_argument('--crf', type=int, nargs='+', default=None, help=f'CRFs of x264/x265 intra (default {" ".join(map(str, CRFS))})')
    p.add_argument('--no-ship', action='store_true', help='do not write npr_lib/models/learned_codec.pt')
    p.add_argument('--fresh', action='store_true', help="discard OUT's plan, checkpoints and rows first")
    p.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    out = a.out
    if a.worker:                                   # a child process: train one arm to the plan's steps
        train_arm(a.worker, json.loads((out/'plan.json').read_text()), out, progress=False)
        return 0
    import torch
    from npr_lib.files import atomic_write_text
    from npr_lib.codec import _json_ready
    from npr_lib.learned_codec import load_codec, save_codec, shipped_model_path
    t_all = time.perf_counter()
    if a.fresh:
        for sub in ('models', 'rows', 'motion', 'logs'): shutil.rmtree(out/sub, ignore_errors=True)
        (out/'plan.json').unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    want = settings(a)
    cores = cpu_budget()
    jobs = a.jobs or (1 if a.quick else min(2, cores))
    if jobs < 1: p.error('--jobs: at least 1')
    threads = max(1, cores//jobs)
    plan_file = out/'plan.json'
    plan = json.loads(plan_file.read_text()) if plan_file.exists() else None
    if plan is not None:
        diff = {k: (plan.get(k), want[k]) for k in TRAINING_KEYS if plan.get(k) != want[k]}
        if diff: sys.exit(f"--out {out}: holds a run with other settings {diff} (was, asked); use another --out or --fresh")
        if a.steps and a.steps != plan['steps']: print(f"steps: {plan['steps']} → {a.steps} (checkpoints continue)")
        elif a.minutes != plan.get('minutes'): print(f"resuming with the plan's {plan['steps']} steps (from --minutes {plan.get('minutes')}); --steps to change")
        plan.update({k: want[k] for k in ('eval_frames', 'qs', 'crfs')}, jobs=jobs, threads=threads,
                    **({'steps': a.steps} if a.steps else {}))
    else:
        plan = dict(want, jobs=jobs, threads=threads)
        print(f"training data: {', '.join(TRAIN)}; evaluation: {', '.join(EVAL)}", flush=True)
        if a.steps or a.quick: plan['steps'], plan['steps_per_s'] = a.steps or 20, None
        else:
            rate = calibrate(plan, out)
            plan['steps'], plan['steps_per_s'] = max(10, int(a.minutes*60*rate)//10*10), rate
            print(f"calibrated: {rate:.1f} steps/s ({CALIBRATE_ARM}, {threads} thread(s)) → {plan['steps']} steps per model "
                  f"for {a.minutes:g} minutes", flush=True)
    plan['every'] = max(10, plan['steps']//40)
    past = {arm: st['step'] for arm in ARMS if (st := ckpt_state(out, arm)) and st['step'] > plan['steps']}
    if past: sys.exit(f"--out {out}: checkpoints {past} are past the {plan['steps']} steps asked; the four models must train the same "
                      f"steps: ask at least {max(past.values())} with --steps, or start again with --fresh")
    atomic_write_text(plan_file, json.dumps(plan, indent=1))

    t0 = time.perf_counter()
    training_data(plan, out)                       # flow once, before the workers read it
    train_all(plan, out, jobs)
    t_train = time.perf_counter() - t0
    train = {arm: ckpt_state(out, arm) for arm in ARMS}
    print("evaluating", flush=True)
    ev = evaluate(plan, out)
    bds = bd_all(ev['rows'])
    best = best_arm(bds)
    shipped = None
    if not (a.quick or a.no_ship):
        model, dst = load_codec(ckpt(out, best[0])), shipped_model_path()
        dst.parent.mkdir(parents=True, exist_ok=True)
        info = dict(arm=best[0], **ARMS[best[0]], criterion=best[1], lam=plan['lam'], lr=plan['lr'], batch=plan['batch'],
                    patch=plan['patch'], seed=plan['seed'], steps=train[best[0]]['step'], seconds=round(train[best[0]]['seconds'], 1),
                    train_clips=list(TRAIN), train_frames=plan['train_frames'], eval_clips=list(EVAL), eval_frames=ev['frames'],
                    bd_rate_vs_x264_intra={m: bds['vs_anchor'][best[0]][m]['mean_bd_rate'] for m in METRICS},
                    made_by='python -m bench.learned_codec')
        save_codec(model, dst, info=_json_ready(info))
        shipped = dict(path=str(dst), bytes=dst.stat().st_size, arm=best[0])
        print(f"shipped {best[0]} as {dst} ({shipped['bytes']:,} bytes)", flush=True)
    figure(ev['rows'], out/'rd.png', f"learned codec (4 models) vs x264/x265 all-intra, {ev['size']}"
                                     + (' — QUICK CHECK' if plan['quick'] else ''))
    md = report(plan, ev, bds, train, best, shipped)
    print(md)
    atomic_write_text(out/'summary.md', md + '\n')
    results = dict(plan=plan, train_clips=list(TRAIN), eval_clips=ev['frames'], size=ev['size'], training=train,
                   training_wall_seconds=t_train, best=dict(arm=best[0], criterion=best[1]), shipped=shipped, bd=bds,
                   rows=ev['rows'], seconds=time.perf_counter() - t_all)
    atomic_write_text(out/'results.json', json.dumps(_json_ready(results), indent=1))
    print(f"\nwrote {out/'summary.md'}, {out/'results.json'}, {out/'rd.png'} ({time.perf_counter() - t_all:.0f} s)")
    return 0


if __name__ == '__main__': sys.exit(main())
