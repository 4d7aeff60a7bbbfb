"""Reliability catalogue (issue "Reliability and security"): bad requests are refused with one line that names
the problem, before any work, and nothing a user made is lost or changed. More cases live beside their code:
nbs/12_train.ipynb (Ctrl-C saves, a hard kill's temporary file is cleaned), nbs/14b_reproduce.ipynb (a changed
input refuses a resume), nbs/13a_bake.ipynb (a stale bake is never used), nbs/10_model.ipynb (object names that
would become paths)."""
import io, json, os, pickle, contextlib
from pathlib import Path
import pytest
import torch

from npr_lib.cli import main


def npr(*args)->tuple[int,str]:
    "Run `npr ARGS`: (exit status, stderr)."
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()): code = main([str(a) for a in args])
    return code, err.getvalue()


def snapshot(folder:Path)->dict:
    "Every file under `folder` with its bytes: to show that nothing changed."
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()} if folder.exists() else {}


@pytest.mark.parametrize('args,says', [
    (['--scale', 'inf'], 'scale'), (['--scale', '0'], 'scale'), (['--scale', '-1'], 'scale'), (['--scale', 'nan'], 'scale'),
    (['--minutes', '-1'], 'minutes'), (['--minutes', 'inf'], 'minutes'), (['--minutes', '0'], 'minutes'),
    (['--steps', '0'], 'steps'), (['--steps', '-5'], 'steps'),
    (['--scale', '0.1'], 'at least 16'),                              # 13-row frames: too small for SSIM and the grids
    (['--config', 'fastest'], 'fastest'), (['--render', 'some'], "'auto'"),
])
def test_fit_refuses_bad_options_before_work(tmp_path, args, says):
    code, err = npr('fit', 'synthetic', '--out', tmp_path/'run', '--quiet', *args)
    assert code == 1 and says in err and err.count('\n') == 1, err
    assert not (tmp_path/'run').exists(), "nothing may be written for a refused request"


def test_fit_refuses_more_frames_than_the_clip_has(tmp_path, shared_clips):
    code, err = npr('fit', shared_clips/'Tram', '--frames', '999', '--scale', '0.125', '--out', tmp_path/'run', '--quiet')
    assert code == 1 and 'the clip has 30' in err, err
    assert not (tmp_path/'run').exists()


def test_fit_refuses_odd_height(tmp_path, shared_clips):
    code, err = npr('fit', shared_clips/'Tram', '--scale', '0.0354', '--out', tmp_path/'run', '--quiet')   # 480 rows · 0.0354 → 17
    assert code == 1 and 'even height' in err, err
    assert not (tmp_path/'run').exists()


def test_out_that_is_a_file(tmp_path):
    f = tmp_path/'notes.txt'; f.write_text('mine')
    code, err = npr('fit', 'synthetic', '--out', f, '--steps', '2', '--quiet')
    assert code == 1 and 'is a file' in err, err
    assert f.read_text() == 'mine'


@pytest.fixture(scope='module')
def small_run(tmp_path_factory):
    "A tiny fitted run of the synthetic clip (2 steps)."
    out = tmp_path_factory.mktemp('rel')/'run'
    code, err = npr('fit', 'synthetic', '--scale', '0.125', '--frames', '4', '--steps', '2', '--out', out, '--quiet')
    assert code == 0, err
    return out


@pytest.mark.parametrize('args,says', [
    (['--scale', '0.125', '--frames', '4', '--seed', '1'], 'seed'), (['--scale', '0.125', '--frames', '3'], 'frames'),
    (['--scale', '0.125', '--frames', '4', '--no-flow'], 'flow'), (['--scale', '0.25', '--frames', '4'], 'scale')])
def test_resume_with_other_settings_is_refused(small_run, args, says):
    before = snapshot(small_run)
    code, err = npr('fit', 'synthetic', *args, '--steps', '4', '--out', small_run, '--quiet')
    assert code == 1 and says in err and '--fresh' in err, err
    assert snapshot(small_run) == before, "a refused resume changed the run folder"


def test_crafted_checkpoint_runs_no_code(tmp_path, small_run):
    "A checkpoint carrying a pickled object whose __reduce__ would create a file: refused, nothing created."
    run = tmp_path/'evil'
    run.mkdir()
    for f in ('run.json', 'record.json'): (run/f).write_bytes((small_run/f).read_bytes())
    marker = tmp_path/'pwned'
    class Evil:
        def __reduce__(self): return (open, (str(marker), 'w'))
    st = torch.load(small_run/'checkpoint.pt', weights_only=True)
    st['extra'] = Evil()
    with open(run/'checkpoint.pt', 'wb') as fh: torch.save(st, fh)
    code, err = npr('edit', run, '--text', 'x', '--out', tmp_path/'edit', '--quiet')
    assert code == 1 and 'not a readable npr_lib checkpoint' in err, err
    assert not marker.exists() and not (tmp_path/'edit').exists()
    code, err = npr('bake', run, '--quiet')
    assert code == 1 and not marker.exists()


def test_object_name_from_run_json_never_becomes_a_path(tmp_path, small_run):
    run = tmp_path/'run'
    run.mkdir()
    for f in ('checkpoint.pt', 'record.json'): (run/f).write_bytes((small_run/f).read_bytes())
    meta = json.loads((small_run/'run.json').read_text())
    meta['object_names'] = ['../../../../' + str(tmp_path/'escaped').lstrip('/')] + meta['object_names'][1:]
    (run/'run.json').write_text(json.dumps(meta))
    code, err = npr('edit', run, '--layer', '1', '--text', 'x', '--out', tmp_path/'edit', '--quiet')
    assert code == 1 and 'file names' in err, err
    assert not list(tmp_path.glob('escaped*')) and not (tmp_path/'edit').exists()


def test_reproduce_without_record(tmp_path):
    (tmp_path/'run').mkdir()
    code, err = npr('reproduce', tmp_path/'run')
    assert code == 1 and 'no record' in err, err


def _png_header(w:int, h:int)->bytes:
    "A PNG whose header claims w×h RGBA pixels (and holds none)."
    import struct, zlib
    ihdr = b'IHDR' + struct.pack('>IIBBBBB', w, h, 8, 6, 0, 0, 0)
    iend = b'IEND'
    chunk = lambda c: struct.pack('>I', len(c) - 4) + c + struct.pack('>I', zlib.crc32(c))
    return b'\x89PNG\r\n\x1a\n' + chunk(ihdr) + chunk(iend)


def test_huge_picture_refused_from_its_header(tmp_path, small_run):
    (tmp_path/'huge.png').write_bytes(_png_header(60000, 30000))
    code, err = npr('edit', small_run, '--stamp', tmp_path/'huge.png', '--out', tmp_path/'edit', '--quiet')
    assert code == 1 and '60000×30000' in err and 'resize' in err, err
    assert not (tmp_path/'edit').exists()


def test_atlas_height_out_of_range(tmp_path, small_run):
    code, err = npr('edit', small_run, '--text', 'x', '--atlas-height', '0', '--out', tmp_path/'edit', '--quiet')
    assert code == 1 and '--atlas-height 0' in err, err
    assert not (tmp_path/'edit').exists()


def test_too_big_for_memory_is_one_line(tmp_path):
    code, err = npr('fit', 'synthetic', '--scale', '80', '--out', tmp_path/'run', '--quiet')
    assert code == 1 and '--scale' in err and err.count('\n') == 1, err
    assert not (tmp_path/'run').exists()


@pytest.fixture
def folder_clip(tmp_path):
    from npr_lib.synthetic import make_synthetic, save_npr_layout
    clip, _ = make_synthetic(H=16, n_frames=4, n_objects=1)
    return save_npr_layout(clip, tmp_path/'clip')


def test_key_mask_never_replaces_a_clips_masks(folder_clip, tmp_path):
    before = snapshot(folder_clip)
    code, err = npr('fit', folder_clip, '--key-frame', '2', '--steps', '2', '--out', folder_clip, '--quiet')
    assert code == 1 and 'clip folder itself' in err, err
    assert snapshot(folder_clip) == before
    out = tmp_path/'run'; (out/'masks').mkdir(parents=True); (out/'masks'/'00001.png').write_bytes(b'mine')
    code, err = npr('fit', folder_clip, '--key-frame', '2', '--steps', '2', '--out', out, '--quiet')
    assert code == 1 and '--fresh' in err, err
    assert (out/'masks'/'00001.png').read_bytes() == b'mine'


FIT_SCRIPT = r'''
import sys, torch
from npr_lib.synthetic import make_synthetic
from npr_lib.model import get_model_config
from npr_lib.train import Trainer
torch.manual_seed(0)
clip, _ = make_synthetic(H=16, n_frames=4, n_objects=1)
small = {k: {'encoding': {'log2_hashmap_size': 10, 'n_levels': 4}} for k in ('atlas', 'foreground_atlas', 'alpha')}
t = Trainer(clip, get_model_config('fast', **small), out_dir=sys.argv[1], batch_size=256, init_camera=False, checkpoint_minutes=0.0003)
if t.resume(): print('resumed', t.step, flush=True)
print('fitting', flush=True)
t.fit(steps=60, progress=False)
print('done', t.step, flush=True)
'''

def test_kill_9_at_random_points_then_resume_matches(tmp_path):
    "A fit killed with SIGKILL at random moments (checkpoints written almost every step, so some kills land mid-write), "
    "rerun each time until it finishes: the same final parameters as a fit never interrupted."
    import random, signal, subprocess, sys, time
    script = tmp_path/'fit.py'; script.write_text(FIT_SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    run = lambda out: subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE, text=True, env=env)
    ref = run(tmp_path/'ref'); assert ref.wait(300) == 0
    rng, kills, out = random.Random(0), 0, tmp_path/'faulted'
    for attempt in range(12):
        p = run(out)
        line = p.stdout.readline()
        while line and not line.startswith('fitting'): line = p.stdout.readline()
        if attempt < 8:
            time.sleep(rng.uniform(0.05, 0.6))
            if p.poll() is None: p.send_signal(signal.SIGKILL); kills += 1
        p.wait(300)
        if p.returncode == 0: break
    assert p.returncode == 0 and kills >= 3, (p.returncode, kills)
    a = torch.load(tmp_path/'ref'/'checkpoint.pt', weights_only=True)
    b = torch.load(out/'checkpoint.pt', weights_only=True)
    assert a['step'] == b['step'] == 60
    assert all(torch.equal(a['model'][k], b['model'][k]) for k in a['model']), f"differs after {kills} kills"
    assert not list(out.glob('.checkpoint.*')), "a temporary checkpoint was left behind"


def test_edit_never_replaces_a_folder_of_other_files(tmp_path, small_run):
    out = tmp_path/'mine'; out.mkdir(); (out/'notes.txt').write_text('mine')
    code, err = npr('edit', small_run, '--text', 'x', '--out', out, '--quiet')
    assert code == 1 and 'holds other files' in err, err
    assert [p.name for p in out.iterdir()] == ['notes.txt']
    code, err = npr('edit', small_run, '--text', 'x', '--out', tmp_path/'e', '--quiet'); assert code == 0, err
    first = snapshot(tmp_path/'e')
    code, err = npr('edit', small_run, '--text', 'y', '--out', tmp_path/'e', '--quiet'); assert code == 0, err   # an older edit is replaced whole
    second = snapshot(tmp_path/'e')
    assert set(first) == set(second) and first['edit.json'] != second['edit.json'] or first != second
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith('.')) == []   # no temporary or old folder left


def test_8000_square_stamp_refused(tmp_path, small_run):
    (tmp_path/'big.png').write_bytes(_png_header(8000, 8000))
    code, err = npr('edit', small_run, '--stamp', tmp_path/'big.png', '--out', tmp_path/'edit', '--quiet')
    assert code == 1 and '8000×8000' in err, err


def test_empty_masks_are_warned_about(tmp_path):
    from npr_lib.synthetic import make_synthetic, save_npr_layout
    clip, _ = make_synthetic(H=16, n_frames=4, n_objects=1)
    folder = save_npr_layout(clip, tmp_path/'clip')
    import cv2, numpy as np
    for f in (folder/'masks').glob('*.png'): cv2.imwrite(str(f), np.zeros((16, 32), np.uint8))   # all black
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(['fit', str(folder), '--steps', '2', '--out', str(tmp_path/'run'), '--quiet'])
    assert code == 0 and "mask is empty in some frames" in out.getvalue(), out.getvalue()[-2000:]


def test_info_numbers_empty_frames_as_the_files_are(tmp_path):
    "A clip whose frames are numbered from 1: the empty frames `npr info` lists are the files' numbers, and its JSON stays JSON."
    from npr_lib.synthetic import make_synthetic, save_npr_layout
    import cv2, numpy as np
    clip, _ = make_synthetic(H=16, n_frames=4, n_objects=1)
    folder = save_npr_layout(clip, tmp_path/'clip')
    cv2.imwrite(str(folder/'masks'/'00003.png'), np.zeros((16, 32), np.uint8))   # the third file's mask is empty
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()): code = main(['info', str(folder), '--as-json'])
    assert code == 0, out.getvalue()
    s = json.loads(out.getvalue())
    objects = s['objects'] if 'objects' in s else s['summary']['objects']
    assert list(objects.values())[0]['empty_frames'] == [3], objects


def test_full_disk_at_checkpoint_is_one_line(tmp_path):
    "A write that fails at the checkpoint (a file-size limit stands in for a full disk: the same failed write) is one line naming the file."
    import resource, subprocess, sys
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))   # figures fit, the checkpoint does not
    r = subprocess.run([str(Path(sys.executable).parent/'npr'), 'fit', 'synthetic', '--scale', '0.25', '--frames', '6', '--steps', '3',
                        '--out', str(tmp_path/'run'), '--quiet'], preexec_fn=limit, capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert r.returncode == 1 and 'Traceback' not in r.stderr, r.stderr[-2000:]
    assert r.stderr.strip().splitlines()[-1].startswith(f"npr fit: error: {tmp_path/'run'/'checkpoint.pt'}: could not be written"), r.stderr
    assert not [p.name for p in (tmp_path/'run').iterdir() if '.tmp' in p.name], "a temporary file was left"


def test_read_only_output_refused_before_work(tmp_path):
    "An output folder nothing can be written to (immutable: even root is refused) fails before the clip is loaded."
    import subprocess
    ro = tmp_path/'ro'; ro.mkdir()
    if subprocess.run(['chattr', '+i', str(ro)], capture_output=True).returncode != 0:
        if os.geteuid() == 0: pytest.skip("chattr +i is not available here and root ignores permissions")
        ro.chmod(0o555)
    try:
        code, err = npr('fit', 'synthetic', '--out', ro/'run', '--steps', '2', '--quiet')
        assert code == 1 and f"{ro/'run'}: cannot be written" in err and err.count('\n') == 1, err
        code, err = npr('batch', 'synthetic', '--out', ro, '--steps', '2', '--quiet')
        assert code == 1 and f"{ro}: cannot be written" in err, err
    finally:
        subprocess.run(['chattr', '-i', str(ro)], capture_output=True); ro.chmod(0o755)
    assert list(ro.iterdir()) == []


def test_truncated_checkpoint_in_edit_is_one_line(tmp_path, small_run):
    "A checkpoint cut short (a copy interrupted): `npr edit` and `npr bake` say which file and stop; nothing is written."
    run = tmp_path/'run'
    run.mkdir()
    for f in ('run.json', 'record.json'): (run/f).write_bytes((small_run/f).read_bytes())
    data = (small_run/'checkpoint.pt').read_bytes()
    (run/'checkpoint.pt').write_bytes(data[:len(data)//2])
    before = snapshot(run)
    code, err = npr('edit', run, '--text', 'x', '--out', tmp_path/'edit', '--quiet')
    assert code == 1 and str(run/'checkpoint.pt') in err and err.count('\n') == 1, err
    code, err = npr('bake', run, '--quiet')
    assert code == 1 and str(run/'checkpoint.pt') in err, err
    assert not (tmp_path/'edit').exists() and snapshot(run) == before


def test_clip_frame_whose_header_claims_huge_size(tmp_path):
    "Frames whose PNG headers claim 60000×30000 pixels are refused from their headers, before any decoding, with a scale that would fit."
    from npr_lib.synthetic import make_synthetic, save_npr_layout
    clip = save_npr_layout(make_synthetic(H=32, n_frames=4, n_objects=1)[0], tmp_path/'clip')
    for f in (clip/'frames').glob('*.png'): f.write_bytes(_png_header(60000, 30000))
    code, err = npr('fit', clip, '--out', tmp_path/'run', '--steps', '2', '--quiet')
    import re
    assert code == 1 and '60000×30000 needs about' in err and err.count('\n') == 1, err
    assert 0 < float(re.search(r'--scale ([0-9.]+)', err)[1]) < 0.5 and '--frames' not in err, err   # no frame count would do
    assert not (tmp_path/'run').exists()
