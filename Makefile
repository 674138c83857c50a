# The README's verbs. Everything a fresh machine needs is installed from the pinned files here.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# Development defaults: a secret key generated into var/, SQLite and the embedded broker unless
# DATABASE_URL / CELERY_BROKER_URL say otherwise. Production sets DEBUG=0 and real secrets.
export DEBUG ?= 1

.PHONY: run test lint format install install-dev lock banner banner-check bench manage clean

$(VENV)/.base: requirements/base.txt
	$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r requirements/base.txt
	touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.txt
	$(BIN)/python -m pip install -q --require-hashes -r requirements/dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.base
install-dev: $(VENV)/.dev node_modules/.installed

run: install  ## set up and serve web + worker + beat on http://127.0.0.1:$(PORT)
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve --port $(PORT)

manage: install  ## run a management command with the development defaults: make manage ARGS="create_api_key Demo"
	$(BIN)/python manage.py $(ARGS)

test: install-dev  ## set up and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev  ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

banner: node_modules/.installed  ## rebuild static/banner/dist from static/banner/src
	npm run --silent build

banner-check: node_modules/.installed  ## fail when the committed bundle differs from a fresh build
	npm run --silent build
	git diff --exit-code --stat -- static/banner/dist

bench: install-dev  ## every bench beside its bare baseline, quick sizes (BENCH_FULL=1: full) -> bench/results.md
	$(BIN)/python bench/run.py

lock: $(VENV)/.dev  ## re-pin requirements/*.txt from requirements/*.in
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --generate-hashes --no-emit-index-url --no-emit-find-links -o base.txt base.in
	cd requirements && ../$(BIN)/pip-compile -q --strip-extras --generate-hashes --no-emit-index-url --no-emit-find-links -o dev.txt dev.in

clean:
	rm -rf $(VENV) node_modules var
