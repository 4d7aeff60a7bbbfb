"Loading the real 360NPR clips from ../shared/data/360npr (skipped with a reason when they are absent)."
import pytest
import torch
from npr_lib.clip import load_clip, validate_clip_folder, Clip

pytestmark = pytest.mark.shared
CLIPS = ['Walking_Boy', 'Classroom', 'Tram', 'Elephant']

def _binary(m): return set(torch.unique(m).tolist()) <= {0., 1.}

def test_walking_boy_full(shared_clips, tmp_path):
    clip = load_clip(shared_clips/'Walking_Boy', cache_dir=tmp_path)
    assert isinstance(clip, Clip) and clip.name == 'Walking_Boy'
    assert clip.frames.shape == (30, 3, 480, 960) and clip.frames.dtype == torch.float32
    assert clip.masks.shape == (30, 1, 480, 960) and _binary(clip.masks) and clip.masks.sum() > 0
    assert 0 <= clip.frames.min() and clip.frames.max() <= 1
    again = load_clip(shared_clips/'Walking_Boy', cache_dir=tmp_path)   # from the .npz cache
    assert len(list(tmp_path.glob('*.npz'))) == 1
    assert torch.equal(again.frames, clip.frames) and torch.equal(again.masks, clip.masks)

def test_walking_boy_half(shared_clips):
    clip = load_clip(shared_clips/'Walking_Boy', scale=0.5, cache=False)
    assert clip.frames.shape == (30, 3, 240, 480)
    assert clip.masks.shape == (30, 1, 240, 480) and _binary(clip.masks)

def test_frame_range(shared_clips):
    clip = load_clip(shared_clips/'Walking_Boy', frames=(10, 15), scale=0.25, cache=False)
    assert clip.frames.shape == (5, 3, 120, 240)

@pytest.mark.parametrize('name', CLIPS)
def test_all_clips_validate(shared_clips, name):
    if not (shared_clips/name).is_dir(): pytest.skip(f"{name} not in {shared_clips}")
    cf = validate_clip_folder(shared_clips/name)
    assert cf.layout == 'npr' and len(cf.frames) == 30 and cf.size == (480, 960)
    assert list(cf.masks) == ['foreground'] and len(cf.masks['foreground']) == 30
    clip = load_clip(shared_clips/name, frames=(0, 2), cache=False)   # masks of any 2:1 size come out at frame size
    assert clip.masks.shape == (2, 1, 480, 960) and _binary(clip.masks)
