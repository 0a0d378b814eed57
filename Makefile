# painpath: `make run` serves the demo clinic; `make test` runs the whole suite on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ENV := PAINPATH_DEMO_MODE=1

.PHONY: run test install dev-install services bench packs-check clean

# uv installs the same packages as pip (same resolver answer, checked with `pip freeze`) in seconds instead of
# half a minute, which `make test` on a fresh clone pays every time.
UV := $(BIN)/uv pip install --quiet --python $(BIN)/python

$(BIN)/painpath: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(UV) -e .
	touch $@

install: $(BIN)/painpath

run: install
	$(DEMO_ENV) $(BIN)/painpath db upgrade
	$(DEMO_ENV) $(BIN)/painpath packs check
	$(DEMO_ENV) $(BIN)/painpath demo
	@echo "painpath is starting on http://127.0.0.1:8000"
	$(DEMO_ENV) $(BIN)/painpath serve --host 127.0.0.1 --port 8000

dev-install: install
	$(UV) -e '.[dev]'
	bash scripts/ensure-chromium.sh

services:
	bash scripts/ensure-services.sh

test: dev-install services
	PAINPATH_TEST_DB=sqlite bash scripts/run-tests.sh
	# The browser journeys drive the same services and queries both passes test; once, on SQLite, keeps CI near its budget.
	PAINPATH_TEST_DB=postgresql bash scripts/run-tests.sh -m "not e2e"

bench: dev-install services
	$(BIN)/python -m bench.worklist_bench
	$(BIN)/python -m bench.authorization_readiness_bench --postgres
	$(BIN)/python -m bench.concurrency_bench

packs-check: install
	$(DEMO_ENV) $(BIN)/painpath packs check

clean:
	rm -rf var .pytest_cache
