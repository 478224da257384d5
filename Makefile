# The two commands: `make run` and `make test`. Everything else is a helper.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup configure build run test bench clean

all: build

setup:
	@bash scripts/setup

configure: setup
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Builds, migrates and serves examples/saas-demo on SQLite at http://localhost:3000.
run: build
	cd examples/saas-demo && ../../$(BUILD)/bin/saas-demo migrate && exec ../../$(BUILD)/bin/saas-demo serve

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

bench: build
	bench/run

clean:
	rm -rf $(BUILD)
