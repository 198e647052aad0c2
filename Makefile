# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo content is written around this moment; the real date would show only history.
DEMO_NOW ?= 2026-11-18T10:30:00+00:00
HOST ?= 127.0.0.1:8000

.PHONY: run test lint check status bench clean editor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

## run: install, check and build the demo into build/site, serve it at http://$(HOST)
# mkdocs serve rebuilds and reloads the browser when content/ or site_templates/ change.
run: $(STAMP)
	PUBLISHER_NOW=$(DEMO_NOW) $(BIN)/publisher check content
	PUBLISHER_NOW=$(DEMO_NOW) $(BIN)/publisher status content
	PUBLISHER_NOW=$(DEMO_NOW) $(BIN)/publisher build content --out build/site
	@echo "Serving the demo at http://$(HOST)/ as of $(DEMO_NOW) (Ctrl-C stops)"
	PUBLISHER_NOW=$(DEMO_NOW) NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs serve -a $(HOST)

## test: install with test extras; lint, type-check, check the import layers, run the suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## editor: install Decap CMS and decap-server (pinned, into .cache/), then run the browser
# editor on http://localhost:8080/, saving into this repository (docs/editor.md)
DECAP := decap-cms@3.16.3 decap-server@3.11.3
editor: $(STAMP)
	npm install --prefix .cache --no-audit --no-fund --silent $(DECAP)
	$(BIN)/publisher editor content --serve

check: $(STAMP)
	PUBLISHER_NOW=$(DEMO_NOW) $(BIN)/publisher check content

status: $(STAMP)
	PUBLISHER_NOW=$(DEMO_NOW) $(BIN)/publisher status content

bench: $(STAMP)
	$(BIN)/python bench/check_bench.py

clean:
	rm -rf build .pytest_cache
