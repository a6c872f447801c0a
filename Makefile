# Every target works on a fresh machine with only python3: it builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The TypeScript examples' node modules (@pulumi/pulumi pinned to 3.248.x, the last release for Node.js 20), installed
# once from npm into their ignored node_modules/. Without npm the step only says so (the tests skip without node).
TS_EXAMPLES := examples/typescript examples/typescript-gate
NODE_STAMPS := $(TS_EXAMPLES:%=%/node_modules/.installed)

# The declared floors (tests/constraints-floor.txt: pulumi 3.171, httpx 0.23.1, pydantic 2.1 and what they pull in)
# in a second venv, running the tests that need no LocalEngine (which itself needs pulumi >= 3.256).
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed
FLOOR_TESTS := tests/unit tests/simulator tests/layout tests/cli/test_cli.py tests/functions/test_functions.py \
	tests/reliability/test_spec_fuzz.py tests/native/test_protocol.py tests/native/test_sdk.py

.PHONY: demo test test-floor soak docs bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

examples/%/node_modules/.installed: examples/%/package.json examples/%/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd examples/$* && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "npm not found: examples/$*'s node modules are not installed and its tests will be skipped"; \
	fi

$(FLOOR_STAMP): pyproject.toml tests/constraints-floor.txt
	rm -rf $(FLOOR_VENV)
	$(PY) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FLOOR_VENV)/bin/python -m pip install --quiet -c tests/constraints-floor.txt -e '.[test]'
	touch $(FLOOR_STAMP)

demo: $(STAMP)
	$(BIN)/pulumi-nuon demo

test: $(STAMP) $(NODE_STAMPS)
	$(BIN)/ruff check provider tests examples
	$(BIN)/ruff format --check provider tests examples
	$(BIN)/mypy
	$(BIN)/pytest
	$(MAKE) --no-print-directory test-floor

test-floor: $(FLOOR_STAMP)
	$(FLOOR_VENV)/bin/python -m pytest -q -p no:cacheprovider $(FLOOR_TESTS)

# The long reliability runs (tests/soak: a 200-install fleet through 30 simulated minutes with 5 % faults, eight
# gates in one program, leak counts) and the spec fuzzing with 2,000 examples per property.
soak: $(STAMP)
	$(BIN)/pytest tests/soak -m soak -s -p no:cacheprovider
	NUON_FUZZ_EXAMPLES=2000 $(BIN)/pytest tests/reliability/test_spec_fuzz.py -p no:cacheprovider

docs: $(STAMP)
	$(BIN)/python -m tests.docs
	$(BIN)/python -m pulumi_nuon.native.schema

bench: $(STAMP)
	$(BIN)/pytest tests/bench -m benchmark -s -p no:cacheprovider

clean:
	rm -rf $(VENV) $(FLOOR_VENV) .pytest_cache .mypy_cache .ruff_cache $(TS_EXAMPLES:%=%/node_modules)
