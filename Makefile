# pgtide's front door. `make demo` and `make test` work on a fresh Debian 12 machine.
.PHONY: all build deps test unit-test asan-test e2e-test demo bench clean format format-check

BUILD_DIR ?= build
ASAN_DIR  ?= build-asan
VENV      ?= $(CURDIR)/.venv
PYTEST_ARGS ?=

all: build

deps:
	@scripts/install-deps.sh $(DEPS_ARGS)

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPGTIDE_SANITIZE=ON

unit-test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
asan-test: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) --target pgtide_unit_tests pgtide_iceberg_tests
	ASAN_OPTIONS=detect_leaks=0 ctest --test-dir $(ASAN_DIR) --output-on-failure

# End-to-end: a real PostgreSQL and a real S3-compatible server, started by the tests.
e2e-test: build
	DEPS_ARGS=--spark scripts/install-deps.sh --spark
	PGTIDE_BIN=$(CURDIR)/$(BUILD_DIR)/src/pgtide/pgtide $(VENV)/bin/python -m pytest tests/e2e $(PYTEST_ARGS)

test: format-check unit-test asan-test e2e-test

demo: build
	scripts/demo.sh

bench: build
	bench/run.sh

# C++ sources as .clang-format says (Google base, 90 columns); CI fails on a difference.
CXX_SOURCES = $(shell git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.c')

format: deps
	clang-format -i $(CXX_SOURCES)

format-check: deps
	@clang-format --dry-run --Werror $(CXX_SOURCES) && echo "format-check: ok"

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
