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
# SlipCover collects it (probes in the bytecode, removed once hit: a few per cent of the
# run, where coverage.py's trace function cost half on Python 3.11) and coverage.py counts
# it, so the figure is the one Kindred has always printed (docs/decisions/0016-*.md).
# COVERAGE= runs the suite without it.
COV_MIN ?= 0
COVERAGE ?= .slipcover.json
ifeq ($(strip $(COVERAGE)),)
PYTEST := $(BIN)/python -m pytest
else
PYTEST := $(BIN)/python -m slipcover --source src/kindred --json --out $(COVERAGE) -m pytest
endif

.PHONY: run test lint format bench messages compilemessages install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# --no-compile: Python compiles (and caches) only the modules it imports, on first use,
# instead of every installed file up front (23 s of the 62 s install, measured).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -e '.[dev]'
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
	$(BIN)/lint-imports --no-cache
	$(PYTEST) $(PYTEST_ARGS)
	$(if $(strip $(COVERAGE)),$(BIN)/python tests/report_coverage.py $(COVERAGE) --fail-under $(COV_MIN))

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src/kindred/allocation
	$(BIN)/lint-imports --no-cache

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
	$(BIN)/python bench/duplicates_fs.py
	$(BIN)/python bench/people_import.py
	$(BIN)/python bench/people_search.py
	$(BIN)/python bench/goods_stock.py
	$(BIN)/python bench/allocation.py
	$(BIN)/python bench/linkage.py

clean:
	rm -rf $(VENV) var
