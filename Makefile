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

# The benchmark compares with PostgreSQL's COPY, so it needs PostgreSQL whatever DATABASE_URL
# says; it keeps its own database (created and migrated here) and rolls back all it writes.
# The page benchmark keeps a national history (156 weeks) in a second database and reuses it;
# the ingest ratio is printed again at the very end, as the last line.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreboard_bench
BENCH_PAGES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreboard_bench_pages
BENCH_PAGES_ARGS ?=
bench: $(STAMP)
	$(PY) scripts/ensure_database.py $(BENCH_DATABASE_URL)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench_ingest | tee .bench-ingest.log
	$(PY) scripts/ensure_database.py $(BENCH_PAGES_DATABASE_URL)
	DATABASE_URL=$(BENCH_PAGES_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_PAGES_DATABASE_URL) $(PY) manage.py bench_pages $(BENCH_PAGES_ARGS)
	@tail -n 1 .bench-ingest.log

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
