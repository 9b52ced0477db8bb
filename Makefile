# The README's two set-up commands are `make run` and `make test`; both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FORECAST_HOME ?= $(CURDIR)/var

.PHONY: run test lint format bench demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: build the demo world, run the weekly job on it (features, backtest, train, score)
run: $(STAMP)
	$(BIN)/forecast demo
	$(BIN)/forecast features build
	$(BIN)/forecast status

## test: lint and the whole test suite (real-data tests skip when ../shared/data is absent)
test: $(STAMP) lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: speed and memory figures (ingest, features, training)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_features.py
	$(BIN)/python benchmarks/bench_training.py

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
