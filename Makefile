# The two commands a new user needs: `make run` and `make test`. Both set everything up from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup lint messages system-deps browser-deps bench clean audit-deps lock-hashes

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

run: setup system-deps
	$(BIN)/anxin migrate --noinput -v0
	$(BIN)/anxin demo --if-empty
	$(BIN)/anxin serve --port $(PORT)

# Debian packages: a Chinese font embedded in posters and PDFs, poppler-utils to turn a poster
# into PNG; for the tests also chromium, which the browser tests drive.
SYSTEM_PACKAGES := fonts-wqy-microhei poppler-utils
system-deps:
	@if ! command -v pdftoppm >/dev/null || ! fc-list 2>/dev/null | grep -qi wenquanyi; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "海报和 PDF 需要中文字体和 poppler：sudo apt-get install -y $(SYSTEM_PACKAGES)" >&2; \
	  fi; \
	fi

browser-deps: system-deps
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >/dev/null; \
	  else \
	    echo "浏览器测试需要 chromium：sudo apt-get install -y chromium $(SYSTEM_PACKAGES)" >&2; exit 1; \
	  fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Recompile the project's wording of Django's messages after editing anxin/locale/*/LC_MESSAGES/django.po.
messages:
	msgfmt --check -o anxin/locale/zh_Hans/LC_MESSAGES/django.mo anxin/locale/zh_Hans/LC_MESSAGES/django.po

test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/anxin check
	$(BIN)/anxin makemigrations --check --dry-run -v1
	$(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/demo_load.py

# pip-audit and pip-tools live in their own venv, pinned in requirements-tools.lock.
TOOLS := .venv-tools
$(TOOLS)/.installed: requirements-tools.lock
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q -r requirements-tools.lock
	touch $@

# Known vulnerabilities in requirements.lock; exceptions with reasons in tools/audit-ignore.txt.
audit-deps: $(TOOLS)/.installed
	$(TOOLS)/bin/python tools/audit_deps.py

# Rewrite requirements.lock with the sha256 of every file of each pinned release (same versions).
lock-hashes: $(TOOLS)/.installed
	$(TOOLS)/bin/python tools/lock_hashes.py

clean:
	rm -rf $(VENV) $(TOOLS) node_modules var/test-artifacts
