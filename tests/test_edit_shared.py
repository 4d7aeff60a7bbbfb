"""Editing a fitted real clip (Walking_Boy, 8 frames at 120×240): stamps across the seam and at the pole render
without a seam in every frame, a drawing on the middle frame comes back where it was drawn, and pixels far from
every edit are bit-identical to the original frames."""
import math, time
import pytest, torch
import torch.nn.functional as F
from npr_lib.clip import open_clip
from npr_lib.runs import fit_clip, load_model
from npr_lib.geometry import pixel_grid
from npr_lib.edit import stamp_texture, composite_over, render_edited, frame_edit_to_atlas, seam_steps

pytestmark = pytest.mark.xdist_group('fit')

STEPS, BATCH = 300, 2048  # ≈ 75 s on one CPU thread, ws-psnr ≈ 34 dB

def smooth_picture(n:int=96)->torch.Tensor:
    "A smooth RGBA picture (a shaded ball with a soft rim), so that a seam would be the largest step in it."
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, n), torch.linspace(-1, 1, n), indexing='ij')
    r = (xx**2 + yy**2).sqrt()
    return torch.stack([0.9 - 0.4*yy.abs(), 0.3 + 0.25*(xx + 1), 0.6 - 0.3*r, ((1 - r)*4).clamp(0, 1)]).clamp(0, 1)

def seam_ok(img:torch.Tensor, rows:torch.Tensor, margin:float=1.25)->bool:
    """No step across the seam in `rows` is larger than `margin` × the steps beside it, nor than the largest step inside
    the rows (2e-3 of slack for both: near the pole a smooth ramp can cross the seam at its steepest, 1.02× the largest
    step inside, while a real seam is a jump of tenths)."""
    seam, near = seam_steps(img)
    s, n = seam[:, rows], near[:, rows]
    return bool((s <= margin*n + 2e-3).all() and s.max() <= img[:, rows].diff(dim=-1).abs().max() + 2e-3)

def iou(a:torch.Tensor, b:torch.Tensor)->float: return ((a & b).sum()/(a | b).sum().clamp_min(1)).item()

def check_edits(clip, model):
    "All the acceptance checks on a fitted model of `clip`; returns the numbers for the report."
    N, H, W = clip.N, clip.H, clip.W
    frames = clip.frames
    stats = {}
    # stamps on the background: across the seam, and near the north pole
    stamps = composite_over(stamp_texture(smooth_picture(), lon=180, lat=-5, size=60, H=256),
                            stamp_texture(smooth_picture(), lon=30, lat=84, size=36, H=256))
    r = render_edited(model, frames, {0: stamps})
    a = r['edit_alpha'][:, 0]
    lon, lat = pixel_grid(H, W)
    for k in range(N):
        assert (a[k] > 0.5).sum() > 0, f"frame {k}: the edit is missing"
        assert (a[k][lat > math.radians(70)] > 0.5).sum() > 0, f"frame {k}: the pole stamp is missing"
        rows = (a[k, :, 0] > 0.5) & (a[k, :, -1] > 0.5)
        assert rows.sum() >= 5, f"frame {k}: the seam stamp does not straddle the seam"
        polar = (a[k] > 0.5).all(1)
        assert polar.sum() >= 1, f"frame {k}: the pole stamp does not cover the rows round the pole"
        # the edit's own contribution (the frame's seam is the camera's, not ours), its alpha, and the frame where the edit is opaque
        contribution = r['rgb'][k] - (1 - a[k])*frames[k]
        opaque = (a[k, :, 0] > 0.99) & (a[k, :, -1] > 0.99)
        assert opaque.sum() >= 3, f"frame {k}: the seam stamp is not opaque across the seam"
        for name, img, where in (('edit contribution', contribution, rows), ('edit_alpha', a[k][None], rows), ('rgb', r['rgb'][k], opaque)):
            assert seam_ok(img, where), f"frame {k}: a seam in the {name} of the seam stamp"
            assert seam_ok(img, polar), f"frame {k}: a seam in the {name} of the pole stamp"
    # a drawing on the middle frame: an ellipse on the ground, beside the boy, and a patch on the boy's body
    key = N//2
    drawing = torch.zeros(4, H, W)
    ground = (((lon - math.radians(-60))/math.radians(25))**2 + ((lat - math.radians(-25))/math.radians(12))**2) < 1
    drawing[:, ground] = torch.tensor([1., 0.2, 0.6, 1.])[:, None]
    boy = clip.masks[key, 0] > 0.5
    body = F.max_pool2d((~boy).float()[None, None], 7, stride=1, padding=3)[0, 0] == 0  # the mask eroded by 3 px
    drawing[:, body & (torch.arange(H)[:, None] > H*0.55)] = torch.tensor([0.1, 0.9, 0.3, 1.])[:, None]
    carried = frame_edit_to_atlas(model, drawing, key, H_atlas=2*H)
    assert set(carried) == {0, 1}, f"the drawing should reach the background and the boy, got layers {sorted(carried)}"
    r2 = render_edited(model, frames, carried)
    got, want = r2['edit_alpha'][key, 0] > 0.5, drawing[3] > 0.5
    stats['iou_key_frame'] = iou(got, want)
    stats['iou_ground'] = iou(got & ground, want & ground)
    stats['iou_body'] = iou(got & ~ground, want & ~ground)
    assert stats['iou_key_frame'] >= 0.8, stats
    flat = render_edited(model, frames[[key]], carried, shading=False, frame_indices=[key])
    inside = (flat['edit_alpha'][0, 0] > 0.99) & want
    stats['colour_error'] = (flat['rgb'][0][:, inside] - drawing[:3][:, inside]).abs().mean().item()
    assert stats['colour_error'] < 0.05, stats
    for k in range(N): assert (r2['edit_alpha'][k, 0] > 0.5).sum() > 0, f"frame {k}: the carried drawing is missing"
    # far from every edit nothing changes, bit for bit
    for res in (r, r2):
        touched = F.max_pool2d((res['edit_alpha'] > 0).float(), 7, stride=1, padding=3)[:, 0] > 0
        far = ~touched
        assert far.float().mean() > 0.5, "the edit leaks over most of the frame"
        assert torch.equal(res['rgb'].permute(1, 0, 2, 3)[:, far], frames.permute(1, 0, 2, 3)[:, far])
    return stats

@pytest.fixture(scope='module')
def walking_boy(shared_clips, tmp_path_factory):
    "Walking_Boy, 8 frames at a quarter scale, fitted briefly; (clip, model)."
    clip = open_clip(shared_clips/'Walking_Boy', scale=0.25, frames='8')
    out = tmp_path_factory.mktemp('walking_boy')
    fit_clip(clip, out, minutes=None, steps=STEPS, progress=False, videos=False, batch_size=BATCH)
    return clip, load_model(out)

def test_edit_walking_boy(walking_boy):
    "Seam- and pole-safe stamps, a frame drawing carried to every frame, untouched pixels untouched."
    clip, model = walking_boy
    t = time.time()
    stats = check_edits(clip, model)
    print(f"edit checks {time.time() - t:.1f} s: {stats}")

def test_drift_walking_boy(walking_boy, tmp_path):
    """The drift measure on real frames: SIFT tracks and DIS flow agree between neighbouring frames, and
    `atlas_source` finds, on a fitted model, the direction its mapping sends to the same atlas point."""
    from npr_lib.flow import flow_for_clip
    from npr_lib.geometry import pixel_to_unit
    from npr_lib.consistency import feature_tracks, flow_source, atlas_source, track_drift, drift_by_gap
    clip, model = walking_boy
    H, W = clip.H, clip.W
    background = F.max_pool2d(clip.masks.amax(1, keepdim=True), 7, stride=1, padding=3)[:, 0] < 0.5
    tracks = feature_tracks(clip.frames, gaps=(1, 4), keep=background)
    gap = tracks[:, 3] - tracks[:, 0]
    assert (gap == 1).sum() > 100 and (gap == 4).sum() > 50, len(tracks)
    flow1 = flow_for_clip(clip, gap=1, progress=False, cache_dir=tmp_path)
    naive = drift_by_gap(track_drift(flow_source(flow1['backward'], tracks), tracks, H, W), tracks)
    still = drift_by_gap(track_drift(pixel_to_unit(tracks[:, 4], tracks[:, 5], H, W), tracks, H, W), tracks)
    assert naive[1]['median'] < 0.3 and naive[4]['p90'] < 0.25*still[4]['p90'], (naive, still)
    source = atlas_source(model.layers[0], tracks, H, W)
    k, k2 = tracks[:, 0].long(), tracks[:, 3].long()
    with torch.no_grad():
        u, u2 = model.layers[0].mapping(source, k)[0], model.layers[0].mapping(pixel_to_unit(tracks[:, 4], tracks[:, 5], H, W), k2)[0]
    miss = torch.acos((u*u2).sum(-1).clamp(-1, 1))*H/math.pi
    print(f"DIS-carried drift {naive[1]['median']:.3f} px (gap 1), p90 {naive[4]['p90']:.2f} px (gap 4) vs {still[4]['p90']:.2f} "
          f"standing still; atlas_source misses its atlas point by {miss.median():.4f} px (median)")
    assert miss.median() < 0.01 and miss.quantile(0.99) < 0.1, miss.quantile(torch.tensor([0.5, 0.99]))
