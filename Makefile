# Every target works on a fresh machine with only python3: it builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The TypeScript example's node modules (@pulumi/pulumi pinned to 3.248.x, the last release for Node.js 20), installed
# once from npm into its ignored node_modules/. Without npm the step only says so (the test is skipped without node).
TS_EXAMPLE := examples/typescript
NODE_STAMP := $(TS_EXAMPLE)/node_modules/.installed

.PHONY: demo test lint typecheck unit bench clean

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
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/pytest tests/bench -m benchmark -s -p no:cacheprovider

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(TS_EXAMPLE)/node_modules
