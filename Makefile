# CareerPath: `make run` starts the embedded app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= 1

.PHONY: run test lint check setup-db clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	@touch $(STAMP)

## run: create the environment, migrate, load the seed frameworks and the demo organisation, serve
run: $(STAMP) setup-db
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

setup-db: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_frameworks
	$(BIN)/python manage.py seed_demo
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the accounts above."

## test: the whole test suite (SQLite locally; PostgreSQL when DATABASE_URL is set, as in CI)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff, Django's checks and the migrations check
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
