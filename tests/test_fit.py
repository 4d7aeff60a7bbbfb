"Fitting end to end: on the synthetic clip against its ground truth, and on a real clip, through the CLI."
import json, math
import pytest, torch
from npr_lib.synthetic import make_synthetic
from npr_lib.clip import load_clip
from npr_lib.evaluate import render_clip, background_atlas_psnr
from npr_lib.runs import fit_clip, load_model
from npr_lib.cli import main

SMALL = dict(atlas={'encoding': {'log2_hashmap_size': 15}}, foreground_atlas={'encoding': {'log2_hashmap_size': 14}})

def test_synthetic_fit_recovers_layers(tmp_path):
    "A short fit on the synthetic clip reconstructs it, finds the object, and its background atlas resembles the truth."
    from npr_lib.model import get_model_config
    clip, truth = make_synthetic(H=48, n_frames=8, n_objects=1)
    m = fit_clip(clip, tmp_path, get_model_config('fast', **SMALL), minutes=None, steps=300, progress=False, batch_size=4096, videos=False)
    assert m['ws_psnr'] > 24, m
    assert m['alpha_iou'] > 0.8, m
    model = load_model(tmp_path)
    r = render_clip(model, clip.H, clip.W, layers=True)
    bg = background_atlas_psnr(model, truth, r, H=48)
    assert bg > 18, bg

def test_cli_fit_on_real_clip(shared_clips, tmp_path):
    "`npr fit` on a real clip, briefly, writes metrics.json with the promised keys and a sane reconstruction."
    out = tmp_path/'run'
    rc = main(['fit', str(shared_clips/'Walking_Boy'), '--scale', '0.125', '--frames', '6', '--steps', '120', '--out', str(out), '--quiet'])
    assert rc == 0
    m = json.loads((out/'metrics.json').read_text())
    for k in ('psnr', 'ws_psnr', 'ssim', 'alpha_iou', 'train_seconds', 'steps'): assert k in m, k
    assert m['steps'] == 120 and m['ws_psnr'] > 18, m
    assert (out/'reconstruction.mp4').exists() and (out/'atlases'/'background.png').exists()

def test_fit_resumes_after_interruption(tmp_path):
    "A run stopped after some steps continues from its checkpoint when started again on the same folder."
    clip, _ = make_synthetic(H=24, n_frames=4, n_objects=1)
    from npr_lib.model import get_model_config
    cfg = get_model_config('fast', **SMALL)
    fit_clip(clip, tmp_path, cfg, minutes=None, steps=20, progress=False, batch_size=512, videos=False)
    m = fit_clip(clip, tmp_path, cfg, minutes=None, steps=35, progress=False, batch_size=512, videos=False)
    assert m['steps'] == 35
    hist = json.loads((tmp_path/'history.json').read_text())
    assert hist[0]['step'] == 1 and hist[-1]['step'] <= 35
