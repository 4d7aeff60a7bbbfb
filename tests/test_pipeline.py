"The per-video notebook (nbs/pipeline.ipynb) run through papermill, as `npr pipeline` runs it."
import json, shutil
from pathlib import Path
import pytest
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT/"nbs"/"pipeline.ipynb"
PARAMS = {"clip": '"synthetic"', "scale": "1.0", "frames": "None", "out_dir": '"outputs/synthetic"', "device": '"auto"',
          "config": '"fast"', "minutes": "10.0", "steps": "None", "seed": "0", "flow": "True", "flow_method": '"dis"', "flow_gaps": "None", "render": '"auto"', "deterministic": "False",
          "key_frame": "None", "key_mask": "None", "codecs": '""'}
FILES = ["pipeline.ipynb", "summary.json", "frames_masks.png", "viewports.png", "mask_coverage.png", "input_360.mp4",
         "metrics.json", "reconstruction.mp4", "input_vs_reconstruction.mp4", "training_curve.png", "reconstruction.png"]


def _has_synthetic():
    try: import npr_lib.synthetic  # noqa: F401
    except ImportError: return False
    return True


def test_parameters_found():
    params = pm.inspect_notebook(str(PIPELINE))
    assert {k: v["default"] for k, v in params.items()} == PARAMS


def test_parameters_tag_survives_nbdev_clean(tmp_path, monkeypatch):
    from nbdev.clean import nbdev_clean
    copy = tmp_path/"pipeline.ipynb"
    shutil.copy(PIPELINE, copy)
    monkeypatch.chdir(ROOT)  # nbdev-clean reads the project's config (allowed_cell_metadata_keys) from here
    nbdev_clean.__wrapped__(fname=str(copy))
    assert set(pm.inspect_notebook(str(copy))) == set(PARAMS)


def test_pipeline_skipped_by_nbdev_test():
    from fastcore.nbio import read_nb, nb_frontmatter
    from nbdev.test import test_nb
    assert nb_frontmatter(read_nb(PIPELINE)).get("skip_exec") is True
    assert test_nb(PIPELINE)[0]  # returns at once: nothing executed


def _check_run(out, frames):
    for f in FILES: assert (out/f).is_file() and (out/f).stat().st_size > 0, f"{f} missing from {out}"
    s = json.loads((out/"summary.json").read_text())
    assert s["clip"]["frames"] == frames and s["clip"]["width"] == 2*s["clip"]["height"]
    assert s["parameters"]["out_dir"] == str(out)
    assert set(s["outputs"].values()) <= set(FILES)
    assert s["fit"]["steps"] > 0 and s["evaluation"]["ws_psnr"] > 0 and (out/"atlases"/"background.png").is_file()
    from npr_lib.video import read_spherical_metadata
    meta = read_spherical_metadata(out/"input_360.mp4")
    assert meta["v2"]["projection"] == "equirectangular" and meta["v1"] is not None
    executed = json.loads((out/"pipeline.ipynb").read_text())
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])
    return s


@pytest.mark.skipif(not _has_synthetic(), reason="npr_lib.synthetic not written yet")
def test_pipeline_synthetic(tmp_path, monkeypatch):
    monkeypatch.setenv("NPR_CACHE", str(tmp_path/"cache"))
    from npr_lib.cli import main
    out = tmp_path/"run"
    assert main(["pipeline", "synthetic", "--out", str(out), "--scale", "0.5", "--frames", "6", "--steps", "2", "--quiet"]) == 0
    s = _check_run(out, 6)
    assert s["clip"]["height"] == 64


@pytest.mark.shared
def test_pipeline_real_clip(tmp_path, monkeypatch, shared_clips):
    monkeypatch.setenv("NPR_CACHE", str(tmp_path/"cache"))
    from npr_lib.cli import pipeline
    out = pipeline(str(shared_clips/"Tram"), out=str(tmp_path/"tram"), scale=0.125, frames="0:4", steps=20, quiet=True)
    s = _check_run(Path(out), 4)
    assert s["clip"]["name"] == "Tram" and s["clip"]["objects"]


def test_parameters_are_run_pipelines():
    "The notebook's parameters cell and `run_pipeline` (behind `npr fit`) declare the same parameters with the same defaults."
    import inspect
    from npr_lib.runs import run_pipeline, NOTEBOOK_SKIPS
    nb = {k: v["default"] for k, v in pm.inspect_notebook(str(PIPELINE)).items()}
    sig = {k: p.default for k, p in inspect.signature(run_pipeline).parameters.items() if k not in NOTEBOOK_SKIPS}
    assert set(nb) == set(sig)
    for k, default in sig.items():
        if k not in ("clip", "out_dir"): assert eval(nb[k]) == default, (k, nb[k], default)
