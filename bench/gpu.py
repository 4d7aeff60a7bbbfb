"""The CUDA path end to end: fit the synthetic clip and one shared clip at 960×480, with the PyTorch backend and,
when it imports, tinycudann; print steps per second, WS-PSNR and peak GPU memory side by side.

    bash bench/gpu.sh                                             # on a machine with CUDA: 2 minutes per fit
    python -m bench.gpu --minutes 2 --clip ../shared/data/360npr/Walking_Boy --out outputs/bench_gpu

Backs the GPU paragraph of nbs/12_train.ipynb. `--device cpu --height 32 --minutes 0.05` runs the same code
on a CPU in seconds (a smoke test of the script, not a measurement).
"""
import argparse, json, time, warnings
from pathlib import Path
import torch
from npr_lib.clip import open_clip
from npr_lib.config import get_config, resolve_device
from npr_lib.encodings import tcnn_available, resolve_backend
from npr_lib.preprocess import preprocess_clip
from npr_lib.train import Trainer
from npr_lib.evaluate import evaluate_model


def count_syncs(tr:Trainer, steps:int=5)->int:
    "Host↔device synchronisations in `steps` training steps (CUDA only; 0 means the step never waits for the host)."
    if tr.device.type != 'cuda': return 0
    torch.cuda.set_sync_debug_mode('warn')
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            for _ in range(steps): tr.train_step(sync=False)
            torch.cuda.synchronize()
    finally: torch.cuda.set_sync_debug_mode('default')
    return sum('synchroniz' in str(x.message) for x in w)


def fit_one(clip, flow, backend:str, minutes:float, device)->dict:
    "One timed fit: steps/s, WS-PSNR, peak memory."
    if device.type == 'cuda': torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats(device)
    tr = Trainer(clip, get_config('fast', backend=backend), device=str(device), flow=flow)
    built = resolve_backend(backend, device)
    tr.initialise()                 # rotations from the data, as `fit` does first
    syncs = count_syncs(tr)
    t0 = time.perf_counter()
    tr.fit(minutes=minutes, progress=False)
    wall = time.perf_counter() - t0
    m = evaluate_model(tr.model, clip.to(device) if device.type == 'cuda' else clip)
    peak = torch.cuda.max_memory_allocated(device)/2**30 if device.type == 'cuda' else float('nan')
    return dict(clip=clip.name, size=f'{clip.W}×{clip.H}', frames=clip.N, backend=built, steps=tr.step,
                steps_per_s=tr.step/max(tr.elapsed, 1e-9), wall_s=wall, ws_psnr=m['ws_psnr'], psnr=m['psnr'],
                peak_gib=peak, syncs_in_5_steps=syncs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--clip', default='../shared/data/360npr/Walking_Boy', help='a shared clip (960×480); "" to skip')
    ap.add_argument('--minutes', type=float, default=2.0, help='training time per fit')
    ap.add_argument('--height', type=int, default=480, help='frame height (960×480 by default)')
    ap.add_argument('--frames', default='30', help='frame selection')
    ap.add_argument('--device', default='auto')
    ap.add_argument('--out', default='outputs/bench_gpu')
    a = ap.parse_args(argv)
    dev = resolve_device(a.device)
    backends = ['torch'] + (['tcnn'] if dev.type == 'cuda' and tcnn_available() else [])
    info = dict(torch=torch.__version__, device=torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'cpu',
                tinycudann=tcnn_available(), backends=backends)
    print(json.dumps(info))
    clips = [open_clip('synthetic', scale=a.height/128, frames=a.frames)]
    if a.clip:
        full = open_clip(a.clip, frames=a.frames)
        clips.append(full if full.H == a.height else full.resized(a.height/full.H))
    rows = []
    for clip in clips:
        clip, flow, _ = preprocess_clip(clip, progress=False)
        for b in backends:
            rows.append(fit_one(clip, flow, b, a.minutes, dev))
            print(json.dumps(rows[-1]))
    Path(a.out).mkdir(parents=True, exist_ok=True)
    (Path(a.out)/'gpu.json').write_text(json.dumps(dict(info, minutes=a.minutes, rows=rows), indent=1))
    print(f"\n| clip | size | backend | steps/s | WS-PSNR (dB) | peak GPU memory (GiB) | syncs in 5 steps |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['clip']} | {r['size']} | {r['backend']} | {r['steps_per_s']:.1f} | {r['ws_psnr']:.2f} | {r['peak_gib']:.2f} | {r['syncs_in_5_steps']} |")


if __name__ == '__main__': main()
