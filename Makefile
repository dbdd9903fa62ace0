# dealresearch — `make help` lists the targets. `make report` and `make test` set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DR := $(VENV)/bin/dealresearch
STAMP := $(VENV)/.installed
SAMPLE := data/raw/sample
STORE := data/processed/CURRENT

.DEFAULT_GOAL := help
.PHONY: help venv fonts browser sample ingest report test test-fast lint bench lab clean

help: ## Show this help
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z_-]+:.*## /{printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the project with its dev tools

fonts: ## Install CJK fonts when missing (charts; a TrueType face embedded in PDFs) (Linux, apt)
	@scripts/system-deps.sh fonts

browser: ## Install chromium and poppler-utils (offline browser tests, report --pdf, PDF test)
	@scripts/system-deps.sh browser

$(SAMPLE)/truth.json: | $(STAMP)
	$(DR) sample --out $(SAMPLE)

sample: $(SAMPLE)/truth.json ## Generate the sample CRM exports (deterministic, seed 0)

# exit code 1 means "rows were rejected, data committed" (the sample plants some on purpose);
# 2 (bad input or arguments) and 3 (internal error, traceback in data/interim/logs/) stop make
$(STORE): $(SAMPLE)/truth.json
	$(DR) ingest --sample --quiet || [ $$? -eq 1 ]

ingest: $(STORE) ## Ingest the sample exports into data/processed

report: venv fonts ingest ## Run the quarterly reports for the latest complete quarter
	$(DR) report --latest --overwrite

test: venv fonts browser ## Run the whole test suite (incl. notebook runs and the offline browser test)
	$(VENV)/bin/pytest -q

test-fast: venv ## Run the tests without the end-to-end ones
	$(VENV)/bin/pytest -q -m "not e2e"

lint: venv ## Lint (ruff) and check the import contracts (import-linter)
	$(VENV)/bin/ruff check dealresearch tests benchmarks
	$(VENV)/bin/lint-imports

bench: venv ## Run the benchmarks (slow; prints ratios)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lab: venv ## Open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab notebooks/explore/00_explore.ipynb

clean: ## Remove generated data and reports (keeps .venv and raw exports you added)
	rm -rf $(SAMPLE) data/processed/* data/interim/* reports/*
	@touch data/processed/.gitkeep data/interim/.gitkeep reports/.gitkeep
