"Shared fixtures: where the project and the shared real clips live."
import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_CLIPS = Path(os.environ.get("NPR_SHARED", ROOT.parent/"shared"))/"data"/"360npr"

os.environ.setdefault("OMP_NUM_THREADS", "1")

@pytest.fixture(scope="session")
def shared_clips():
    "The folder of the real 360° clips, or a skip that says why they are missing."
    if not SHARED_CLIPS.is_dir(): pytest.skip(f"real clips not found at {SHARED_CLIPS} (set NPR_SHARED or put shared/ beside the repo)")
    return SHARED_CLIPS
