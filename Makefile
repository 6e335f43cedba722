# INS Portal — `make run` starts everything on a fresh machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_PASSWORD ?= demo-ins-2026
INSI_PORT ?= 8001
export INSI_ENDPOINT ?= http://127.0.0.1:$(INSI_PORT)/lps

.PHONY: install install-dev run test lint migrations-check worker beat simulator

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo --password $(DEMO_PASSWORD)
	@echo ""
	@echo "INS Portal on http://127.0.0.1:8000 — demo logins (password: $(DEMO_PASSWORD)):"
	@echo "  agent     admission agent"
	@echo "  referent  identity-vigilance referent"
	@echo "  auditor   auditor (read-only)"
	@echo "  admin     administrator (Django admin at /admin/)"
	@echo ""
	DJANGO_DEBUG=1 $(PY) manage.py insi_simulator --port $(INSI_PORT) & \
	  SIM=$$!; trap "kill $$SIM" EXIT INT TERM; \
	  DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: install-dev
	$(PY) -m pytest -q -rs

lint: install-dev
	$(PY) -m ruff check .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

worker: install
	$(VENV)/bin/celery -A insportal worker -l info

beat: install
	$(VENV)/bin/celery -A insportal beat -l info

simulator: install
	$(PY) manage.py insi_simulator --port $(INSI_PORT)
