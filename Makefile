# One-command set-up for a fresh machine: `make run`, then `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run setup test lint format bench up down messages clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list changes, so a second `make run` is fast.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --prefer-binary -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo

run: setup
	@echo "Serving on http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) manage.py bench_ingest

# Recompile translations after editing locale/*/LC_MESSAGES/django.po (needs gettext).
messages: $(STAMP)
	$(PY) manage.py makemessages -l vi -l en --ignore '.venv/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

up:
	docker compose up --build -d

down:
	docker compose down

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
