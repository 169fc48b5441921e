# `make test` runs every test: lint, types, unit/property/fuzz tests and the end-to-end tests
# against the real Claude Code client. It installs what it needs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The end-to-end tests run against the oldest client version supported and the newest one
# verified (the newest on npm when it was last checked).
CLAUDE_CODE_VERSION := 2.1.197
CLAUDE_BIN := .cache/npm/node_modules/.bin/claude
CLAUDE_CODE_LATEST := 2.1.332
CLAUDE_LATEST_BIN := .cache/npm-latest/node_modules/.bin/claude

.PHONY: test lint deps clean bench

test: deps lint
	CLAUDE_BIN=$(CURDIR)/$(CLAUDE_BIN) $(PY) -m pytest
	CLAUDE_BIN=$(CURDIR)/$(CLAUDE_LATEST_BIN) $(PY) -m pytest tests/e2e

# `make bench` runs every benchmark (about 15 minutes): hook latency next to the floor, the
# service's throughput, memory, cold start and concurrency, and the real client with and without
# claude-guard. Each installs claude-guard with install.sh into a throwaway HOME.
bench: deps
	cd benchmarks && ../$(PY) bench_hook.py
	cd benchmarks && ../$(PY) bench_service.py
	cd benchmarks && CLAUDE_BIN=$(CURDIR)/$(CLAUDE_BIN) ../$(PY) bench_e2e.py

lint: deps
	$(VENV)/bin/ruff check claude_guard hooks tests benchmarks packaging
	$(VENV)/bin/mypy

deps: $(VENV)/.deps-installed $(CLAUDE_BIN) $(CLAUDE_LATEST_BIN)

$(VENV)/.deps-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(CLAUDE_BIN):
	mkdir -p .cache/npm
	npm install --silent --no-audit --no-fund --prefix .cache/npm @anthropic-ai/claude-code@$(CLAUDE_CODE_VERSION)
	test -x $(CLAUDE_BIN)

$(CLAUDE_LATEST_BIN):
	mkdir -p .cache/npm-latest
	npm install --silent --no-audit --no-fund --prefix .cache/npm-latest @anthropic-ai/claude-code@$(CLAUDE_CODE_LATEST)
	test -x $(CLAUDE_LATEST_BIN)

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
