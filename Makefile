# One command to set up and run the demo, one to set up and run the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: setup demo test docs export clean-nbs check-clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (npr_lib)" >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/npr demo --out outputs/synthetic

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

docs: $(STAMP)
	$(BIN)/npr docs --out _docs

export: $(STAMP)
	$(BIN)/nbdev-export

clean-nbs: $(STAMP)
	$(BIN)/nbdev-clean

check-clean: $(STAMP)
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean
	git diff --exit-code --stat -- npr_lib nbs README.md
