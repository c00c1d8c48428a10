# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_DB ?= demo.db
DEMO_ROWS ?= 200000

.PHONY: install run demo test lint typecheck pytest bench screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Create and fill the demo database if it is missing.
demo: $(STAMP)
	@[ -f "$(DEMO_DB)" ] || $(PY) -m app.demo --url "sqlite:///$(DEMO_DB)" --events $(DEMO_ROWS)

## Set everything up and browse the demo database.
run: demo
	DATABASE_URL="sqlite:///$(DEMO_DB)" $(VENV)/bin/dbbrowse

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest

## Lint, type check and the whole test suite.
test: lint typecheck pytest

bench: $(STAMP)
	$(PY) -m bench

## Regenerate screenshots/: the snapshot scenes, then the README's pictures (their databases are
## generated once into ~/.cache/dbbrowse-screens). PNGs need monospace and CJK fonts: installed
## here from Debian if missing.
SCREENSHOT_FONTS := fonts-dejavu-core fonts-dejavu-extra fonts-noto-cjk fonts-symbola
screenshots: $(STAMP)
	@fc-list -q "DejaVu Sans Mono" && fc-list -q "Noto Sans Mono CJK SC" && fc-list -q Symbola \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SCREENSHOT_FONTS); }
	$(PY) -m tests.tui.screenshots
	$(PY) -m tests.tui.readme_pictures

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
