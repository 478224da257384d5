# The two commands: `make run` and `make test`. Everything else is a helper.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60

.PHONY: all setup configure build run test test-sanitize fuzz bench clean

all: build

setup:
	@bash scripts/setup

configure: setup
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Builds, migrates and serves examples/saas-demo on SQLite at http://localhost:3000.
run: configure
	@cmake --build $(BUILD) -j $(JOBS) --target saas-demo
	cd examples/saas-demo && ../../$(BUILD)/bin/saas-demo migrate && exec ../../$(BUILD)/bin/saas-demo serve

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The same suites built with AddressSanitizer and UndefinedBehaviorSanitizer, except the
# scaffold tests (they compile a fresh app against the libraries, which is no memory check).
test-sanitize: setup
	@cmake -S . -B $(BUILD)-sanitize -G Ninja -DBUNBASE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug > /dev/null
	@cmake --build $(BUILD)-sanitize -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --test-dir $(BUILD)-sanitize --output-on-failure -j $(JOBS) -LE scaffold

# The libFuzzer targets of fuzz/, built with clang 14 and ASan + UBSan in $(BUILD)-fuzz, each run
# for FUZZ_SECONDS over a scratch copy of its seed corpus (fuzz/corpus/<target>).
fuzz: setup
	@FUZZ_BUILD=$(abspath $(BUILD)-fuzz) FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz

bench: build
	bench/run

clean:
	rm -rf $(BUILD)
