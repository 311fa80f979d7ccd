# Two commands do all the set-up on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# PDF dates from the last commit, so that a fresh clone builds the same bytes.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
# Material prints a notice about MkDocs 2 on every build; careleaf's core already keeps MkDocs
# at arm's length (see the README), so the notice is only noise here.
export NO_MKDOCS_2_WARNING ?= 1

.PHONY: site serve test check lint clean bench

# The virtual environment, rebuilt when the pins change.
$(STAMP): pyproject.toml requirements.lock
	@echo "Setting up .venv: the pinned Python packages of requirements.lock (MkDocs, Material,"
	@echo "WeasyPrint, pdfium, Playwright, the test tools; about 500 MB). This takes about 2-3"
	@echo "minutes the first time, and happens again only when the pins change."
	$(PYTHON) -m venv $(VENV)
	@echo "[1/2] upgrading pip"
	$(BIN)/pip install --quiet --upgrade pip
	@echo "[2/2] installing careleaf and $$(grep -c '==' requirements.lock) pinned packages"
	$(BIN)/pip install --progress-bar on -c requirements.lock -e '.[test]'
	touch $(STAMP)
	@echo "Installed. Building..."

## site: install, then build the site and every handout, in every language, into site/
## (verified, in Chromium for the pages, before it replaces the old site/)
site: $(STAMP)
	@command -v chromium-headless-shell >/dev/null 2>&1 || bash .ci/install-system-packages
	$(BIN)/careleaf build

## serve: live preview of the site; every source folder is watched, an edit rebuilds what it
## reaches
serve: $(STAMP)
	$(BIN)/careleaf serve

## check: validate content, handouts and clinic profiles
check: $(STAMP)
	$(BIN)/careleaf check

## test: install (with the browser the tests drive), then run the whole suite, in two processes
## (pytest-xdist; each test file runs whole in one of them, so its module fixtures are made once)
test: $(STAMP)
	@command -v chromium-headless-shell >/dev/null 2>&1 || bash .ci/install-system-packages
	$(BIN)/pytest -q -n 2 --dist loadfile

## bench: measure builds on a synthetic chain of 20 clinics; writes bench-results.json
## (several runs, medians; 16-40 minutes on 2 cores, by the machine). BENCH_ARGS="--clinics 2 --runs 1"
## for a quick look.
bench: $(STAMP)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests macros
	$(BIN)/ruff format --check src tests macros
	$(BIN)/mypy

clean:
	rm -rf site dist $(VENV)
