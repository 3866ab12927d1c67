# Two commands do all the set-up on a fresh machine:
#   make app    — start the planner app on the bundled data   (make run: solve the reference scenario in the terminal)
#   make test   — create the environment and run every test
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install system-deps lint test test-fast run app bench data clean

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

lint: install
	$(PY) -m ruff check .

test: install system-deps lint
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

run: install
	$(VENV)/bin/hubplan solve data/scenarios/reference.yaml --out out/reference --html

# Listens on 127.0.0.1 only (.streamlit/config.toml). To let other machines connect, say so:
#   make app ADDRESS=0.0.0.0   (anyone who can reach the port can then use the app)
ADDRESS ?= 127.0.0.1
PORT ?= 8501
app: install
	@echo "hubplan app on http://$(ADDRESS):$(PORT)  (listening on $(ADDRESS); 'make app ADDRESS=0.0.0.0' exposes it to the network)"
	$(VENV)/bin/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

bench: install
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_stochastic.py
	$(PY) benchmarks/bench_hourly.py
	$(PY) benchmarks/bench_alternatives.py

data: install
	$(PY) data/derive_demand.py
	$(PY) data/make_profiles.py

clean:
	rm -rf out .pytest_cache
