"Benchmarks that back the numbers quoted in the notebooks; each runs from the repository root as `python -m bench.NAME` (see bench/README.md)."
import npr_lib  # noqa: F401  before torch, as `npr` does: it sets how long torch's idle threads spin (npr_lib/__init__.py)
