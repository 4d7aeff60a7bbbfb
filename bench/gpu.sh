#!/usr/bin/env bash
# The prepared GPU check (one command, ~10 minutes on one GPU): the CUDA path end to end.
# Fits the synthetic clip and one shared clip at 960×480 for MINUTES each (default 2), with the PyTorch backend and,
# when tinycudann imports, with tinycudann; prints steps/s, WS-PSNR and peak GPU memory, and writes OUT/gpu.json.
#   bash bench/gpu.sh                 # CLIP, MINUTES, OUT may be set in the environment
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "bench/gpu.sh: no CUDA device here (torch " + torch.__version__ + ")")'
export PYTHONUNBUFFERED=1
"$PY" -m bench.gpu --minutes "${MINUTES:-2}" --clip "${CLIP:-../shared/data/360npr/Walking_Boy}" --out "${OUT:-outputs/bench_gpu}" "$@"
