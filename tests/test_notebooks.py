"Each notebook's own test cells, one pytest item per notebook, run through nbdev's test machinery."
from pathlib import Path
import pytest
from nbdev.config import get_config
import nbdev.test as nbdev_test

ROOT = Path(__file__).resolve().parents[1]
CFG = get_config(ROOT)
NOTEBOOKS = sorted(p for p in (ROOT/"nbs").glob("*.ipynb") if not p.name.startswith("_"))

@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    flags = CFG.tst_flags.split() if isinstance(CFG.tst_flags, str) else list(CFG.tst_flags)
    ok, secs = nbdev_test.test_nb(nb, skip_flags=flags, basepath=ROOT, cell_timeout=CFG.cell_timeout)
    assert ok, f"{nb.name}: a test cell failed (traceback above)"
