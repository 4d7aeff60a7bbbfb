"""`npr batch` on a real Dask cluster (no mocks): a failing clip is reported with its notebook and never stops the
others; a worker killed mid-task has its clip completed elsewhere; a rerun skips complete clips without starting a
cluster; a scheduler and a worker started as separate processes run a batch; a changed parameter reruns its clip."""
import json, os, shutil, signal, subprocess, sys, threading, time
from pathlib import Path
import pytest
from npr_lib.batch import run_batch, read_marker
from npr_lib.synthetic import make_synthetic, save_npr_layout

pytestmark = pytest.mark.xdist_group("batch")   # its clusters take both cores for a while: one worker runs them
BIN = Path(sys.executable).parent


def _clips(root, n=3):
    for s in range(n): save_npr_layout(make_synthetic(H=32, n_frames=4, n_objects=1, seed=s)[0], root/f"clip{s}")
    if n > 2:
        f = root/"clip2"/"frames"/"00003.png"
        f.write_bytes(f.read_bytes()[:80])   # the header reads, the pixels do not: the clip fails inside its notebook
    return root


@pytest.fixture(scope="module")
def first_batch(tmp_path_factory):
    "Three clips on a local cluster of 2 workers; the worker running clip0 is killed with SIGKILL once its notebook runs."
    root = tmp_path_factory.mktemp("batch")
    clips, out, logs, res = _clips(root/"clips"), root/"out", [], {}
    th = threading.Thread(target=lambda: res.update(rows=run_batch(str(clips), str(out), workers=2, threads=1, steps=2,
                                                                   progress=False, dashboard=":0", log=logs.append)))
    th.start()
    killed, deadline = None, time.time() + 300
    while th.is_alive() and killed is None and time.time() < deadline:
        m = read_marker(out/"clip0")
        if m and m["status"] == "running" and (out/"clip0"/"pipeline.ipynb").exists():   # papermill has started the kernel
            time.sleep(3)
            os.kill(m["pid"], signal.SIGKILL)
            killed = m["pid"]
        time.sleep(0.1)
    th.join(600)
    assert not th.is_alive(), "the batch did not finish"
    return dict(clips=clips, out=out, rows=res["rows"], logs=logs, killed=killed)


def test_failure_reported_others_complete(first_batch):
    rows, out = {r["label"]: r for r in first_batch["rows"]}, first_batch["out"]
    assert [rows[c]["status"] for c in ("clip0", "clip1", "clip2")] == ["complete", "complete", "failed"], first_batch["logs"]
    bad = rows["clip2"]
    assert "clip2/frames/00003.png" in bad["error"] and "cannot decode" in bad["error"]
    executed = json.loads(Path(bad["notebook"]).read_text())
    assert any(o.get("output_type") == "error" for c in executed["cells"] for o in c.get("outputs", [])), "no traceback kept"
    assert "00003.png" in Path(bad["notebook_html"]).read_text()
    for c in ("clip0", "clip1"):
        assert rows[c]["ws_psnr"] > 5 and rows[c]["steps"] == 2 and (out/c/"summary.json").is_file()
    md, page = (out/"summary.md").read_text(), (out/"report.html").read_text()
    assert "| clip2 | failed |" in md and "00003.png" in md and "| clip0 | complete |" in md
    assert page.count('<tr class="complete">') == 2 and page.count('<tr class="failed">') == 1
    assert 'href="clip2/pipeline.html"' in page and page.count("data:image/jpeg") >= 4 and (out/"quality_vs_time.png").is_file()


def test_killed_worker_task_completed(first_batch):
    assert first_batch["killed"], "the worker running clip0 was never seen running"
    m = read_marker(first_batch["out"]/"clip0")
    assert m["status"] == "complete" and m["attempt"] == 2 and m["pid"] != first_batch["killed"], m


def test_rerun_skips_complete_clips(first_batch, capsys):
    from npr_lib.cli import main
    out, clips = first_batch["out"], first_batch["clips"]
    before = {p: p.stat().st_mtime_ns for p in (out/"clip0").rglob("*") if p.is_file()}
    t = time.perf_counter()
    assert main(["batch", f"{clips}/clip0,{clips}/clip1", "--out", str(out), "--steps", "2", "--quiet"]) == 0
    took = time.perf_counter() - t
    err = capsys.readouterr().err
    assert "skipping 2 clips already complete" in err and "Dask dashboard" not in err, err   # no cluster started
    assert {p: p.stat().st_mtime_ns for p in (out/"clip0").rglob("*") if p.is_file()} == before
    print(f"rerun of 2 complete clips: {took:.2f} s")


def test_existing_scheduler_and_changed_parameters(first_batch, tmp_path):
    "A scheduler and a worker started as processes, as on a cluster; clip1's budget changed; clip2 still fails; clip0 skipped."
    out, clips = first_batch["out"], first_batch["clips"]
    sched_file = tmp_path/"scheduler.json"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs = [subprocess.Popen([str(BIN/"dask"), "scheduler", "--scheduler-file", str(sched_file), "--port", "0", "--dashboard-address", ":0"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.read_text().strip(): break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        procs.append(subprocess.Popen([str(BIN/"dask"), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        (tmp_path/"over.csv").write_text("clip,steps\nclip1,3\n")
        old1 = read_marker(out/"clip1")
        logs = []
        rows = {r["label"]: r for r in run_batch(str(clips), str(out), scheduler=address, overrides=str(tmp_path/"over.csv"),
                                                  steps=2, progress=False, log=logs.append)}
    finally:
        for p in procs[::-1]: p.terminate()
        for p in procs: p.wait(30)
    assert rows["clip0"]["skipped"] and rows["clip0"]["status"] == "complete"
    assert not rows["clip1"]["skipped"] and rows["clip1"]["status"] == "complete" and rows["clip1"]["steps"] == 3, logs
    new1 = read_marker(out/"clip1")
    assert new1["batch"] != old1["batch"] and new1["parameters"]["steps"] == 3 and new1["threads"] == 1
    assert rows["clip2"]["status"] == "failed" and not rows["clip2"]["skipped"]
    assert any(address in l or "dashboard" in l.lower() for l in logs), logs


def test_bad_input_refused_before_any_work(tmp_path):
    clips = _clips(tmp_path/"clips", 2)
    (tmp_path/"o.csv").write_text("clip,stpes\nclip0,3\n")
    with pytest.raises(ValueError, match=r"o.csv: row 2: unknown parameter 'stpes'"):
        run_batch(str(clips), str(tmp_path/"out"), overrides=str(tmp_path/"o.csv"), progress=False)
    with pytest.raises(ValueError, match="only='some'"):
        run_batch(str(clips), str(tmp_path/"out"), only="some", progress=False)
    assert not (tmp_path/"out").exists()
