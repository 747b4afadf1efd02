# Pathways — `make help` lists the targets.
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help install system-deps run serve worker test test-deps lint bench screenshots clean

help: ## This list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: system-deps $(VENV)/.installed node_modules/.installed pathways/static/vendor/.installed ## Virtualenv, dependencies, front-end assets

system-deps: ## What the tool needs from Debian at run time: Pango and a font (the PDF reports)
	@if ! ldconfig -p | grep -q 'libpango-1.0.so.0' || ! ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; fi

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	# --ignore-scripts: the DSFR's install script refuses to run outside its own projects.
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

pathways/static/vendor/.installed: node_modules/.installed tools/vendor_assets.py
	$(PYTHON) tools/vendor_assets.py
	touch $@

# The job queue's consumer runs beside the web server and stops with it.
WITH_WORKER = $(FLASK) worker & worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT;

# In development the e-mails are captured (instance/mail-capture/, listed on « Courriels capturés »).
run: export MAIL_BACKEND ?= capture
run: install ## Migrate, load the demo once, serve on http://127.0.0.1:5000 (with the job consumer)
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(WITH_WORKER) $(FLASK) run --host $(HOST) --port $(PORT)

serve: install ## Production-like: gunicorn, 4 workers, and the job consumer (set DATABASE_URL for PostgreSQL)
	$(FLASK) db upgrade
	# Long work (imports, large exports) runs in the job consumer: a request never needs long.
	$(WITH_WORKER) $(VENV)/bin/gunicorn --workers 4 --preload --timeout 60 --bind $(HOST):$(PORT) wsgi:app

worker: install ## The job queue's consumer alone (servers of a deployment, with REDIS_URL)
	$(FLASK) worker

test-deps: ## PostgreSQL, Redis, Chromium, LibreOffice Calc, poppler, Pango: installed when missing
	@if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi
	@if ! command -v redis-server >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; fi
	@if ! command -v chromium >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
	@# The printed bilan's check: LibreOffice converts it to PDF, poppler counts its pages.
	@if ! command -v soffice >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null; fi
	@if ! command -v pdfinfo >/dev/null || ! command -v pdftotext >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; fi
	@# The HTTP bench's load tool (make bench).
	@if ! command -v wrk >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; fi

test: install test-deps ## Every test, on SQLite and PostgreSQL
	$(VENV)/bin/ruff check .
	$(PYTHON) -m pytest -n 2 --dist loadgroup

lint: install ## ruff
	$(VENV)/bin/ruff check .

bench: install test-deps ## Benchmarks on both databases, then the pages over HTTP at national size (README)
	$(PYTHON) -m bench
	# The pages at national size (PATHWAYS_BENCH_NATIONAL…): exits non-zero on a sequential scan.
	$(PYTHON) -m bench.http

screenshots: install test-deps ## Retake the README's screenshots on a fresh demo (desktop and phone)
	$(PYTHON) tools/screenshots.py

clean: ## Remove the virtualenv, node_modules and built assets
	rm -rf $(VENV) node_modules pathways/static/vendor
