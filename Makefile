# The two commands of the README:  make run  (first look)  and  make test  (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run on every core (pytest-xdist); PYTEST_ARGS="-n 0" runs them in one process.
PYTEST_ARGS ?= -n auto

.PHONY: run test install install-dev lint format migrate seed worker beat messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

# First look: SQLite, tasks in-process, demo data and logins printed, server on 127.0.0.1:8000.
run: export DEBUG = 1
run: export DEMO_MODE = 1
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver_with_jobs $(HOST):$(PORT)

# Whole suite: lint, Django checks, migrations in step, pytest (unit, integration, Playwright).
# Uses DATABASE_URL / REDIS_URL when set (CI: PostgreSQL and Redis), SQLite otherwise.
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker:
	$(BIN)/celery -A privacy_portal worker --loglevel=info

beat:
	$(BIN)/celery -A privacy_portal beat --loglevel=info

# Refresh the English catalogue after changing texts (needs gettext's msgfmt), then translate
# the new entries in locale/en/LC_MESSAGES/django.po and run this again to compile them.
messages:
	DEBUG=1 $(BIN)/python manage.py makemessages -l en --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*" --ignore "var/*"
	cd locale && DEBUG=1 ../$(BIN)/python ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) db.sqlite3 var/staticfiles
