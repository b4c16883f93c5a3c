# Solidarité territoriale — `make help` lists the targets.
# The two commands of the README: `make demo` (run the platform) and `make test` (run the tests).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install lock demo static migrate territoire zonage annuaire indemnisation test lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 est nécessaire ($(PYTHON) introuvable ; PYTHON=... pour en indiquer un autre)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install exactly the tested versions (requirements.lock), with the development tools

lock: install ## Recompute requirements.lock from pyproject.toml (after changing a dependency)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet -o requirements.lock

migrate: install ## Create or update the database (SQLite under var/ unless DATABASE_URL says otherwise)
	$(BIN)/python -m solidarite migrate --noinput

territoire: migrate ## Load the territory of France from ../shared/data (idempotent)
	$(BIN)/python -m solidarite load_territoire

zonage: territoire ## Compute the zones into var/zonage/ and make them the active zones ("proposition calculée")
	$(BIN)/python -m solidarite zonage --out var/zonage --save --activate

annuaire: zonage ## Seed the demonstration lieux, volunteers and six weeks of confirmed missions (labelled, seeded; once)
	$(BIN)/python -m solidarite demo
	$(BIN)/python -m solidarite demo_continuite

indemnisation: annuaire ## Seed the demonstration realised days and monthly statements (past counterparts of the demo missions; once), and publish the last closed quarter's open data
	$(BIN)/python -m solidarite demo_indemnisation
	$(BIN)/python -m solidarite pilotage publier --trimestre dernier --si-absent

static: install ## Collect the static files into var/static (hashed names, gzip and brotli copies)
	$(BIN)/python -m solidarite collectstatic --noinput --verbosity 0

# The demonstration is what a visitor sees: Django's debug pages (in English, listing the routes) stay off unless
# DJANGO_DEBUG=true is given; the development sign-in (/connexion/dev/) does not depend on it.
demo: annuaire indemnisation static ## Run the platform on SQLite with the real data, on http://$(HOST):$(PORT), with the background worker
	@echo "Solidarité territoriale : http://$(HOST):$(PORT)/  (Ctrl+C pour arrêter)"
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-false} SOLIDARITE_BASE_URL=$${SOLIDARITE_BASE_URL:-http://$(HOST):$(PORT)}; \
	$(BIN)/python -m solidarite worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python -m solidarite serveur --host $(HOST) --port $(PORT)

test: install ## Run the test suite (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL)
	$(BIN)/python -m solidarite makemigrations --check --dry-run
	$(BIN)/python -m pytest

lint: install ## ruff, mypy on the pure cores, and the layering of the contexts (import-linter)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## Format the code
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install ## Run the benchmarks under bench/ (a few minutes)
	$(BIN)/python bench/travel_matrix.py
	$(BIN)/python bench/orthographe.py
	$(BIN)/python bench/apl_vs_access.py
	$(BIN)/python bench/planning.py
	$(BIN)/python -m bench.booking

clean: ## Remove the local database and collected files (not .venv)
	rm -rf var/
