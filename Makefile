# Two commands do all the set-up on a fresh machine: `make run` (the service and chat UI) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test unit lint install chromium ingest clean-db

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, the CPU build pinned in constraints.txt (else pip pulls the CUDA build)
	$(BIN)/python -m pip install --quiet -c constraints.txt torch
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/cortex serve

test: $(STAMP) chromium lint
	$(BIN)/python -m pytest

# the unit tests alone: no Postgres, no browser, seconds
unit: $(STAMP)
	$(BIN)/python -m pytest -m unit

lint: $(STAMP)
	$(BIN)/ruff check .

# the browser tests drive Debian's Chromium (Playwright's own browser download is not used)
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

ingest: $(STAMP)
	$(BIN)/cortex ingest

clean-db:
	rm -rf .cortex/pgdata
