# Two commands do all the set-up on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every package of the tree, pinned, with its hashes (`make lock` writes it; see the README).
LOCK   := requirements.lock
# The tool that writes the lock, and the throwaway environment it runs in.
PIP_TOOLS := pip-tools==7.7.0
# What installing needs, locked too: pip (the one a new virtual environment comes with may be
# too old to hash-check a dependency asked for with an extra: pip before 24 fails on
# weasyprint's fonttools[woff]; it is replaced first, by the lock's, checked against its hash)
# and setuptools, careleaf's build backend (pyproject.toml), for its editable install.
INSTALL_TOOLS := pip==26.3 setuptools==84.2.1
LOCK_VENV := .venv-lock
# PDF dates from the last commit, so that a fresh clone builds the same bytes.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
# Material prints a notice about MkDocs 2 on every build; careleaf's core already keeps MkDocs
# at arm's length (see the README), so the notice is only noise here.
export NO_MKDOCS_2_WARNING ?= 1

.PHONY: site serve test check lint clean bench lock

# The virtual environment, rebuilt when the pins change. Every package comes from
# requirements.lock and is checked against the SHA-256 the lock records for it (pip's
# hash-checking mode: a package that is missing from the lock, unpinned, or whose file differs,
# is refused); careleaf itself is then installed from this folder, without dependencies.
$(STAMP): pyproject.toml $(LOCK)
	@echo "Setting up .venv: the pinned Python packages of $(LOCK) (MkDocs, Material,"
	@echo "WeasyPrint, pdfium, Playwright, the test tools; about 500 MB). This takes about 2-3"
	@echo "minutes the first time, and happens again only when the pins change."
	$(PYTHON) -m venv $(VENV)
	@echo "[1/3] pip, as the lock pins it"
	awk '/^[^ #]/ { keep = /^pip==/ } keep' $(LOCK) >$(VENV)/pip.lock
	$(BIN)/pip install --quiet --require-hashes -r $(VENV)/pip.lock
	@echo "[2/3] installing the $$(grep -c '^[A-Za-z0-9]' $(LOCK)) packages of $(LOCK), each checked against its hash"
	$(BIN)/pip install --progress-bar on --require-hashes -r $(LOCK)
	@echo "[3/3] installing careleaf itself (editable, from this folder)"
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)
	@echo "Installed. Building..."

## lock: pin the whole tree again, with the hashes of every file of every package, into
## requirements.lock: after a pin in pyproject.toml changed, or a package was added to it.
## The versions the lock already pins are kept where the pins allow (pip-compile prefers them).
## pip-compile runs in a virtual environment of its own, dropped afterwards.
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS)
	printf '%s\n' $(INSTALL_TOOLS) >$(LOCK_VENV)/install-tools.in
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes \
	  --allow-unsafe --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file $(LOCK) pyproject.toml $(LOCK_VENV)/install-tools.in
	rm -rf $(LOCK_VENV)

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
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf site dist $(VENV)
