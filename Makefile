# The two commands of the README: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
DATA_DIR ?= ./.data
NATS_URL ?= nats://127.0.0.1:4222
API_PORT ?= 8080
BIN_DIR ?= .build/release
export DATA_DIR NATS_URL API_PORT BIN_DIR
INDEXCTL := $(BIN_DIR)/indexctl

.PHONY: deps build release lint test test-scripts compose-check demo up down status clean bench

deps:
	@scripts/deps.sh

build: deps
	swift build

release: deps
	swift build -c release

## The house style (.swift-format), strictly: a warning fails the build like an error.
lint:
	swift format lint --strict --recursive Package.swift Services Shared Tests

## The whole test suite; the tests start their own nats-server on free loopback ports.
test: deps compose-check lint
	swift build --build-tests
	@# The stack and backup tests run the debug executables the line above built, on their own ports and dirs.
	$(MAKE) test-scripts BIN_DIR=.build/debug
	swift test --skip-build --skip CrashSafetyTests
	@# The crash test runs two whole stacks of processes: alone, so it does not starve the timing of the others.
	swift test --skip-build --filter CrashSafetyTests

## make up/down/status (two stacks side by side) and backup/restore, on built executables in BIN_DIR.
test-scripts:
	scripts/test-stack.sh
	scripts/test-backup.sh

## The compose deployment is valid (no Docker engine is needed for this).
compose-check:
	docker-compose -f compose/docker-compose.yml config --quiet

up: release
	@scripts/stack.sh up

down:
	@scripts/stack.sh down

status:
	@scripts/stack.sh status

## Builds, starts the local stack, back-fills two years of the simulated market, then says where the API is and
## what is stored. A second run reuses the build, the running processes and the stored sessions.
demo: up
	@scripts/demo.sh

## The back-fill benchmark; results go into BENCHMARKS.md.
bench: deps
	scripts/bench.sh

clean:
	rm -rf .build
