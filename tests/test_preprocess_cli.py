"`npr flow`, `npr masks` and `npr fit` with flow and key masks, on a small synthetic clip written to disk."
import json
from pathlib import Path
import numpy as np
import cv2
import pytest
import torch

from npr_lib.cli import main
from npr_lib.clip import open_clip
from npr_lib.clip import load_clip
from npr_lib.flow import load_flow
from npr_lib.video import save_png_frames

ARGS = ["--scale", "0.25", "--frames", "6", "--quiet"]


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NPR_CACHE", str(tmp_path/"cache"))


@pytest.fixture
def clip():
    return open_clip("synthetic", scale=0.25, frames=6)


@pytest.fixture
def folder(tmp_path, clip):
    "The synthetic clip's frames as an NPR folder without masks."
    d = tmp_path/"clip"
    save_png_frames(clip.frames, d/"frames")
    return d


def _png(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)
    return path


def _run(args, capsys):
    rc = main(args)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_flow_command(tmp_path, clip, capsys):
    out = tmp_path/"pre"
    rc, log, err = _run(["flow", "synthetic", "--out", str(out), *ARGS], capsys)
    assert rc == 0, err
    fl = load_flow(out/"flow.npz", expect=dict(method="dis", gap=1, frames=6, height=32, width=64))
    assert fl["forward"].shape == (5, 2, 32, 64) and fl["gap"] == 1
    figs = sorted(p.name for p in (out/"figures").iterdir())
    assert {"flow_overview.png", "flow_wheel.png", "flow_00001_00002.png", "valid_00001_00002.png", "flow_00005_00006.png"} <= set(figs), figs
    assert cv2.imread(str(out/"figures"/"flow_00001_00002.png")).shape == (32, 64, 3)
    assert "trusted" in log and str(out/"flow.npz") in log
    rc, _, err = _run(["flow", "synthetic", "--out", str(out), "--method", "nope", *ARGS], capsys)
    assert rc == 1 and "method" in err


def test_masks_from_clip_masks(tmp_path, clip, capsys):
    out = tmp_path/"m"
    rc, log, err = _run(["masks", "synthetic", "--key-frame", "3", "--out", str(out), *ARGS], capsys)
    assert rc == 0, err
    for name in clip.object_names:
        test = sorted(p.name for p in (out/"masks"/name).iterdir())
        assert test == [f"{n:05d}.png" for n in range(1, 7)], test
    assert "carried from frame 3" in log and "load_clip" in log and "check frames" in log
    assert (out/"masks_confidence.json").is_file() and (out/"figures"/"masks_confidence.png").is_file()
    save_png_frames(clip.frames, out/"frames")     # as the printed hint says
    back = load_clip(out, cache=False)
    assert back.K == clip.K and back.object_names == sorted(clip.object_names)
    k = [back.object_names.index(n) for n in clip.object_names]
    assert torch.equal(back.masks[2, k], clip.masks[2])    # the key frame is copied exactly
    inter = (back.masks[:, k].bool() & clip.masks.bool()).sum().item()
    union = (back.masks[:, k].bool() | clip.masks.bool()).sum().item()
    assert inter/union > 0.5, inter/union
    rc, _, err = _run(["masks", "synthetic", "--key-frame", "3", "--out", str(out), *ARGS], capsys)
    assert rc == 1 and "--overwrite" in err
    rc, _, err = _run(["masks", "synthetic", "--key-frame", "3", "--out", str(out), "--overwrite", *ARGS], capsys)
    assert rc == 0, err


def test_masks_from_key_mask_into_clip_folder(folder, clip, capsys):
    key = _png(folder.parent/"key.png", (clip.masks[3, 0].numpy()*255).astype(np.uint8))
    rc, log, err = _run(["masks", str(folder), "--key-frame", "4", "--key-mask", str(key), "--out", str(folder), "--quiet"], capsys)
    assert rc == 0, err
    assert sorted(p.name for p in (folder/"masks").iterdir()) == [f"{n:05d}.png" for n in range(1, 7)]
    assert f"load_clip('{folder}')" in log, log
    back = load_clip(folder, cache=False)
    assert back.K == 1 and back.N == 6 and back.object_names == ["foreground"]
    assert torch.equal(back.masks[3, 0], clip.masks[3, 0])


def test_masks_from_several_key_masks(tmp_path, folder, clip, capsys):
    "One key mask per key frame; each key frame's mask is kept exactly and owns the frames nearest to it."
    keys = [_png(tmp_path/f"key{n}.png", (clip.masks[n - 1, 0].numpy()*255).astype(np.uint8)) for n in (1, 6)]
    out = tmp_path/"two"
    rc, log, err = _run(["masks", str(folder), "--key-frame", "1,6", "--key-mask", f"{keys[0]},{keys[1]}", "--out", str(out), "--quiet"], capsys)
    assert rc == 0, err
    assert "carried from frames 1, 6" in log, log
    back = load_clip(folder, masks=out/"masks", cache=False)
    assert torch.equal(back.masks[0, 0], clip.masks[0, 0]) and torch.equal(back.masks[5, 0], clip.masks[5, 0])
    conf = json.loads((out/"masks_confidence.json").read_text())
    assert conf["objects"]["foreground"]["key_frame"] == [1, 1, 1, 6, 6, 6]
    rc, _, err = _run(["masks", str(folder), "--key-frame", "1,6", "--key-mask", str(keys[0]), "--out", str(tmp_path/"x"), "--quiet"], capsys)
    assert rc == 1 and "1 key mask(s) for 2 key frame(s)" in err, err


def test_masks_refined_with_a_fit(tmp_path, capsys):
    "The fit's alphas become the masks, the carried ones are kept beside them; too few steps is refused before any work."
    out = tmp_path/"fit"
    rc, log, err = _run(["masks", "synthetic", "--key-frame", "3", "--refine-with-fit", "100", "--out", str(out), *ARGS], capsys)
    assert rc == 0, err
    assert "refined with a 100-step fit" in log and str(out/"carried"/"masks") in log, log
    assert len(list((out/"masks").rglob("*.png"))) == len(list((out/"carried"/"masks").rglob("*.png"))) > 0
    fit = json.loads((out/"masks_confidence.json").read_text())["fit"]
    assert fit["steps"] == 100 and fit["changed"][2] == 0, fit          # the key frame's masks are kept
    rc, _, err = _run(["masks", "synthetic", "--refine-with-fit", "30", "--out", str(tmp_path/"few"), *ARGS], capsys)
    assert rc == 1 and "≥ 100" in err and not (tmp_path/"few").exists(), err


def test_masks_at_scale_accepts_full_size_key_mask(folder, clip, tmp_path, capsys):
    "A mask drawn on the frame on disk also works when the clip is loaded downscaled."
    key = _png(tmp_path/"key.png", (clip.masks[0, 0].numpy()*255).astype(np.uint8))
    rc, _, err = _run(["masks", str(folder), "--scale", "0.5", "--key-frame", "1", "--key-mask", str(key),
                       "--out", str(tmp_path/"half"), "--quiet"], capsys)
    assert rc == 0, err
    assert cv2.imread(str(tmp_path/"half"/"masks"/"00001.png"), cv2.IMREAD_GRAYSCALE).shape == (16, 32)


def test_key_mask_errors(folder, tmp_path, capsys):
    def fails(*extra):
        rc, _, err = _run(["masks", str(folder), "--out", str(tmp_path/"o"), "--quiet", *extra], capsys)
        assert rc == 1, err
        return err
    assert "has no masks; pass --key-mask" in fails("--key-frame", "2")
    missing = tmp_path/"missing.png"
    assert f"{missing}: key mask not found" in fails("--key-frame", "2", "--key-mask", str(missing))
    small = _png(tmp_path/"small.png", np.zeros((8, 16), np.uint8))
    err = fails("--key-frame", "2", "--key-mask", str(small))
    assert f"{small}: key mask is 16×8" in err and "64×32" in err, err
    empty = _png(tmp_path/"empty.png", np.zeros((32, 64), np.uint8))
    assert f"{empty}: key mask is empty" in fails("--key-frame", "2", "--key-mask", str(empty))
    grey = _png(tmp_path/"grey.png", np.full((32, 64), 100, np.uint8))
    assert f"{grey}: mask is not binary" in fails("--key-frame", "2", "--key-mask", str(grey))
    ok = np.zeros((32, 64), np.uint8); ok[10:20, 20:30] = 255
    good = _png(tmp_path/"good.png", ok)
    assert "needs --key-frame" in fails("--key-mask", str(good))
    assert "key frame 9 is not a frame" in fails("--key-frame", "9", "--key-mask", str(good))
    text = tmp_path/"notes.png"; text.write_text("not an image")
    assert f"{text}: cannot read the key mask" in fails("--key-frame", "2", "--key-mask", str(text))


def test_fit_with_flow(tmp_path, capsys):
    out = tmp_path/"run"
    rc, log, err = _run(["fit", "synthetic", "--steps", "20", "--out", str(out), *ARGS], capsys)
    assert rc == 0, err
    m = json.loads((out/"metrics.json").read_text())
    assert m["steps"] == 20 and m["ws_psnr"] > 0
    hist = json.loads((out/"history.json").read_text())
    assert "flow" in hist[0] and "alpha_flow" in hist[0], hist[0]
    pre = json.loads((out/"preprocess.json").read_text())
    assert pre["flow"]["method"] == "dis" and 0 < pre["flow"]["trusted_forward"] <= 1
    assert (out/"figures"/"flow_overview.png").is_file()


def test_fit_without_flow(tmp_path, capsys):
    out = tmp_path/"run"
    rc, _, err = _run(["fit", "synthetic", "--steps", "2", "--no-flow", "--out", str(out), *ARGS], capsys)
    assert rc == 0, err
    assert "flow" not in json.loads((out/"history.json").read_text())[0]
    assert not (out/"figures").exists()


def test_fit_background_only(folder, tmp_path, capsys):
    rc, log, err = _run(["fit", str(folder), "--steps", "2", "--no-flow", "--out", str(tmp_path/"bg"), "--quiet"], capsys)
    assert "fitting the background only" in log
    assert rc == 0, err
    assert "alpha_iou" not in json.loads((tmp_path/"bg"/"metrics.json").read_text())


def test_fit_key_mask(folder, clip, tmp_path, capsys):
    key = _png(tmp_path/"key.png", (clip.masks[2, 0].numpy()*255).astype(np.uint8))
    out = tmp_path/"obj"
    rc, log, err = _run(["fit", str(folder), "--steps", "2", "--key-frame", "3", "--key-mask", str(key), "--out", str(out), "--quiet"], capsys)
    assert rc == 0, err
    assert "propagated from frame 3" in log
    assert len(list((out/"masks").glob("*.png"))) == 6
    assert "alpha_iou" in json.loads((out/"metrics.json").read_text())
    assert "flow" in json.loads((out/"history.json").read_text())[0]
