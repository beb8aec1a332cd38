# CareerPath: `make run` starts the embedded app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= 1

.PHONY: run test lint check setup-db clean stop-worker

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	@touch $(STAMP)

## run: create the environment, migrate, load the seed frameworks and the demo organisation,
## then serve the app with a Celery worker and beat on the embedded (filesystem) broker
run: $(STAMP) setup-db
	$(BIN)/python manage.py collectstatic --noinput -v0
	@mkdir -p var
	@$(BIN)/celery -A careerpath worker --beat --pool=solo --loglevel=INFO \
	  --pidfile=var/celery.pid --logfile=var/celery.log --schedule=var/celerybeat-schedule \
	  --detach
	@echo "Celery worker and beat running (log: var/celery.log)."
	@trap '$(MAKE) --no-print-directory stop-worker' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

stop-worker:
	@test -f var/celery.pid && kill $$(cat var/celery.pid) 2>/dev/null; rm -f var/celery.pid; true

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
