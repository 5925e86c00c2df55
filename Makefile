# Kindred — the commands that must always work. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KINDRED := $(BIN)/kindred
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on every core (pytest-xdist), a module on one worker (its shared data is
# built once), in the order tests/conftest.py gives; PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder
# Python may cache compiled modules (and pytest its rewritten tests) even where the
# environment says not to: half of each worker's start-up is compiling them again.
export PYTHONDONTWRITEBYTECODE :=
# Line coverage of src/kindred is printed by every `make test`; below COV_MIN per cent the
# run fails (CI sets it for its complete run; 0 here, so a partial run never fails on it).
COV_MIN ?= 0
COVERAGE ?= --cov=kindred --cov-report=term:skip-covered --cov-fail-under=$(COV_MIN)
# On Python 3.12+ coverage listens through sys.monitoring, which costs a fraction of 3.11's
# trace function (docs/decisions/0015-python-3-12-for-the-test-suite.md).

.PHONY: run test lint format bench messages compilemessages install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

compilemessages: $(VENV)/.installed
	$(KINDRED) compilemessages -v 0

run: install compilemessages
	$(KINDRED) migrate --noinput -v 0
	$(KINDRED) demo
	@echo "Kindred is serving http://$(HOST):$(PORT)/ with a background worker (Ctrl+C stops both)"
	$(KINDRED) worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(KINDRED) runserver $(HOST):$(PORT) --noreload

test: install-dev compilemessages
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src/kindred/allocation
	COVERAGE_CORE=$$($(BIN)/python -c 'import sys; print("sysmon" if sys.version_info >= (3, 12) else "ctrace")') \
		$(BIN)/python -m pytest $(PYTEST_ARGS) $(COVERAGE)

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src/kindred/allocation

format: install-dev
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

messages: install-dev
	cd src/kindred && ../../$(KINDRED) makemessages -l en -l sv -l da -l fi -l bg -l uk --no-obsolete --no-location --ignore '.venv' -v 0
	$(KINDRED) fillsourcelanguage -v 0
	$(KINDRED) compilemessages -v 0

bench: install-dev
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/duplicates.py
	$(BIN)/python bench/people_import.py
	$(BIN)/python bench/people_search.py
	$(BIN)/python bench/goods_stock.py
	$(BIN)/python bench/allocation.py

clean:
	rm -rf $(VENV) var
