"`npr edit` end to end on an `npr fit` run: a stamp, text, a painted atlas and a drawing over one frame."
import json, math
import pytest, torch, cv2, numpy as np
from npr_lib.cli import main
from npr_lib.runs import open_run_clip, read_run
from npr_lib.video import decode_video

pytestmark = pytest.mark.xdist_group('fit')

@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    "A brief `npr fit` of the synthetic clip (64×128, 6 frames)."
    out = tmp_path_factory.mktemp('fit')/'run'
    assert main(['fit', 'synthetic', '--scale', '0.5', '--frames', '6', '--steps', '150', '--out', str(out), '--quiet']) == 0
    return out

def read_png(path):
    return torch.from_numpy(cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB)).permute(2, 0, 1)

def test_run_json_reopens_the_clip(run_dir):
    run = read_run(run_dir)
    assert run['clip'] == 'synthetic' and run['frames'] == 6 and run['scale'] == 0.5, run
    clip = open_run_clip(run_dir)
    assert (clip.N, clip.H, clip.W) == (6, 64, 128)

def test_stamp_writes_video_and_lossless_frames(run_dir, tmp_path):
    logo = np.zeros((40, 40, 4), np.uint8); logo[5:35, 5:35] = (0, 0, 255, 255)    # a red square (BGRA)
    cv2.imwrite(str(tmp_path/'logo.png'), logo)
    out = tmp_path/'edit'
    rc = main(['edit', str(run_dir), '--stamp', str(tmp_path/'logo.png'), '--lon', '180', '--lat', '0', '--size', '40',
               '--out', str(out), '--quiet'])
    assert rc == 0
    frames = sorted((out/'frames').glob('*.png'))
    assert [p.name for p in frames] == [f'{i:05d}.png' for i in range(1, 7)]
    clip = open_run_clip(run_dir)
    original = (clip.frames.clamp(0, 1)*255 + 0.5).byte()
    for k, p in enumerate(frames):
        img = read_png(p)
        changed = (img.int() - original[k].int()).abs().amax(0) > 0
        assert changed.any(), f"frame {k + 1}: nothing edited"
        cols = changed.any(0).nonzero()[:, 0]
        assert cols.min() == 0 and cols.max() == clip.W - 1, f"frame {k + 1}: the seam stamp does not reach both edges"
        assert not changed[:, clip.W//2 - 10:clip.W//2 + 10].any(), f"frame {k + 1}: the edit leaked to the far side of the sphere"
    video = decode_video(out/'edited.mp4')
    assert len(video) == 6
    assert (out/'before_after.mp4').exists()

def test_text_recolour_and_frame_edit(run_dir, tmp_path):
    clip = open_run_clip(run_dir)
    drawing = np.zeros((clip.H, clip.W, 4), np.uint8)
    cv2.circle(drawing, (30, 40), 8, (0, 255, 0, 255), -1)
    cv2.imwrite(str(tmp_path/'drawing.png'), drawing)
    out = tmp_path/'edit2'
    rc = main(['edit', str(run_dir), '--text', 'npr', '--lon', '60', '--frame-edit', str(tmp_path/'drawing.png'), '--frame', '3',
               '--hue', '40', '--out', str(out), '--quiet'])
    assert rc == 0
    img = read_png(out/'frames'/'00003.png').float()/255
    inside = torch.zeros(clip.H, clip.W, dtype=torch.bool)
    yy, xx = torch.meshgrid(torch.arange(clip.H), torch.arange(clip.W), indexing='ij')
    inside = ((xx - 30)**2 + (yy - 40)**2) <= 25
    green = (img[1] - img[[0, 2]].amax(0))[inside]
    assert (green > 0.3).float().mean() > 0.5, "the drawing is not back in the frame it was drawn on"

def test_bad_inputs_fail_before_rendering(run_dir, tmp_path, capsys):
    assert main(['edit', str(run_dir), '--stamp', str(tmp_path/'missing.png')]) == 1
    assert 'missing.png' in capsys.readouterr().err
    assert main(['edit', str(run_dir), '--text', 'x', '--layer', 'sky']) == 1
    assert 'sky' in capsys.readouterr().err
    small = np.zeros((10, 20, 4), np.uint8); small[..., 3] = 255
    cv2.imwrite(str(tmp_path/'small.png'), small)
    assert main(['edit', str(run_dir), '--frame-edit', str(tmp_path/'small.png'), '--frame', '1']) == 1
    assert 'small.png' in capsys.readouterr().err
    assert main(['edit', str(run_dir), '--frame-edit', str(tmp_path/'small.png'), '--frame', '99']) == 1
