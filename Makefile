# Every target works on a fresh machine with only python3: it builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The TypeScript example's node modules (@pulumi/pulumi pinned to 3.248.x, the last release for Node.js 20), installed
# once from npm into its ignored node_modules/. Without npm the step only says so (the test is skipped without node).
TS_EXAMPLE := examples/typescript
NODE_STAMP := $(TS_EXAMPLE)/node_modules/.installed

.PHONY: demo test soak docs bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): $(TS_EXAMPLE)/package.json $(TS_EXAMPLE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(TS_EXAMPLE) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "npm not found: $(TS_EXAMPLE)'s node modules are not installed and its test will be skipped"; \
	fi

demo: $(STAMP)
	$(BIN)/pulumi-nuon demo

test: $(STAMP) $(NODE_STAMP)
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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(TS_EXAMPLE)/node_modules
