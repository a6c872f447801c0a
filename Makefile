# Every target works on a fresh machine with only python3: it builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test soak docs bench clean

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
