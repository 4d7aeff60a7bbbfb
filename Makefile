# One command to set up and run the demo, one to set up and run the tests.
# torch is installed first, pinned; pick a wheel index with e.g.
#   make TORCH_INDEX=https://download.pytorch.org/whl/cpu demo    (CPU-only wheel on a laptop)
#   make TORCH_INDEX=https://download.pytorch.org/whl/cu126 demo  (GPU), or put a CUDA torch into .venv first.
PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
LOCK        := requirements-lock.txt
JOBS        ?= 2
TORCH       ?= torch==2.13.0
TORCH_INDEX ?=

.PHONY: setup demo test docs readme export clean-nbs check-clean lock

setup: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "npr_lib needs Python 3.10 or newer: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c 'import torch' 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	grep -v '^torch==' $(LOCK) > $(VENV)/lock-without-torch.txt
	$(BIN)/python -m pip install -q -r $(VENV)/lock-without-torch.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (npr_lib)" >/dev/null
	$(BIN)/npr person-model || echo "person model not fetched: npr masks --person and its tests will be unavailable"
	sha1sum $(LOCK) > $(STAMP)

demo: $(STAMP)
	$(BIN)/npr demo --out outputs/synthetic

test: $(STAMP)
	PYTHON=$(BIN)/python bash tests/browser_setup.sh
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

# The site in _docs/ (mkdocs, Material, mkdocs-jupyter; offline): every notebook is run first, its run kept in
# .cache/npr-docs/ until the notebook or the library changes. Quarto's nbdev-docs instead when quarto is installed.
docs: $(STAMP)
	$(BIN)/npr docs --out _docs

readme: $(STAMP)
	$(BIN)/npr readme

export: $(STAMP)
	$(BIN)/nbdev-export

clean-nbs: $(STAMP)
	$(BIN)/nbdev-clean

# CI: the committed modules, notebooks and README are what export, clean and readme produce.
check-clean: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
	$(BIN)/npr readme --check
	@if [ -n "$$(git status --porcelain --untracked-files=all -- npr_lib nbs README.md README_files)" ]; then \
	  git status --short -- npr_lib nbs README.md README_files; \
	  echo "check-clean: exported modules or cleaned notebooks differ from the commit: run 'make export clean-nbs' and commit"; \
	  exit 1; fi

# The lock: every package at the exact version `make setup` installs (CPU torch), resolved by pip-tools from the
# ranges in pyproject.toml. Refresh it after changing a dependency, then commit requirements-lock.txt.
lock: $(STAMP)
	$(BIN)/python -m pip install -q pip-tools
	echo "$(TORCH)+cpu" > $(VENV)/torch-constraint.txt
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
	  -c $(VENV)/torch-constraint.txt --output-file $(LOCK) pyproject.toml
