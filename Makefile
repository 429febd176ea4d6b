# Consultation warehouse. `make run` builds everything from the landing folder; `make test` tests.
# Needs only Python 3.11 and make: the first target that needs the environment creates .venv.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed

# The consultation pack: an id under consultations/ or a path to a pack folder (survey/pack.py).
SURVEY_CONSULTATION ?= mopac_pcp_2021
PACK_DIR := $(if $(wildcard consultations/$(SURVEY_CONSULTATION)/questionnaire.yaml),$(CURDIR)/consultations/$(SURVEY_CONSULTATION),$(abspath $(SURVEY_CONSULTATION)))
PACK_ID := $(notdir $(PACK_DIR))
SAMPLE_LANDING_DIR := $(CURDIR)/data/sample_landing/$(PACK_ID)
SURVEY_LANDING_DIR ?= $(SAMPLE_LANDING_DIR)
SURVEY_BUILD_DIR ?= $(CURDIR)/build/$(PACK_ID)
# Absolute paths: dbt resolves relative ones from its own working directory.
override SURVEY_LANDING_DIR := $(abspath $(SURVEY_LANDING_DIR))
override SURVEY_BUILD_DIR := $(abspath $(SURVEY_BUILD_DIR))
DAGSTER_HOME := $(SURVEY_BUILD_DIR)/dagster
DBT := $(BIN)/dbt --quiet
DBT_ARGS := --project-dir dbt_project --profiles-dir dbt_project
export SURVEY_CONSULTATION SURVEY_LANDING_DIR SURVEY_BUILD_DIR DAGSTER_HOME
export DBT_LOG_PATH ?= $(CURDIR)/dbt_project/target/logs
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
# Byte-compiled modules are written and reused (the packages' at install, the project's on first
# import): without them every process (pytest, each Dagster run, dbt) compiles its imports anew.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help env run test test-fast lint lock dagster-dev parse sample clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The editable install uses compat mode (the repo root on sys.path): packages added later import
# without a reinstall, and win over same-named test folders (tests/ingest) pytest puts on sys.path.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --python $(BIN)/python --compile-bytecode requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -C editable_mode=compat -e .
	touch $@

env: $(STAMP)  ## Create or update .venv from requirements.lock

# Parsed once: again only when the dbt project, the environment or the profile's values have
# changed. dbt re-parses the whole project in every `dbt build` whose profile (the warehouse
# path, the memory limit) differs from the parse's, so the parse records what it was made for.
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \
	\( -name '*.sql' -o -name '*.yml' -o -name '*.py' \) -print)
PARSED_FOR := dbt_project/target/.parsed-for
PARSE_KEY := $(SURVEY_BUILD_DIR) $(SURVEY_DBT_MEMORY_LIMIT)
$(shell mkdir -p dbt_project/target && { test "$$(cat $(PARSED_FOR) 2>/dev/null)" = \
	"$(PARSE_KEY)" || echo "$(PARSE_KEY)" > $(PARSED_FOR); })

$(MANIFEST): $(DBT_SOURCES) $(STAMP) $(PARSED_FOR)
	$(DBT) parse $(DBT_ARGS)

parse: env $(MANIFEST)  ## Write the dbt manifest Dagster reads (dbt_project/target/manifest.json)

# The bundled sample is regenerated whenever the generator or the pack it reads has changed.
SAMPLE_INPUTS := $(wildcard sample_generator/*.py) $(shell find $(PACK_DIR) -type f 2>/dev/null)
SAMPLE_STAMP := $(SAMPLE_LANDING_DIR)/.generated

$(SAMPLE_STAMP): $(SAMPLE_INPUTS) | $(STAMP)
	rm -rf $(SAMPLE_LANDING_DIR)
	$(BIN)/python -m sample_generator --out $(SAMPLE_LANDING_DIR)
	touch $@

sample: env  ## Generate the bundled sample exports (again if the generator has changed)
ifeq ($(SURVEY_LANDING_DIR),$(SAMPLE_LANDING_DIR))
sample: $(SAMPLE_STAMP)
endif

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(@D)
	cp $< $@

run: parse sample $(DAGSTER_HOME)/dagster.yaml  ## Materialise every asset into $SURVEY_BUILD_DIR (VERBOSE=1: full log)
	VERBOSE=$(VERBOSE) $(BIN)/python -m orchestration.run

# Two pytest-xdist workers, one per core. make test hands them whole files, so a module or
# session fixture is built at most once per worker (tests/conftest.py); test-fast, test by test.
TEST_WORKERS ?= 2

test: parse  ## Run the test suite (each test builds in its own temporary folder)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: env  ## The tests that run neither dbt nor a Dagster job (the inner loop)
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not slow" -q

lint: env  ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: env  ## Re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		-o requirements.lock

dagster-dev: parse sample $(DAGSTER_HOME)/dagster.yaml  ## Open the Dagster UI on http://127.0.0.1:3000
	cd $(DAGSTER_HOME) && $(BIN)/dagster dev -m orchestration.definitions -d $(CURDIR)

clean:  ## Remove build/ and dbt_project/target/ (not .venv, not the landing folder)
	rm -rf build dbt_project/target

# Benchmark (benchmarks/, docs/scaling.md). Quick mode: make bench BENCH_SIZES=sample,10k
BENCH_SIZES ?= sample,100k,1M
BENCH_REPEATS ?=
BENCH_DIR = $(SURVEY_BUILD_DIR)/bench
BALANCE_VENV = $(BENCH_DIR)/balance-venv

.PHONY: bench bench-env

# weightipy and psutil into .venv (again after a `uv pip sync` removed them); balance into its own
# venv, as its releases cannot share requirements.lock's scipy and numpy.
bench-env: env
	$(BIN)/python -c 'import weightipy, psutil' 2>/dev/null || \
		$(BIN)/uv pip install --python $(BIN)/python --require-hashes -r requirements-bench.lock
	test -x $(BALANCE_VENV)/bin/python || { $(BIN)/uv venv --quiet --python $(BIN)/python \
		$(BALANCE_VENV) && $(BIN)/uv pip install --python $(BALANCE_VENV)/bin/python \
		--require-hashes -r benchmarks/peers/requirements-balance.lock; } || \
		echo "balance could not be installed: the raking comparison reports it as n/a"

bench: bench-env  ## Benchmark sample, 100k, 1M respondents (BENCH_SIZES, BENCH_REPEATS)
	$(BIN)/python -m benchmarks --sizes $(BENCH_SIZES) --out $(BENCH_DIR) \
		--balance-python $(BALANCE_VENV)/bin/python $(if $(BENCH_REPEATS),--repeats $(BENCH_REPEATS))
