# Komeji developer tasks.
#
#   make setup        venv + PostgreSQL + Redis + .local/env.sh (scripts/setup.sh; idempotent, fast)
#   make run          setup, migrate, demo data, then web + celery worker + beat (honcho, Procfile)
#   make test         setup, ruff check, ruff format --check, mypy, makemigrations --check, pytest
#                     (pytest arguments: make test PYTEST_ARGS="-k orders -x")
#   make lint         ruff check + ruff format --check
#   make lock         regenerate requirements/constraints.txt (LOCK_PIP_ARGS=--upgrade to upgrade all)
#   make clean-local  stop the private PostgreSQL/Redis started by setup, remove .local
#
# Knobs: PORT (web port, default 8000), KOMEJI_BIND (runserver address, default 127.0.0.1),
# KOMEJI_FORCE_PRIVATE_SERVICES=1 / KOMEJI_FORCE_PGSERVER=1 (see scripts/setup.sh).
#
# Every recipe line that needs DATABASE_URL/REDIS_URL sources .local/env.sh in the same
# shell line: make runs each line in its own shell.

SHELL := /bin/bash
.DEFAULT_GOAL := setup

VENV := .venv
PY := $(VENV)/bin/python
WITH_ENV := . .local/env.sh &&

PORT ?= 8000
PYTEST_ARGS ?=
MYPY_PATHS := komeji marketplace vendors orders payments complaints
LOCK_PIP_ARGS ?=
export LOCK_PIP_ARGS

.PHONY: setup run test lint lock clean-local

setup:
	bash scripts/setup.sh

# honcho gives each Procfile entry PORT = base + 100 * index; web is the first entry, so
# `-p $(PORT)` makes it listen on exactly $(PORT). (A PORT= line in .env, which honcho
# reads, would override it.)
run: setup
	$(WITH_ENV) $(PY) manage.py migrate --noinput
	$(WITH_ENV) $(PY) manage.py demo_data
	@$(WITH_ENV) host="$${KOMEJI_BIND:-127.0.0.1}" && \
	case "$$host" in 0.0.0.0|::|"") host=127.0.0.1 ;; esac && \
	echo && \
	echo "Komeji is starting on   http://$$host:$(PORT)/" && \
	echo "Admin (back office):    http://$$host:$(PORT)/admin/" && \
	echo "Stop with Ctrl-C." && \
	if [ -f .env ] && grep -qE '^[[:space:]]*(export[[:space:]]+)?PORT=' .env; then \
	  echo "warning: .env sets PORT, which honcho prefers to $(PORT): the web port differs from the URL above"; fi && \
	echo && \
	exec $(VENV)/bin/honcho -f Procfile start -p $(PORT)

test: setup
	$(WITH_ENV) $(VENV)/bin/ruff check .
	$(WITH_ENV) $(VENV)/bin/ruff format --check .
	$(WITH_ENV) $(VENV)/bin/mypy $(MYPY_PATHS)
	$(WITH_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(WITH_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint:
	bash scripts/setup.sh --venv-only
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lock:
	bash scripts/setup.sh --lock

clean-local:
	bash scripts/setup.sh --clean-local
