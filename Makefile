# Every target works on a fresh machine with only python3: it builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The TypeScript examples' node modules (@pulumi/pulumi pinned to 3.248.x, the last release for Node.js 20), installed
# once from npm into their ignored node_modules/. Without npm the step only says so (the tests skip without node).
TS_EXAMPLES := examples/typescript examples/typescript-gate
NODE_STAMPS := $(TS_EXAMPLES:%=%/node_modules/.installed)

.PHONY: demo test soak docs bench clean

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

demo: $(STAMP)
	$(BIN)/pulumi-nuon demo

test: $(STAMP) $(NODE_STAMPS)
	$(BIN)/ruff check provider tests examples
	$(BIN)/ruff format --check provider tests examples
	$(BIN)/mypy
	$(BIN)/pytest

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(TS_EXAMPLES:%=%/node_modules)
