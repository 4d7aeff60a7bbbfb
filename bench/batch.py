"""    python -m bench.batch [CLIP ...] [--steps 200] [--scale 0.5] [--shapes 1x2 2x1] [--out outputs/bench_batch]

`npr batch` throughput and the engine's overhead (issue "Many videos", nbs/14c_batch.ipynb).
The same clips (the four shared clips by default) are run as one batch per cluster shape — workers × torch threads
per fit, e.g. 1 worker × 2 threads against 2 workers × 1 thread on this 2-core machine — each into its own output
folder, from scratch, with a fixed step budget per clip (a minutes budget would hand the shape with more workers
more training in total, and the comparison would be about the budget, not the engine). Printed side by side, in
one process on one machine: the batch's wall time, clips per hour and their ratio, each clip's WS-PSNR (the same
steps, so a shape that wins on time must not lose on quality), and where a clip's task time goes (the pipeline's
own seconds against the kernel start, papermill and the HTML copy). The engine alone: a 2-worker LocalCluster's
start and close, the round trip of 100 empty tasks, and a rerun of a complete batch (all skipped).

Run it alone, from the repository root. Writes OUT/batch.json, OUT/<shape>/ (each batch's runs and report.html)
and prints Markdown tables.
"""
import argparse, json, os, shutil, sys, time
from pathlib import Path

from npr_lib.clip import shared_clip_dir
from npr_lib.batch import run_batch, batch_client
from npr_lib.reproduce import environment_record

CLIPS = ('Walking_Boy', 'Classroom', 'Tram', 'Elephant')


def _noop(i): return i


def engine_overhead(n_tasks=100):
    "Seconds to start and close a 2-worker local cluster, and milliseconds per empty task (submitted together, gathered)."
    t0 = time.perf_counter()
    client, cluster = batch_client(None, workers=2, dashboard=':0')
    start = time.perf_counter() - t0
    client.gather([client.submit(_noop, -1, pure=False)])   # warm
    t0 = time.perf_counter()
    client.gather([client.submit(_noop, i, pure=False) for i in range(n_tasks)])
    per_task = (time.perf_counter() - t0)/n_tasks
    t0 = time.perf_counter()
    client.close(); cluster.close()
    return dict(cluster_start_s=start, cluster_close_s=time.perf_counter() - t0, empty_task_ms=1e3*per_task)


def one_batch(clips, out, workers, threads, **params):
    "A batch from scratch: wall seconds and its rows."
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    rows = run_batch(','.join(clips), str(out), workers=workers, threads=threads, dashboard=':0', progress=False,
                     log=lambda m: print(f"  {m}", file=sys.stderr), **params)
    wall = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = run_batch(','.join(clips), str(out), workers=workers, threads=threads, progress=False, log=lambda m: None, **params)
    return dict(wall_s=wall, rerun_s=time.perf_counter() - t0, rerun_skipped=sum(r['skipped'] for r in again), rows=rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('clips', nargs='*', help='clip folders (default: the four shared clips)')
    p.add_argument('--steps', type=int, default=200, help='training steps per clip')
    p.add_argument('--scale', type=float, default=0.5)
    p.add_argument('--frames', default=None)
    p.add_argument('--shapes', nargs='+', default=['1x2', '2x1'], help='WORKERSxTHREADS, one batch each')
    p.add_argument('--out', default='outputs/bench_batch')
    a = p.parse_args(argv)
    clips = a.clips or [str(shared_clip_dir()/c) for c in CLIPS]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    res = dict(clips=[Path(c).name for c in clips], steps=a.steps, scale=a.scale, frames=a.frames,
               environment=environment_record('cpu'), engine=engine_overhead(), shapes={})
    for shape in a.shapes:
        w, t = (int(x) for x in shape.split('x'))
        print(f"batch {shape}: {len(clips)} clips, {w} worker(s) × {t} thread(s)", file=sys.stderr)
        res['shapes'][shape] = one_batch(clips, out/shape, w, t, steps=a.steps, scale=a.scale, frames=a.frames)
        (out/'batch.json').write_text(json.dumps(res, indent=1, default=str))
    shapes = list(res['shapes'])
    base = res['shapes'][shapes[0]]['wall_s']
    print(f"\n{len(clips)} clips at scale {a.scale}, {a.steps} steps each; env OMP_NUM_THREADS set per fit\n")
    print('| workers × threads | batch wall s | clips/hour | throughput vs ' + shapes[0] + ' | mean WS-PSNR | mean task s | of which pipeline s | rerun (all skipped) s |')
    print('|---|---|---|---|---|---|---|---|')
    for s in shapes:
        r = res['shapes'][s]; rows = r['rows']
        done = [x for x in rows if x['status'] == 'complete']
        mean = lambda k: sum(x[k] for x in done)/max(len(done), 1)
        print(f"| {s.replace('x', ' × ')} | {r['wall_s']:.0f} | {3600*len(done)/r['wall_s']:.1f} | {base/r['wall_s']:.2f}× | "
              f"{mean('ws_psnr'):.2f} | {mean('task_seconds'):.0f} | {mean('seconds'):.0f} | {r['rerun_s']:.2f} |")
    print('\n| clip | ' + ' | '.join(f'WS-PSNR {s}' for s in shapes) + ' | ' + ' | '.join(f'task s {s}' for s in shapes) + ' |')
    print('|---|' + '---|'*(2*len(shapes)))
    for i, c in enumerate(res['clips']):
        rr = [res['shapes'][s]['rows'][i] for s in shapes]
        print(f"| {c} | " + ' | '.join(f"{x['ws_psnr']:.2f}" if x['ws_psnr'] else x['status'] for x in rr) + ' | '
              + ' | '.join(f"{x['task_seconds']:.0f}" if x['task_seconds'] else '' for x in rr) + ' |')
    e = res['engine']
    print(f"\nengine: a 2-worker LocalCluster starts in {e['cluster_start_s']:.2f} s and closes in {e['cluster_close_s']:.2f} s; "
          f"an empty task costs {e['empty_task_ms']:.1f} ms (100 submitted together)")
    return res


if __name__ == '__main__':
    main()
