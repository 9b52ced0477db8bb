# The README's two set-up commands are `make run` and `make test`; both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FORECAST_HOME ?= $(CURDIR)/var

.PHONY: run test lint format bench system-deps lock clean

# Installs the exact, hash-checked pins of requirements-dev.lock (regenerate with `make lock`).
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: build the Mali demo world, run two weekly cycles on it (last week, then this week's
## delivery from the drop folder), write the bulletin, serve the API and map page
RETRAIN_OK = rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 10 ] || [ $$rc -eq 20 ] || exit $$rc
run: $(STAMP)
	$(BIN)/forecast demo --hold-back-weeks 1
	@# last week: the world up to last Sunday
	$(BIN)/forecast features build
	$(BIN)/forecast train
	$(BIN)/forecast score
	@# this week: the weekly job ingests the drop folder's new week, retrains, gates and scores
	@# (exit codes: 0 promoted, 10 trained but not promoted, 20 nothing new)
	$(BIN)/forecast retrain; $(RETRAIN_OK)
	$(BIN)/forecast bulletin
	$(BIN)/forecast status
	@echo
	@echo "An API key for trying the service (shown once; send it as X-API-Key):"
	@$(BIN)/forecast keys create "make run reader" --scope read --scope report
	@echo "Map page: http://127.0.0.1:8000/   API docs: http://127.0.0.1:8000/docs"
	$(BIN)/forecast serve --host 127.0.0.1 --port 8000 --workers 1

## test: lint and the whole test suite (real-data tests skip when ../shared/data is absent)
test: $(STAMP) lint system-deps
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/deptry .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Debian packages some tests drive for real: PostgreSQL (tests/ops), Chromium and poppler
# (browser test, PDF rendering), pango (weasyprint). Installed when missing and allowed
# (root with apt-get); otherwise those tests skip, naming what is missing.
SYSTEM_PACKAGES := postgresql chromium poppler-utils fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
			|| echo "could not install$$missing: their tests will skip"; \
	else echo "missing Debian packages:$$missing: their tests will skip"; fi

## bench: speed and memory figures (ingest, features, training, monthly and count backtests, API)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_features.py
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_pooled.py
	$(BIN)/python benchmarks/bench_monthly.py
	$(BIN)/python benchmarks/bench_counts.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_serving.py
	$(BIN)/python benchmarks/bench_backfill.py --block-weeks 156,260

## lock: regenerate requirements.lock and requirements-dev.lock after a dependency change
lock: $(STAMP)
	deploy/lock.sh

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
