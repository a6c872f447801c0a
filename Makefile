# Every target works on a fresh machine with only python3: it builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The TypeScript examples' node modules (@pulumi/pulumi pinned to 3.248.x, the last release for Node.js 20), installed
# once from npm into their ignored node_modules/. Without npm the step only says so (the tests skip without node).
TS_EXAMPLES := examples/typescript examples/typescript-gate
NODE_STAMPS := $(TS_EXAMPLES:%=%/node_modules/.installed)

# LocalEngine, the stand-in engine the tests and the demo run programs with, is a distribution of its own
# (tools/localengine, `nuon-localengine`: not part of what users install); .venv has it, editable, beside the package.
LOCALENGINE := tools/localengine

# The declared floors (tests/constraints-floor.txt: pulumi 3.171, httpx 0.23.1, pydantic 2.1 and what they pull in)
# in a second venv, without LocalEngine (it needs pulumi >= 3.256), running the tests that need no LocalEngine.
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed
FLOOR_TESTS := tests/unit tests/simulator tests/layout tests/cli/test_cli.py tests/functions/test_functions.py \
	tests/reliability/test_spec_fuzz.py tests/native/test_protocol.py tests/native/test_sdk.py

.PHONY: differential demo test test-cpu test-deps test-main test-floor test-floor-beside soak docs bench clean pulumi-cli e2e sdks sdkgen go-modules java-deps plugin-archive plugin-release sdk-wheel

# Bytecode: these machines set PYTHONDONTWRITEBYTECODE=1, under which every process a test run starts (pytest
# workers, provider hosts, program processes, CLI runs: about 250) would compile this checkout's modules again, and
# every pytest worker rewrite the tests again. A test run keeps its bytecode in a cache inside its venv instead
# (PYTHONPYCACHEPREFIX), filled when the venv is built; the tree gets no __pycache__, so the benchmarks' "not cached"
# rows stay true. Measured: 10 s of the suite's CPU (README, "How long make test takes").
PYCACHE = env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/$(1)/pycache

# compileall fails on the odd third-party file that is not meant to compile; that only leaves it uncached.
$(STAMP): pyproject.toml $(LOCALENGINE)/pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e $(LOCALENGINE)
	-@$(call PYCACHE,$(VENV)) $(BIN)/python -m compileall -qq -j 0 $(VENV)/lib provider $(LOCALENGINE) tests examples
	touch $(STAMP)

examples/%/node_modules/.installed: examples/%/package.json examples/%/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd examples/$* && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "npm not found: examples/$*'s node modules are not installed and its tests will be skipped"; \
	fi

# The generated SDKs (sdk/, from the schema by tools/sdkgen: Pulumi's code generators called as the language hosts
# call them; docs/sdks.md). sdk/nodejs is TypeScript: it is compiled into sdk/nodejs/bin (ignored), the package the
# TypeScript gate example installs, by the tsc and @pulumi/pulumi of tools/sdkgen/nodejs.
SDK_NODEJS_BUILD := tools/sdkgen/nodejs/node_modules/.installed
SDK_NODEJS_BIN := sdk/nodejs/bin/package.json

$(SDK_NODEJS_BUILD): tools/sdkgen/nodejs/package.json tools/sdkgen/nodejs/package-lock.json
	cd tools/sdkgen/nodejs && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed

$(SDK_NODEJS_BIN): $(SDK_NODEJS_BUILD) $(wildcard sdk/nodejs/*.ts sdk/nodejs/*/*.ts) sdk/nodejs/package.json
	rm -rf sdk/nodejs/bin
	tools/sdkgen/nodejs/node_modules/.bin/tsc -p tools/sdkgen/nodejs
	cp sdk/nodejs/package.json sdk/nodejs/README.md sdk/nodejs/bin/

examples/typescript-gate/node_modules/.installed: $(SDK_NODEJS_BIN)

# Rewrite sdk/ from provider/pulumi_nuon/native/schema.json (make docs writes the schema from the tables).
sdks: $(STAMP)
	@gen=$$(bash tools/sdkgen/build.sh | tail -n 1) && $$gen -schema provider/pulumi_nuon/native/schema.json -out sdk
	@gen=$$(bash tools/sdkgen/build.sh dotnet | tail -n 1) && $$gen -schema provider/pulumi_nuon/native/schema.json -out sdk
	@gen=$$(bash tools/sdkgen/build.sh java | tail -n 1) && $$gen -schema provider/pulumi_nuon/native/schema.json -out sdk
	@$(MAKE) --no-print-directory $(SDK_NODEJS_BIN)

# The generators' binaries, built once and cached outside the checkout (tools/sdkgen/build.sh); without Go the step
# only says so (tests/sdk then skip).
sdkgen:
	@if command -v go >/dev/null 2>&1; then bash tools/sdkgen/build.sh >/dev/null && bash tools/sdkgen/build.sh dotnet >/dev/null \
		&& bash tools/sdkgen/build.sh java >/dev/null; else \
		echo "go not found: tools/sdkgen is not built and tests/sdk will be skipped"; fi

# What tests/sdk compile sdk/java against (tools/sdkgen/java/pom.xml: the com.pulumi:pulumi and other libraries
# sdk/java/build.gradle declares, and Maven's plugins), fetched once into ~/.m2 so the test compiles offline (javac
# against the classpath `mvn -o dependency:build-classpath` resolves from the pom);
# without Maven the step only says so (the test then skips).
JAVA_DEPS_STAMP := tools/sdkgen/java/target/.fetched
java-deps: $(JAVA_DEPS_STAMP)
$(JAVA_DEPS_STAMP): tools/sdkgen/java/pom.xml
	@if command -v mvn >/dev/null 2>&1; then mvn -q -B -f tools/sdkgen/java/pom.xml dependency:go-offline \
		&& mkdir -p $(@D) && touch $@; else echo "mvn not found: sdk/java will not be compiled by tests/sdk"; fi

# The Go SDK, the Go example and make e2e's Go driver, compiled once into Go's caches: tests/sdk vet and build them
# offline (GOPROXY=off) within pytest's time limit, so a new machine must have their modules fetched and Pulumi's Go
# SDK compiled first (about 4 minutes on an empty Go build cache; seconds once cached). `go list -export` compiles
# every package as `go build` does but links nothing: `go build -o /dev/null` linked the two programs again on every
# make test (7.8 s of CPU against 1.9 s, medians of 3 pairs, warm caches); tests/sdk link them once (`go install`).
GO_MODULES := sdk examples/go-gate tests/e2e/drive_go
go-modules:
	@if command -v go >/dev/null 2>&1; then for m in $(GO_MODULES); do \
		(cd $$m && GOFLAGS=-mod=readonly go list -deps -export ./... >/dev/null) || exit 1; done; fi

$(FLOOR_STAMP): pyproject.toml tests/constraints-floor.txt
	rm -rf $(FLOOR_VENV)
	$(PY) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FLOOR_VENV)/bin/python -m pip install --quiet -c tests/constraints-floor.txt -e '.[test]'
	-@$(call PYCACHE,$(FLOOR_VENV)) $(FLOOR_VENV)/bin/python -m compileall -qq -j 0 $(FLOOR_VENV)/lib provider tests
	touch $(FLOOR_STAMP)

# The real Pulumi CLI when there is one (on PATH, or built by `make pulumi-cli`), else LocalEngine (it says so).
demo: $(STAMP)
	@bin=$$(bash tools/pulumi-cli/build.sh --find 2>/dev/null); \
	$(BIN)/pulumi-nuon demo $${bin:+--pulumi-bin $$bin}

# The suite runs in TEST_WORKERS pytest-xdist workers, and the floor run goes beside it (a second make job, its
# output kept in a file and shown after the main run's): most of the suite's time is provider hosts, programs and
# node processes starting and waiting, which overlap. Four workers measured fastest on this 2-core machine (README,
# "How long make test takes"). A make job rather than `&`: a shell's background job ignores SIGINT, and so would
# the processes the Ctrl-C tests start.
TEST_WORKERS ?= 4
FLOOR_LOG := $(FLOOR_VENV)/last-run.txt
FLOOR_PYTEST := $(call PYCACHE,$(FLOOR_VENV)) $(FLOOR_VENV)/bin/python -m pytest -q -p no:cacheprovider $(FLOOR_TESTS)

# What make test needs built: the venvs, the TypeScript examples' node modules (and so the Node.js SDK's build),
# tools/sdkgen (tests/sdk regenerate the SDKs with it and compare) and the Go modules tests/sdk build from.
test-deps: $(STAMP) $(NODE_STAMPS) $(FLOOR_STAMP) sdkgen go-modules java-deps

test: test-deps
	$(BIN)/ruff check provider $(LOCALENGINE) tests examples
	$(BIN)/ruff format --check provider $(LOCALENGINE) tests examples
	$(BIN)/mypy
	@$(MAKE) --no-print-directory -k -j2 test-main test-floor-beside; rc=$$?; \
	echo "--- the floor run: the same tests at the declared floors ($(FLOOR_VENV), tests/constraints-floor.txt; make test-floor alone):"; cat $(FLOOR_LOG); exit $$rc

# The run is CPU-bound, so LocalEngine does not start a Python program's next process ahead of its next operation
# (NUON_LOCALENGINE_START_AHEAD=0): most were never used, each a Python process importing the Pulumi SDK for nothing
# (docs/performance.md, "How long make test takes"); tests/engine checks the mechanism with it on.
test-main: $(STAMP) $(NODE_STAMPS)
	$(call PYCACHE,$(VENV)) NUON_LOCALENGINE_START_AHEAD=0 $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

test-floor-beside: $(FLOOR_STAMP)
	@$(FLOOR_PYTEST) > $(FLOOR_LOG) 2>&1

test-floor: $(FLOOR_STAMP)
	$(FLOOR_PYTEST)

# make test with its CPU counted: every process it starts, those that outlive their parent included, and (where
# BSD process accounting is permitted: root on Linux) broken down by kind of process (tools/cpu_account.py;
# docs/performance.md, "How long make test takes").
test-cpu: test-deps
	@$(PY) tools/cpu_account.py -- $(MAKE) --no-print-directory test

# The long reliability runs (tests/soak: a 200-install fleet through 30 simulated minutes with 5 % faults, eight
# gates in one program, leak counts) and the spec fuzzing with 2,000 examples per property.
soak: $(STAMP)
	$(BIN)/pytest tests/soak -m soak -s -p no:cacheprovider
	NUON_FUZZ_EXAMPLES=2000 $(BIN)/pytest tests/reliability/test_spec_fuzz.py -p no:cacheprovider

docs: $(STAMP)
	$(BIN)/python -m tests.docs
	$(BIN)/python -m pulumi_nuon.native.schema

# The real Pulumi CLI (and the YAML language host, and the scripts the engine runs for Python dynamic providers),
# built from Pulumi's Go modules at the version tools/pulumi-cli/go.mod pins and cached outside the checkout; a
# `pulumi` on PATH at or above that version is used instead. Seconds once cached (docs/real-pulumi.md).
pulumi-cli:
	@bash tools/pulumi-cli/build.sh

# Every example through the real CLI against the simulator (tests/e2e), offline: state under .pulumi-nuon-state/.
# Two workers (each makes its examples' venv once, as their READMEs say); a test's limit covers that venv too.
e2e: $(STAMP) $(NODE_STAMPS)
	@bin=$$(bash tools/pulumi-cli/build.sh) && \
	PULUMI_NUON_CLI_BIN=$$bin $(call PYCACHE,$(VENV)) $(BIN)/pytest tests/e2e -m e2e -p no:cacheprovider -n 2 --timeout 900

# The differential table measured for docs/engine.md: every scenario of tests/e2e/differential.py through the real
# CLI and LocalEngine, DIFFERENTIAL_PAIRS interleaved runs of each, one worker; the figures go to
# docs/differential.json and `make docs` renders docs/engine.md's table from it. (make e2e runs the same test once.)
DIFFERENTIAL_PAIRS ?= 3
differential: $(STAMP)
	@bin=$$(bash tools/pulumi-cli/build.sh) && \
	PULUMI_NUON_CLI_BIN=$$bin NUON_DIFFERENTIAL_PAIRS=$(DIFFERENTIAL_PAIRS) \
	NUON_DIFFERENTIAL_RESULTS=docs/differential.json \
	NUON_DIFFERENTIAL_COMMAND="make differential DIFFERENTIAL_PAIRS=$(DIFFERENTIAL_PAIRS)" \
	$(call PYCACHE,$(VENV)) $(BIN)/pytest tests/e2e/test_differential.py -m e2e -p no:cacheprovider --timeout 1800
	@$(MAKE) --no-print-directory docs

# The plugin as users install it: dist/pulumi-resource-nuon-v<version>.tar.gz, for
# `pulumi plugin install resource nuon <version> --file <archive>` (tools/plugin_archive.py; make e2e installs it so).
plugin-archive: $(STAMP)
	$(BIN)/python tools/plugin_archive.py dist

# The same archive under the names a release publishes for the engine to download, one per platform
# (pulumi-resource-nuon-v<version>-<os>-<arch>.tar.gz): docs/registry/installation-configuration.md.
plugin-release: $(STAMP)
	$(BIN)/python tools/plugin_archive.py --release dist/release

# The generated Python SDK as a wheel: dist/pulumi_nuon_native-<version>-py3-none-any.whl, with the
# pulumi-plugin.json from which Pulumi's Python host infers the plugin (tools/python_sdk_wheel.py; make e2e checks it).
sdk-wheel: $(STAMP)
	$(BIN)/python tools/python_sdk_wheel.py dist

bench: $(STAMP)
	$(BIN)/pytest tests/bench -m benchmark -s -p no:cacheprovider

# Everything the targets and tests make in the checkout: the venvs (with their bytecode caches), the tools' caches,
# hypothesis's example database, the editable install's egg-info, the node modules, the last bench results.
clean:
	rm -rf .pulumi-nuon-state/e2e $(VENV) $(FLOOR_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis \
		provider/*.egg-info $(LOCALENGINE)/src/*.egg-info bench-results.json $(TS_EXAMPLES:%=%/node_modules) \
		sdk/nodejs/bin tools/sdkgen/nodejs/node_modules tools/sdkgen/java/target
