# Two commands: `make run` (install, migrate the embedded SQLite database, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert
# The tests also draw vertical (縦書き) Japanese cards, which needs a Japanese font; the web app's tests drive
# Debian's chromium through Playwright (never `playwright install`).
TEST_APT_PACKAGES := fonts-ipafont-gothic chromium
STAMP := $(VENV)/.installed-stamp

.PHONY: install system-deps migrate run test lint typecheck pytest bench translations

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing system packages:$$missing; install them with: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

install: system-deps $(STAMP)

migrate: install
	$(BIN)/meishi db upgrade

run: migrate
	$(BIN)/meishi run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check contacts ocr tests migrations examples
	$(BIN)/ruff format --check contacts ocr tests migrations examples

typecheck: install
	$(BIN)/mypy

pytest: install
	@$(MAKE) --no-print-directory system-deps APT_PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"
	$(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck pytest

bench: install
	$(BIN)/python -m tests.bench

# The web app's catalogues: re-extract the strings, merge them into each .po, compile the .mo files (committed).
translations: install
	$(BIN)/pybabel -q extract -F contacts/web/babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  -o contacts/web/translations/messages.pot .
	$(BIN)/pybabel -q update -i contacts/web/translations/messages.pot -d contacts/web/translations --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d contacts/web/translations --statistics
