# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint demo bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "vsm-app needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev,scale]'
	touch $(STAMP)

# the app prepares the sample project in your data folder on first start; this does it now
demo: $(STAMP)
	$(PY) -m vsm_app.demo.sample

run: $(STAMP)
	$(PY) -m vsm_app

lint: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check vsm_app tests benchmarks main.py
	$(VENV)/bin/mypy

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/artifacts build dist *.egg-info
