"Benchmarks that back the numbers quoted in the notebooks; each runs from the repository root as `python -m bench.NAME` (see bench/README.md)."
