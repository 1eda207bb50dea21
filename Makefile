# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOME_DIR ?= loyalloop-data

.PHONY: demo test install install-dev lint typecheck pytest pg-ready clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/loyalloop --home $(HOME_DIR) demo

# lint-imports: the layer rule of docs/architecture.md (contracts in pyproject.toml)
lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

# The operational store's tests run on PostgreSQL too: start Debian's cluster(s) when installed
# but down, and give the current OS user a role (the tests connect through the Unix socket and
# create and drop their own database). Without PostgreSQL those tests skip and say why.
pg-ready:
	@if command -v pg_lsclusters >/dev/null 2>&1; then \
	  pg_lsclusters --no-header | awk '$$4 == "down" {print $$1, $$2}' | \
	    while read ver name; do pg_ctlcluster "$$ver" "$$name" start || true; done; \
	  if [ "$$(id -u)" = 0 ] && ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$$(id -un)'\"" | grep -q 1; then \
	    su postgres -c "createuser --superuser $$(id -un)"; \
	  fi; \
	fi

# OMP_WAIT_POLICY=PASSIVE: LightGBM's OpenMP threads otherwise spin, slowing a busy 2-core box.
# The suite runs in PYTEST_WORKERS processes (pytest-xdist; 0 = in this process only).
PYTEST_WORKERS ?= 2
pytest: install-dev pg-ready
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) $(HOME_DIR) .pytest_cache .mypy_cache .ruff_cache
