"Flow and mask preprocessing on the real 360NPR clips in ../shared/data/360npr (skipped with a reason when absent)."
import time
import numpy as np
import pytest
import torch
from npr_lib.clip import load_clip
from npr_lib.flow import flow_for_clip, load_flow
from npr_lib.masks import masks_for_clip

pytestmark = pytest.mark.shared
CLIPS = ['Walking_Boy', 'Classroom', 'Tram', 'Elephant']

def _iou(masks, truth):
    m, g = masks.numpy() > 0.5, truth.numpy() > 0.5
    return np.array([(a & b).sum()/max(1, (a | b).sum()) for a, b in zip(m, g)])

def test_flow_cache_real_clip(shared_clips, tmp_path):
    clip = load_clip(shared_clips/'Tram', scale=0.5, frames=(0, 6), cache=False)
    t0 = time.perf_counter(); a = flow_for_clip(clip, tmp_path, progress=False); t1 = time.perf_counter()
    b = flow_for_clip(clip, tmp_path, progress=False); t2 = time.perf_counter()
    files = list(tmp_path.glob('Tram-flow-*.npz'))
    assert len(files) == 1 and t2 - t1 < t1 - t0
    for k in ('forward', 'backward', 'forward_valid', 'backward_valid'): assert torch.equal(a[k], b[k]), k
    assert a['forward'].shape == (5, 2, 240, 480) and a['gap'] == 1
    assert a['forward'][:, 0].abs().max() < 240
    assert a['forward_valid'].float().mean() > 0.8, "most of a real clip's flow passes the consistency test"
    assert torch.equal(load_flow(files[0])['forward'], a['forward'])

def test_masks_four_clips(shared_clips, tmp_path):
    "Key mask = the given mask at the middle frame, 480×240: IoU ≥ 0.80 on every clip, ≥ 0.90 on average."
    scores = {}
    for name in CLIPS:
        if not (shared_clips/name).is_dir(): pytest.skip(f"{name} not in {shared_clips}")
        clip = load_clip(shared_clips/name, scale=0.5, cache=False)
        t0 = time.perf_counter()
        m = masks_for_clip(clip, cache_dir=tmp_path, progress=False)
        scores[name] = (_iou(m[:, 0], clip.masks[:, 0]).mean(), time.perf_counter() - t0)
        assert m.shape == clip.masks.shape and torch.equal(m[clip.N//2], clip.masks[clip.N//2])
    print("\n" + "\n".join(f"{n:<12} IoU {s:.3f}  ({t:.0f}s flow + propagation)" for n, (s, t) in scores.items()))
    assert all(s >= 0.80 for s, _ in scores.values()), scores
    assert np.mean([s for s, _ in scores.values()]) >= 0.90, scores
