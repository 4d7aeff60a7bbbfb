"""Each notebook's own test cells, one pytest item per notebook, run as nbdev's tests run them (`npr_lib.site.run_notebooks`:
a fresh Python per notebook, `tst_flags` skipped, the first failing cell fails the notebook).

The runs go to the docs cache (.cache/npr-docs), so the docs site built in the same session (tests/test_site.py, or
`make docs` after `make test`) shows these very runs instead of running every notebook a second time. A run is reused
only when it was made during this test session (`NPR_TEST_SINCE`, set when pytest starts) and its key (the notebook's
cells, the library's source, the parameters) is unchanged; anything older runs again. The pipeline notebook runs with
the docs' small parameters (`DOCS_PARAMETERS`)."""
import os
from pathlib import Path
import pytest
from npr_lib.site import DOCS_CACHE, DOCS_PARAMETERS, run_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT/"nbs").glob("*.ipynb") if not p.name.startswith("_"))
CACHE = ROOT/DOCS_CACHE/"runs"

def _log_tail(nb:Path, n:int=40)->str:
    "The end of the newest log of `nb`'s runs: the traceback of the failing cell."
    logs = sorted(CACHE.glob(f"{nb.stem}-*.log"), key=lambda p: p.stat().st_mtime)
    return "\n".join(logs[-1].read_text(errors="replace").splitlines()[-n:]) if logs else "(no log)"

@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    run = run_notebooks([nb], CACHE, budget=1800, workers=1, since=float(os.environ["NPR_TEST_SINCE"]))[nb]
    from fastcore.nbio import read_nb
    from nbdev.frontmatter import nb_frontmatter
    if run is None and nb_frontmatter(read_nb(nb)).get("skip_exec") and nb.name not in DOCS_PARAMETERS: pytest.skip(f"{nb.name}: skip_exec")
    assert run is not None, f"{nb.name}: a cell failed or the run took over 30 minutes; the end of its log:\n{_log_tail(nb)}"
