# featureline — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REQUEST ?= examples/requests/bookmarks.md
OUT ?= out/bookmarks
# Debian's chromium, driven by Playwright in the UI browser tests (`playwright install`
# cannot reach its download host from these machines, so the system browser is used)
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test test-slow lint typecheck check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(CHROMIUM):
	@echo "installing Debian's chromium for the UI browser tests"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# `langgraph dev` lives in a venv of its own: langgraph-api pins jsonschema-rs<0.45, which no
# Schemathesis with today's checks accepts. featureline goes in without its fuzzing dependency.
LANGGRAPH_VENV := .venv-langgraph
LANGGRAPH_STAMP := $(LANGGRAPH_VENV)/.installed
$(LANGGRAPH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(LANGGRAPH_VENV)
	$(LANGGRAPH_VENV)/bin/pip install --quiet --upgrade pip
	$(PYTHON) -c 'import tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print("\n".join(d for d in deps if not d.startswith("schemathesis")))' > $(LANGGRAPH_VENV)/requirements.txt
	$(LANGGRAPH_VENV)/bin/pip install --quiet 'langgraph-cli[inmem]>=0.4,<1' -r $(LANGGRAPH_VENV)/requirements.txt
	$(LANGGRAPH_VENV)/bin/pip install --quiet --no-deps -e .
	touch $(LANGGRAPH_STAMP)

run: $(STAMP)
	$(BIN)/featureline run $(REQUEST) --provider builtin --gates auto --export $(OUT) --force

# the fast tier: everything but the tests marked slow (see SLOW in tests/conftest.py)
test: $(STAMP) $(CHROMIUM) $(LANGGRAPH_STAMP)
	$(BIN)/pytest -q -m "not slow"

# the slow tier: verified runs in the sandbox, kill -9 and resume, browsers, races (CI runs it)
test-slow: $(STAMP) $(CHROMIUM) $(LANGGRAPH_STAMP)
	$(BIN)/pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test test-slow

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_offline_run.py
	$(BIN)/python benchmarks/bench_builtin_service.py
	$(BIN)/python benchmarks/bench_prompt_tokens.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_compile.py

clean:
	rm -rf $(VENV) $(LANGGRAPH_VENV) .featureline out

# featureline ui: its security tests and its browser tests (Debian chromium via .ci/run).
.PHONY: test-ui
test-ui: $(STAMP)
	$(BIN)/pytest -q tests/test_ui_security.py tests/test_ui_browser.py
