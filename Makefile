# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test lint install translations extract-messages bench clean constraints

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# the versions in constraints.txt: those `make test` last passed with (`make constraints`)
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

# constraints.txt anew: every dependency at its newest version pyproject.toml allows, in a
# throw-away virtualenv; then run `make test` and commit both.
constraints:
	rm -rf build/constraints-venv
	$(PYTHON) -m venv build/constraints-venv
	build/constraints-venv/bin/pip install -q --upgrade pip
	build/constraints-venv/bin/pip install -q '.[test]'
	{ sed -n '/^#/p' constraints.txt; build/constraints-venv/bin/pip freeze --exclude-editable \
	  | grep -v '^portal[ =@]'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf build/constraints-venv

install: $(STAMP)
	scripts/ensure-pdf-libs.sh

# The catalogues (.mo) are compiled from the .po files when the app starts, where missing or
# changed (portal/catalogues.py); this compiles them without starting it.
translations: $(STAMP)
	$(BIN)/python -c 'from portal import catalogues, translation_directories; catalogues.compiled(tuple(translation_directories()))'

# Refresh the catalogues from the code: the core one and one per feature package
# (portal/<pkg>/translations, portal/kinds/<kind>/translations). Lists untranslated msgids.
extract-messages: $(STAMP)
	$(BIN)/python scripts/extract_messages.py

run: install
	$(FLASK) db-upgrade
	$(FLASK) demo-data --if-empty
	$(FLASK) demo-logins
	@echo "Serving on http://127.0.0.1:5000"
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .

# The whole suite, each test against SQLite and against a throw-away PostgreSQL server,
# browser journeys in Debian's Chromium.
test: install lint
	scripts/ensure-chromium.sh
	scripts/ensure-production-tools.sh
	scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# Load benchmark at county scale (never part of `make test`): builds the dataset, runs
# gunicorn on loopback, drives it with Debian's wrk, prints one table, writes
# bench/results.json. `make bench DB=postgresql` uses a throw-away PostgreSQL server;
# `make bench SCALE=0.02` for a quick run. BENCH_ARGS passes more (--duration, --rebuild).
DB    ?= sqlite
SCALE ?= 1.0
bench: install
	scripts/ensure-wrk.sh
ifeq ($(DB),postgresql)
	scripts/with-postgres.sh $(BIN)/python -m bench.run --db postgresql --scale $(SCALE) $(BENCH_ARGS)
else
	$(BIN)/python -m bench.run --db sqlite --scale $(SCALE) $(BENCH_ARGS)
endif

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
