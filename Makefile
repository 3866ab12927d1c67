# Two commands do all the set-up on a fresh machine:
#   make app    — start the planner app on the bundled data   (make run: solve the reference scenario in the terminal)
#   make test   — create the environment and run every test
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install system-deps iamc-venv lint test test-fast run app bench data clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Debian chromium and a CJK font for the browser test (never a downloaded browser).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "WenQuanYi Zen Hei"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	  else echo "note: run as root or install chromium and fonts-wqy-zenhei for the browser test"; fi; \
	fi
	@# readers of the outputs (tests/reports/test_netcdf_readers.py, test_print.py): ncdump, UDUNITS for cfchecker, LibreOffice
	@if ! command -v ncdump >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1 || ! ldconfig -p | grep -q libudunits2; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq netcdf-bin libudunits2-0 libreoffice-calc >/dev/null; \
	  else echo "note: run as root or install netcdf-bin libudunits2-0 libreoffice-calc for the output-reader tests"; fi; \
	fi

# pyam (tests/reports/test_iamc.py reads the IAMC export back) in an environment of its own: its pins
# (pyam-iamc 3: pandas < 3; 4: matplotlib < 3.11 and ixmp4's httpx) cannot share hubplan's;
# ixmp4 0.14 (under pyam-iamc 3) breaks on SQLAlchemy 2.1
.venv-iamc/.installed:
	python3 -m venv .venv-iamc
	.venv-iamc/bin/python -m pip install -q "pyam-iamc>=3,<5" "SQLAlchemy>=2.0,<2.1"
	touch $@

iamc-venv: .venv-iamc/.installed

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/pyright  # formulation/, solve/, results/ ([tool.pyright] in pyproject.toml)

test: install system-deps iamc-venv lint
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

run: install
	$(VENV)/bin/hubplan solve data/scenarios/reference.yaml --out out/reference --html

# Listens on 127.0.0.1 only (.streamlit/config.toml). To let other machines connect, say so:
#   make app ADDRESS=0.0.0.0   (anyone who can reach the port can then use the app)
ADDRESS ?= 127.0.0.1
PORT ?= 8501
app: install  # OPENBLAS_NUM_THREADS=1: Streamlit imports numpy before model/__init__.py could set it (docs/performance.md)
	@echo "hubplan app on http://$(ADDRESS):$(PORT)  (listening on $(ADDRESS); 'make app ADDRESS=0.0.0.0' exposes it to the network)"
	OPENBLAS_NUM_THREADS=1 $(VENV)/bin/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

bench: install
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_stochastic.py
	$(PY) benchmarks/bench_hourly.py
	$(PY) benchmarks/bench_alternatives.py
	$(PY) benchmarks/bench_app.py

data: install
	$(PY) data/derive_demand.py
	$(PY) data/make_profiles.py

clean:
	rm -rf out .pytest_cache
