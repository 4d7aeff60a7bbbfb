"Shared fixtures: where the project and the shared real clips live."
import os, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_CLIPS = Path(os.environ.get("NPR_SHARED", ROOT.parent/"shared"))/"data"/"360npr"

os.environ.setdefault("OMP_NUM_THREADS", "1")
# When this test session started (inherited by xdist's workers): notebook runs kept from before it are run again.
os.environ.setdefault("NPR_TEST_SINCE", repr(time.time()))

@pytest.fixture(scope="session")
def shared_clips():
    "The folder of the real 360° clips, or a skip that says why they are missing."
    if not SHARED_CLIPS.is_dir(): pytest.skip(f"real clips not found at {SHARED_CLIPS} (set NPR_SHARED or put shared/ beside the repo)")
    return SHARED_CLIPS

def pytest_configure(config):
    "pytest 9.2 keeps a test's id where pytest-xdist 3.8 cannot add the group to it: refuse, before the workers start."
    if config.getoption("dist", "no") != "loadgroup" or hasattr(config, "workerinput"): return
    import xdist
    if pytest.version_tuple[:2] >= (9, 2) and tuple(int(v) for v in xdist.__version__.split(".")[:2]) <= (3, 8):
        raise pytest.UsageError(f"pytest {pytest.__version__} with pytest-xdist {xdist.__version__} ignores xdist_group marks under "
                                f"--dist loadgroup; install the locked versions (make setup: pytest 9.1)")

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    "Under `--dist loadgroup` a test marked `xdist_group` must carry its group in its id, or xdist spreads the group over workers."
    if not getattr(config.option, "loadgroup", False): return
    lost = [it.nodeid for it in items if it.get_closest_marker("xdist_group") and "@" not in it.nodeid]
    if lost:
        import xdist
        raise pytest.UsageError(f"pytest {pytest.__version__} with pytest-xdist {xdist.__version__}: xdist_group marks are ignored "
                                f"({lost[0]} has no group); install the locked versions (make setup) so a group runs on one worker")
