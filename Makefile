# Advocacy Lab: `make start` serves the course, `make test` runs every test.
# A fresh machine needs only python3, make and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8866

.PHONY: setup start lab hub-proxy nss-wrapper test test-fast smoke browser nginx exercises docs bench clean

# Say plainly what is missing instead of failing later with a traceback.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || { \
	  echo "Advocacy Lab needs Python 3.10 or later; '$(PYTHON)' is older or does not run." >&2; \
	  echo "Name another with: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "'$(PYTHON) -m venv' failed. On Debian or Ubuntu: sudo apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,hub]"
	touch $(STAMP)

setup: $(STAMP)

## Serve the course with Voila at http://127.0.0.1:$(PORT)
start: setup
	$(BIN)/advocacy-lab serve --port $(PORT)

## JupyterLab with the nbgrader extensions, for trainers and hosted use
## (as root, e.g. in a container, JupyterLab refuses to start without --allow-root)
lab: setup
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

## Debian's Chromium for the browser tests (installed with apt-get when root; never a downloaded build)
browser:
	scripts/ensure-chromium

## Debian's nginx for the reverse-proxy test (installed with apt-get when root; its service is not started)
nginx:
	scripts/ensure-nginx

## configurable-http-proxy from npm for the hub test (installed with npm when root; the test skips otherwise)
hub-proxy:
	scripts/ensure-hub-proxy

## Debian's libnss-wrapper for the Kubernetes image's entrypoint tests (apt-get when root; they skip otherwise)
nss-wrapper:
	scripts/ensure-nss-wrapper

## Every test, browser tests included
test: setup browser nginx hub-proxy nss-wrapper
	$(BIN)/python -m pytest

## Everything except the browser
test-fast: setup
	$(BIN)/python -m pytest -m "not browser"

## A fresh .venv-smoke from another Python, then the checks, every module and every lesson
## notebook in it. PYTHON=... names the Python; by default the newest 3.10-3.13 on the machine.
smoke:
	scripts/smoke-check $(if $(filter command line environment,$(origin PYTHON)),$(PYTHON))

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
	$(BIN)/python benchmarks/flood.py
	$(BIN)/python benchmarks/outage.py
	$(BIN)/python benchmarks/grading.py
	$(BIN)/python benchmarks/singleuser_memory.py
	$(BIN)/python benchmarks/sizing.py

clean:
	rm -rf $(VENV) .venv-smoke .pytest_cache .hypothesis
