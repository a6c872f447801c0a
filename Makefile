# Every target works on a fresh machine with only python3: it builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pulumi-nuon demo

test: $(STAMP)
	$(BIN)/ruff check provider tests examples
	$(BIN)/ruff format --check provider tests examples
	$(BIN)/mypy
	$(BIN)/pytest

docs: $(STAMP)
	$(BIN)/python -m tests.docs
	$(BIN)/python -m pulumi_nuon.native.schema

bench: $(STAMP)
	$(BIN)/pytest tests/bench -m benchmark -s -p no:cacheprovider

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
