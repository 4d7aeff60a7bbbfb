"""    python -m bench.bake [CLIP ...] [--steps 200] [--out outputs/bench_bake] [--full CLIP]

Edits from a run's bake against edits through the networks (issue "Edits at video speed", nbs/13a_bake.ipynb).
For each clip (the four shared clips by default) a run is fitted at 480×240 with a fixed step budget — the fit
renders every frame, so it bakes as it goes — and the same edit is rendered both ways: a detailed logo on the
background straddling the ±180° seam, a disc near the north pole, text on the first foreground layer and a hue
shift of it. Printed side by side, in one process on one machine: the seconds of each render of all 30 frames,
their ratio, and the WS-PSNR between the two renders (mean and worst frame), plus the bake's size per frame and
the seconds the fit spent storing it (its `bake` stage: the frames were rendered for the scores anyway). With --full (default: the shared Walking_Boy), one run at
960×480 is fitted, baked with `bake_run` (its fit renders only a sample of frames) and a one-layer stamp
rendered from the bake: frames per second, with the networks timed on 4 frames for the ratio.

Run it alone, from the repository root, with OMP_NUM_THREADS set (2 on the 2-core development machine).
Writes OUT/bake.json and prints Markdown tables.
"""
import argparse, json, os, sys, time
from pathlib import Path
import torch

from npr_lib.clip import shared_clip_dir
from npr_lib.runs import run_pipeline, load_model, open_run_clip
from npr_lib.bake import bake_run, open_bake, bake_status
from npr_lib.edit import stamp_texture, text_image, render_edited, composite_over
from npr_lib.metrics import ws_psnr
from bench.edit_consistency import logo, smooth_logo

CLIPS = ('Walking_Boy', 'Classroom', 'Tram', 'Elephant')


def edit_of(model, H):
    "The edit measured: textures per layer and a recolour."
    bg = composite_over(stamp_texture(logo(), 180., 10., 50., H=1024), stamp_texture(smooth_logo(), 40., 75., 30., H=1024))
    edits = {0: bg}
    recolours = {}
    if len(model.layers) > 1:
        edits[1] = stamp_texture(text_image('npr'), 0., 0., 40., H=1024)
        recolours[1] = dict(hue=60.)
    return edits, recolours


def timed(f):
    t0 = time.perf_counter(); r = f(); return r, time.perf_counter() - t0


def compare(run_dir, frames_limit=None):
    "Network and baked renders of the same edit: seconds and agreement."
    model, clip = load_model(run_dir), open_run_clip(run_dir)
    bake = open_bake(run_dir) or bake_run(run_dir, progress=False)
    edits, rec = edit_of(model, clip.H)
    frames = clip.frames
    idx = list(range(clip.N)) if frames_limit is None else list(range(frames_limit))
    net, t_net = timed(lambda: render_edited(model, frames, edits, rec, frame_indices=idx))
    baked, t_bake = timed(lambda: render_edited(bake, frames, edits, rec, frame_indices=idx))
    s = ws_psnr(baked['rgb'], net['rgb'])
    return dict(frames=len(idx), network_s=t_net, baked_s=t_bake, speedup=t_net/t_bake, ws_psnr_mean=s.mean().item(),
                ws_psnr_min=s.min().item(), covered=(net['edit_alpha'] > 0.5).float().mean().item(),
                bake_mb_per_frame=bake.meta['bytes_per_frame']/2**20, bake_s=bake.meta['seconds'],
                bake_stage_s=json.loads((Path(run_dir)/'summary.json').read_text())['stages'].get('bake'))


def stamp_speed(run_dir, n_net=4):
    "A one-layer stamp at full size: frames per second from the bake, against the networks on `n_net` frames."
    model, clip = load_model(run_dir), open_run_clip(run_dir)
    bake = open_bake(run_dir)
    if bake is None: bake, _ = timed(lambda: bake_run(run_dir, progress=False))
    tex = {0: stamp_texture(logo(), 180., 10., 50., H=1024)}
    render_edited(bake, clip.frames, tex, frame_indices=[0])          # warm-up
    r, t_bake = timed(lambda: render_edited(bake, clip.frames, tex))
    _, t_net = timed(lambda: render_edited(model, clip.frames, tex, frame_indices=list(range(n_net))))
    net_per_frame = t_net/n_net
    check = render_edited(model, clip.frames, tex, frame_indices=[clip.N//2])
    agree = ws_psnr(r['rgb'][clip.N//2], check['rgb'][0]).item()
    return dict(size=f"{clip.W}×{clip.H}", frames=clip.N, baked_s=t_bake, fps=clip.N/t_bake, network_s_per_frame=net_per_frame,
                speedup=net_per_frame*clip.N/t_bake, ws_psnr_mid=agree, bake_s=bake.meta['seconds'],
                bake_mb_per_frame=bake.meta['bytes_per_frame']/2**20)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('clips', nargs='*', help='clip folders (default: the four shared clips)')
    p.add_argument('--steps', type=int, default=200, help='training steps of each fit')
    p.add_argument('--full', default=None, help='the clip fitted at full size for the frames-per-second figure (default: Walking_Boy)')
    p.add_argument('--out', default='outputs/bench_bake')
    a = p.parse_args(argv)
    clips = [Path(c) for c in a.clips] or [shared_clip_dir(c) for c in CLIPS]
    if any(c is None for c in clips): sys.exit("no clips given and the shared clips are not beside the repository")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    rows = []
    for c in clips:
        run = out/c.name
        if bake_status(run) != 'complete':
            s = run_pipeline(str(c), out_dir=str(run), scale=0.5, steps=a.steps, fresh=True, progress=False, log=lambda m: None)
        r = dict(clip=c.name, **compare(run))
        rows.append(r); print(r, flush=True)
    full = Path(a.full) if a.full else shared_clip_dir('Walking_Boy')
    frun = out/f'{full.name}_full'
    if not (frun/'checkpoint.pt').is_file():
        run_pipeline(str(full), out_dir=str(frun), scale=1.0, steps=max(a.steps//4, 20), fresh=True, progress=False, log=lambda m: None)
    fs = stamp_speed(frun)
    print(fs, flush=True)
    (out/'bake.json').write_text(json.dumps(dict(rows=rows, full=fs, steps=a.steps, threads=torch.get_num_threads()), indent=1))
    print(f"\n480×240, 30 frames, {a.steps} training steps per fit; the same edit (seam logo, pole disc, text and hue shift on the "
          f"foreground) rendered through the networks and from the bake\n")
    print('| clip | networks (s) | bake (s) | speed-up | WS-PSNR bake vs networks, mean (worst frame) | bake MB/frame | storing the bake during the fit (s) |')
    print('|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['clip']} | {r['network_s']:.2f} | {r['baked_s']:.3f} | {r['speedup']:.0f}× | {r['ws_psnr_mean']:.1f} ({r['ws_psnr_min']:.1f}) dB "
              f"| {r['bake_mb_per_frame']:.2f} | {r['bake_stage_s']} |")
    print(f"\n{fs['size']}, one-layer stamp: {fs['frames']} frames from the bake in {fs['baked_s']:.2f} s = {fs['fps']:.0f} frames/s; "
          f"the networks take {fs['network_s_per_frame']:.2f} s a frame ({fs['speedup']:.0f}× slower); WS-PSNR of the middle frame "
          f"against the networks {fs['ws_psnr_mid']:.1f} dB; bake {fs['bake_mb_per_frame']:.1f} MB/frame, baked in {fs['bake_s']:.0f} s")


if __name__ == '__main__':
    main()
