# Advocacy Lab: `make start` serves the course, `make test` runs every test.
# A fresh machine needs only python3, make and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8866

.PHONY: setup start lab test test-fast browser exercises docs bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Serve the course with Voila at http://127.0.0.1:$(PORT)
start: setup
	$(BIN)/advocacy-lab serve --port $(PORT)

## JupyterLab with the nbgrader extensions, for trainers and hosted use
lab: setup
	$(BIN)/jupyter lab --notebook-dir=.

## Debian's Chromium for the browser tests (installed with apt-get when root; never a downloaded build)
browser:
	scripts/ensure-chromium

## Every test, browser tests included
test: setup browser
	$(BIN)/python -m pytest

## Everything except the browser
test-fast: setup
	$(BIN)/python -m pytest -m "not browser"

## Regenerate exercises/ from solutions/ with nbgrader
exercises: setup
	$(BIN)/advocacy-lab release

## Regenerate generated docs (rule table)
docs: setup
	$(BIN)/advocacy-lab rules --markdown > docs/rules.md

## Benchmarks (not tests): write figures to docs/performance.md
bench: setup browser
	$(BIN)/python benchmarks/check_speed.py
	$(BIN)/python benchmarks/voila_tti.py
	$(BIN)/python benchmarks/room.py
	$(BIN)/python benchmarks/churn.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
