# Service Standards: every day-to-day command. `make help` lists them.
# Nothing needs activating: every tool runs from .venv/bin.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install; older than pyproject.toml means "install again".
INSTALL_STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Which benchmark scripts `make bench` runs, e.g. BENCH=bench/book.py
BENCH ?= bench/*.py

.DEFAULT_GOAL := help
.PHONY: messages lighthouse help install run test lint format migrations-check check-deploy bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@$(PYTHON) -c 'import sys' 2>/dev/null || { \
		echo "Python 3.11 or newer is needed: '$(PYTHON)' was not found." >&2; \
		echo "Install it, or point make at one: make PYTHON=python3.12 ..." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Python 3.11 or newer is needed; '$(PYTHON)' is $$($(PYTHON) -c 'import platform; print(platform.python_version())')." >&2; \
		echo "Install a newer Python, or point make at one: make PYTHON=python3.12 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --quiet -e '.[dev]'
	@touch $(INSTALL_STAMP)

install: $(INSTALL_STAMP) ## Create .venv and install the project with its dev tools

run: $(INSTALL_STAMP) ## Migrate, load the demo company and serve http://127.0.0.1:8000
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(INSTALL_STAMP) ## Run the test suite (extra pytest options: PYTEST_ARGS="-k journeys -x")
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(INSTALL_STAMP) ## Check formatting, lint rules and types
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/python scripts/messages.py --check

messages: $(INSTALL_STAMP) ## Extract new strings, fill the English catalogue, compile both
	$(BIN)/python scripts/messages.py

lighthouse: $(INSTALL_STAMP) ## Lighthouse scores of the phone pages (needs `make run` in another terminal and npm)
	$(BIN)/python scripts/lighthouse.py

format: $(INSTALL_STAMP) ## Format the code and apply the safe lint fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(INSTALL_STAMP) ## Fail when a model change has no migration
	$(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: $(INSTALL_STAMP) ## Run Django's deployment checks with production settings
	DEBUG=false ALLOWED_HOSTS=example.com \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(45))')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

bench: $(INSTALL_STAMP) ## Run the benchmarks in bench/ (one of them: BENCH=bench/book.py)
	@set -e; found=0; \
	for script in $(BENCH); do \
		[ -e "$$script" ] || continue; found=1; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done; \
	[ $$found = 1 ] || echo "No benchmark matches $(BENCH)."

clean: ## Remove .venv, caches, collected static files and test output (keeps db.sqlite3)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles test-results bench/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf *.egg-info
