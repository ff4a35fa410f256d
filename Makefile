# Two commands do everything on a fresh machine: `make brief` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SRC    := report tests benchmarks

.PHONY: setup system-deps test-deps brief test lint typecheck bench bench-backfill clean

setup: system-deps $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

test-deps:
	@bash scripts/system-deps.sh --test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## Build an edition into output/ and print the paths written: from real data when FRED_API_KEY is set
## (fetch first; a provider that fails is reported and the edition shows what is missing), else the demo.
brief: setup
	@if [ -n "$$FRED_API_KEY" ]; then \
	  $(BIN)/brief fetch || echo "warning: some series could not be fetched; building from what the store holds" >&2; \
	  $(BIN)/brief build; \
	else \
	  $(BIN)/brief build --demo; \
	fi

## Lint, type-check and run the test suite.
test: setup test-deps lint typecheck
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)

typecheck: $(STAMP)
	$(BIN)/mypy

## Time a warm demo build against a plain WeasyPrint script (alternated: wall time and ratio, peak memory, output
## sizes), then the preview refresh the same way; BENCH_RUNS timed runs of each (default 5). Results in
## benchmarks/results/. The 52-week backfill takes several minutes: `make bench-backfill`.
BENCH_RUNS ?= 5
bench: setup
	$(BIN)/python benchmarks/bench_build.py --runs $(BENCH_RUNS)
	$(BIN)/python benchmarks/bench_preview.py --runs $(BENCH_RUNS)

bench-backfill: setup
	$(BIN)/python benchmarks/bench_backfill.py --baseline

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache dist build
