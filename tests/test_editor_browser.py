"""The editor in a real JupyterLab, driven by headless Chromium: it renders, Apply works through the browser,
and a screenshot is kept (tmp_path and outputs/editor_screenshot.png). Over a baked run, the time from moving
the lon slider in the browser to new preview and view images in the page is measured and printed (run with -s).

Needs Debian's Chromium (/usr/bin/chromium) and the `playwright` Python package; `tests/browser_setup.sh`
installs both. Skips, saying why, when either is missing. Never downloads a browser (`playwright install`)."""
import os, secrets, shutil, signal, socket, statistics, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get('NPR_CHROMIUM') or shutil.which('chromium') or '/usr/bin/chromium'
CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']

NOTEBOOK_CELLS = [
    "import torch\n"
    "from npr_lib.model import LayeredAtlas\n"
    "from npr_lib.synthetic import make_synthetic\n"
    "from npr_lib.editor import AtlasEditor\n"
    "torch.manual_seed(0)\n"
    "clip, _ = make_synthetic(H=64, n_frames=3, n_objects=1)\n"
    "editor = AtlasEditor(LayeredAtlas(clip.N, clip.K, 'fast'), clip, preview_height=64)\n"
    "editor.layer.value = 'background'\n"
    "with editor.hold_updates(): editor.lon.value, editor.lat.value, editor.size.value = 40., 15., 60.",
    "editor",
]

def _free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def _write_notebook(path:Path, cells:list[str]|None=None):
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (cells or NOTEBOOK_CELLS)])
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    nbformat.write(nb, path)

def _settings(folder:Path):
    "Lab settings that keep it quiet offline: no news, no update checks."
    f = folder/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings'
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text('{"fetchNews": "false", "checkForUpdates": false}')

def _wait_for_server(url:str, proc, log:Path, timeout:float=60.):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early with code {proc.returncode}:\n" + log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200: return
        except OSError: pass
        time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer at {url} within {timeout:.0f} s:\n" + log.read_text()[-3000:])


def _run_notebook_in_lab(page, base:str, token:str, name:str, editor_timeout:int):
    "Open NAME in JupyterLab, wait for an idle kernel, run every cell, and wait for the editor to appear."
    page.goto(f'{base}/lab/tree/{name}?token={token}', timeout=60_000)
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60_000)
    page.wait_for_function("""() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return k && k.status === 'idle'; }""", timeout=60_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.get_by_text('360° atlas editor').wait_for(timeout=editor_timeout)

@pytest.fixture
def browser_deps():
    if not Path(CHROMIUM).exists(): pytest.skip(f"no Chromium at {CHROMIUM}: run tests/browser_setup.sh (apt-get install chromium)")
    try: import playwright.sync_api  # noqa: F401
    except ImportError: pytest.skip("the `playwright` package is not installed: run tests/browser_setup.sh (pip install playwright)")
    jupyter = Path(sys.executable).parent/'jupyter'
    if not jupyter.exists(): pytest.skip(f"no jupyter next to {sys.executable}")
    try: import jupyterlab, ipywidgets  # noqa: F401
    except ImportError as e: pytest.skip(f"jupyterlab/ipywidgets missing: {e}")
    return jupyter

@pytest.fixture
def lab(tmp_path, browser_deps):
    "A JupyterLab server on a free port, rooted at tmp_path/nb; yields (base url, token); killed at the end."
    root = tmp_path/'nb'; root.mkdir()
    _write_notebook(root/'editor.ipynb')
    _settings(tmp_path/'settings')
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get('PYTHONPATH')])),
               JUPYTER_CONFIG_DIR=str(tmp_path/'config'), JUPYTER_RUNTIME_DIR=str(tmp_path/'runtime'), MPLBACKEND='Agg')
    cmd = [str(browser_deps), 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1', f'--IdentityProvider.token={token}',
           f'--ServerApp.root_dir={root}', '--LabApp.expose_app_in_browser=True', '--LabApp.extension_manager=readonly',
           f'--LabApp.user_settings_dir={tmp_path/"settings"}', f'--LabApp.workspaces_dir={tmp_path/"workspaces"}',
           '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')
    log = open(tmp_path/'jupyter.log', 'w')
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    base = f'http://127.0.0.1:{port}'
    try:
        _wait_for_server(f'{base}/api/status?token={token}', proc, tmp_path/'jupyter.log')
        yield base, token
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started (its own session)
            try: proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL); proc.wait(5)
        log.close()

def test_editor_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright
    base, token = lab
    shot = tmp_path/'editor_screenshot.png'
    t0 = time.time()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={'width': 1500, 'height': 1250})
            _run_notebook_in_lab(page, base, token, 'editor.ipynb', 90_000)
            apply = page.get_by_role('button', name='Apply to video')
            apply.wait_for(timeout=30_000)
            for label in ['Export', 'Layer and frame', 'Placement on the sphere', 'View direction', 'Perspective view', 'lon °', 'fov °']:
                assert page.get_by_text(label).first.is_visible(), label
            # the previews arrived as images
            page.wait_for_function("""() => [...document.querySelectorAll('.jp-OutputArea img')]
                .filter(i => i.complete && i.naturalWidth > 0).length >= 3""", timeout=30_000)
            # Apply through the browser: the kernel renders and the status line reports it
            apply.click()
            page.get_by_text('Rendered 3 frames').wait_for(timeout=60_000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000, f"screenshot only {shot.stat().st_size} bytes"
    out = ROOT/'outputs'; out.mkdir(exist_ok=True)
    shutil.copy(shot, out/'editor_screenshot.png')
    assert time.time() - t0 < 150


BAKE_CELLS = [
    "import json, torch\n"
    "from pathlib import Path\n"
    "from npr_lib.model import LayeredAtlas\n"
    "from npr_lib.clip import open_clip\n"
    "from npr_lib.train import atomic_torch_save\n"
    "from npr_lib.files import atomic_write_text\n"
    "from npr_lib.editor import AtlasEditor\n"
    "run = Path('run'); run.mkdir(exist_ok=True)\n"   # a tiny run made by hand, next to the notebook: a fresh model of 4 frames at 480×240
    "clip = open_clip('synthetic', scale=1.875, frames='4')\n"
    "torch.manual_seed(0)\n"
    "m = LayeredAtlas(clip.N, clip.K, 'fast')\n"
    "atomic_torch_save(dict(model=m.state_dict(), model_cfg=m.cfg, step=0, elapsed=0., history=[],\n"
    "                       clip=dict(name=clip.name, N=clip.N, H=clip.H, W=clip.W, K=clip.K)), run/'checkpoint.pt')\n"
    "atomic_write_text(run/'run.json', json.dumps(dict(clip='synthetic', scale=1.875, frames='4', seed=0, config='fast', height=clip.H,\n"
    "                  width=clip.W, frames_count=clip.N, object_names=clip.object_names)))\n"
    "editor = AtlasEditor.from_run(run, preview_height=240, progress=False)\n"   # no bake yet: baked here
    "editor.layer.value = 'background'\n"
    "assert editor.source == 'bake', editor.status.value",
    "editor",
]

# Watches the preview and view images: `window.__npr.changed(name)` is the time (performance.now) the image's src
# last changed; a capture listener stamps the Enter that commits a slider readout as `t0`.
WATCH_JS = """() => {
  const imgs = [...document.querySelectorAll('.jp-OutputArea img.widget-image')];
  const find = w => imgs.find(i => i.style.width === w);
  const w = window.__npr = {t0: null, last: {}, count: {}};
  for (const [name, el] of [['frame', find('560px')], ['view', find('420px')]]) {
    if (!el) throw new Error('no ' + name + ' image');
    w.count[name] = 0;
    new MutationObserver(() => { w.last[name] = performance.now(); w.count[name] += 1; })
      .observe(el, {attributes: true, attributeFilter: ['src']});
  }
  document.addEventListener('keydown', e => { if (e.key === 'Enter') w.t0 = performance.now(); }, true);
  return true;
}"""

def test_editor_bake_latency(lab, tmp_path):
    "Over a baked 480×240 run: move the lon slider from the browser (its readout), time it until both images changed; play."
    from playwright.sync_api import sync_playwright
    base, token = lab
    _write_notebook(tmp_path/'nb'/'bake.ipynb', BAKE_CELLS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={'width': 1500, 'height': 1250})
            _run_notebook_in_lab(page, base, token, 'bake.ipynb', 180_000)
            status = page.get_by_text('Preview from the bake').first
            status.wait_for(timeout=60_000)
            page.wait_for_function("""() => [...document.querySelectorAll('.jp-OutputArea img.widget-image')]
                .filter(i => i.complete && i.naturalWidth > 0).length >= 3""", timeout=30_000)
            page.evaluate(WATCH_JS)
            readout = page.locator('.widget-slider', has=page.get_by_text('lon °', exact=True)).locator('.widget-readout')
            latencies, kernel = [], []
            for lon in (-100, -40, 20, 80, 140, 170):
                counts = page.evaluate("() => ({...window.__npr.count})")
                readout.click()
                readout.fill(str(lon))
                readout.press('Enter')
                page.wait_for_function(f"""() => {{ const w = window.__npr;
                    return w.count.frame > {counts['frame']} && w.count.view > {counts['view']}; }}""", timeout=30_000)
                ms = page.evaluate("() => Math.max(window.__npr.last.frame, window.__npr.last.view) - window.__npr.t0")
                latencies.append(ms)
                page.wait_for_timeout(300)                          # the status line comes after the images
                kernel.append(status.text_content().split(':')[-1].strip().rstrip('.'))
            print(f"\nlon slider moved in the browser → preview and view images updated, 480×240 preview from the bake: "
                  f"{', '.join(f'{ms:.0f}' for ms in latencies)} ms (median {statistics.median(latencies):.0f} ms); "
                  f"of which the kernel's refresh: {', '.join(kernel)}")
            assert len(latencies) == 6 and all(ms > 0 for ms in latencies), latencies
            # play: the Play widget moves the frame slider in the browser, each frame is rendered from the bake as it comes
            before = page.evaluate("() => window.__npr.count.frame")
            play = page.locator('.widget-play button').first   # play/pause, stop, repeat
            play.click()
            page.wait_for_timeout(3000)
            play.click()                                         # pause
            shown = page.evaluate("() => window.__npr.count.frame") - before
            print(f"play: {shown} frame previews shown in 3 s")
            assert shown >= 3, f"play showed {shown} frames in 3 s"
            page.screenshot(path=str(tmp_path/'editor_bake.png'), full_page=True)
        finally:
            browser.close()
