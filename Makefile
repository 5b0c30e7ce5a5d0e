# Sigma LMS — the two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run dev test lint messages db-stop clean tutor-model run-with-model test-tutor-model

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make run: install, start the database, migrate, load demo data when empty, serve with gunicorn.
run: $(VENV)/.installed
	@scripts/system-deps.sh --warn
	@PORT=$(PORT) scripts/serve.sh

## make dev: the same with Django's autoreloading development server.
dev: $(VENV)/.installed
	@scripts/system-deps.sh --warn
	@PORT=$(PORT) SERVER=runserver scripts/serve.sh

## make test: install (the tutor's small model too), lint, check migrations, run the whole suite on PostgreSQL.
## The suite includes a tutor exchange with a real model (tutoring/tests/test_real_model.py): the first install
## on a machine compiles llama.cpp (~8 min on 2 cores, docs/tutor.md); pip caches the wheel, later runs take seconds.
test: $(VENV)/.installed-dev
	scripts/system-deps.sh
	PYTHON=$(PYTHON) scripts/tutor-model.sh install
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=lms.settings_test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2

## make tutor-model: llama.cpp's OpenAI-compatible server with SmolLM2-135M on 127.0.0.1:8899 (builds it once).
tutor-model:
	PYTHON=$(PYTHON) scripts/tutor-model.sh serve

## make run-with-model: that server, and `make run` with the tutor pointed at it.
run-with-model: $(VENV)/.installed
	PYTHON=$(PYTHON) PORT=$(PORT) scripts/tutor-model.sh run

## make test-tutor-model: only the tutor's real-model test (a whole exchange through the OpenAI-compatible
## provider and the streaming view against that server; `make test` runs it with everything else).
test-tutor-model: $(VENV)/.installed-dev
	PYTHON=$(PYTHON) scripts/tutor-model.sh test

## make messages: refresh the translation catalogs (locale/<code>/LC_MESSAGES/django.po) from the code and
## templates, then compile them into the committed .mo files. `make messages LOCALE=fr` starts a new language
## (add it to LANGUAGES in lms/settings.py too). Needs GNU gettext (scripts/system-deps.sh installs it for make test).
MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=.llama-venv --ignore=staticfiles --ignore=var --ignore=media --ignore=bench --ignore=node_modules
messages: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=lms.settings_test $(PY) manage.py makemessages $(if $(LOCALE),--locale=$(LOCALE),--all) --no-obsolete --no-location $(MAKEMESSAGES_IGNORE)
	DJANGO_SETTINGS_MODULE=lms.settings_test $(PY) manage.py compilemessages $(MAKEMESSAGES_IGNORE)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

db-stop: $(VENV)/.installed
	$(PY) -m lms.embedded_db stop

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
