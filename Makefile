# The two commands a new user needs: `make run` and `make test`. Both set everything up from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup lint browser-deps bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

run: setup
	$(BIN)/anxin migrate --noinput -v0
	$(BIN)/anxin demo --if-empty
	$(BIN)/anxin serve --port $(PORT)

# Browser tests drive Debian's chromium; Chinese text needs a CJK font.
browser-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wenquanyi; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "浏览器测试需要 chromium 和中文字体：sudo apt-get install -y chromium fonts-wqy-microhei" >&2; exit 1; \
	  fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/anxin check
	$(BIN)/anxin makemigrations --check --dry-run -v1
	$(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/demo_load.py

clean:
	rm -rf $(VENV) node_modules var/test-artifacts
