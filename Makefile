# Every target bootstraps .venv itself, so a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint unit bench expected clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,integration]"
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/clearance serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check registry cli clearance_client tests bench examples scripts
	$(BIN)/ruff format --check registry cli clearance_client tests bench examples scripts
	$(BIN)/mypy

# The store tests need a real PostgreSQL server: ensure-postgres.sh installs it if missing
# (as root) and prints its bin dir; tests/pgserver.py runs throwaway servers from there.
# pytest exits 5 when it collects no test: that is a failure of the suite, say so plainly.
unit: $(STAMP)
	pg_out=$$(bash scripts/ensure-postgres.sh) || exit 1; \
	CLEARANCE_PG_BIN=$$(printf '%s\n' "$$pg_out" | tail -n 1); export CLEARANCE_PG_BIN; \
	$(BIN)/python -m pytest -n 2 -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

test: lint unit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]" \
		|| echo "cedarpy did not install: the cedar column will be skipped" >&2
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.api_writes
	$(BIN)/python -m bench.litellm_match
	$(BIN)/python -m bench.cli_start
	$(BIN)/python -m bench.yaml_load
	$(BIN)/python -m bench.gate_output
	$(BIN)/python -m bench.catalog_seal

# Rewrite policies/expected/*.json, the README example and the gate golden files from the
# current catalog; review the diff: it shows exactly which permissions a change moves.
expected: $(STAMP)
	CLEARANCE_UPDATE_EXPECTED=1 $(BIN)/python -m pytest -q tests/test_examples.py tests/test_readme.py tests/registry/gate/test_gate.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
