# The two commands of the README: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
DATA_DIR ?= ./.data
NATS_URL ?= nats://127.0.0.1:4222
API_PORT ?= 8080
BIN_DIR ?= .build/release
## The stack's shape, passed on when set (scripts/stack.sh: 1 each, or what the running stack was started with):
## NATS_CLUSTER nats-servers in a cluster, API_REPLICAS API processes, STORAGE_REPLICAS storage processes.
export NATS_CLUSTER API_REPLICAS STORAGE_REPLICAS NATS_REPLICAS
export DATA_DIR NATS_URL API_PORT BIN_DIR NATS_CLUSTER API_REPLICAS STORAGE_REPLICAS
INDEXCTL := $(BIN_DIR)/indexctl

.PHONY: deps build release lint test test-scripts compose-check demo up check-stack down status clean bench
.PHONY: deploy-check test-compose

deps:
	@scripts/deps.sh

build: deps
	swift build

release: deps
	swift build -c release

## The house style (.swift-format), strictly: a warning fails the build like an error.
lint:
	swift format lint --strict --recursive Package.swift Services Shared Tests

## The simulated market's test suites (a swift test --filter pattern).
SIM_TESTS := ProvidersTests\.(SimulatedMarket|SimCursorState)

## A hang guard, not a performance bound: a step that hangs fails, naming itself, instead of stalling the whole run.
## Each limit is 20 minutes or more, over 20 times what the step takes on 2 cores.
HANG_GUARD = timeout --kill-after=30 $(1)

## The whole test suite; the tests start their own nats-server on free loopback ports.
test: deps compose-check deploy-check lint
	swift build --build-tests
	@# The stack and backup tests run the debug executables the line above built, on their own ports and dirs.
	$(MAKE) test-scripts BIN_DIR=.build/debug
	@# The simulated market's tests are pure computation and the heaviest in a debug build: run alone first, they
	@# do not hold the two threads of Swift's concurrency pool that the service tests' timing needs.
	$(call HANG_GUARD,1200) swift test --skip-build --filter '$(SIM_TESTS)'
	$(call HANG_GUARD,1800) swift test --skip-build --skip CrashSafetyTests --skip '$(SIM_TESTS)' --skip StorageTests
	@# The storage suites, each on SQLite and on the tests' own PostgreSQL server, one test at a time: run in parallel
	@# with the rest, postgres-nio's pools were seen to stop answering (every connection idle, every test waiting).
	$(call HANG_GUARD,1200) swift test --skip-build --no-parallel --filter StorageTests
	@# The crash test runs two whole stacks of processes: alone, so it does not starve the timing of the others.
	$(call HANG_GUARD,1200) swift test --skip-build --filter CrashSafetyTests
	@# The image built from compose/Dockerfile and the compose stack run for real (needs a Docker engine).
	$(MAKE) test-compose

## make up/down/status (two stacks side by side), backup/restore (SQLite and PostgreSQL), the fault test
## (PostgreSQL, two storage processes, a three-node cluster) and the dashboard in headless Chromium, on built
## executables in BIN_DIR.
test-scripts:
	scripts/test-stack.sh
	scripts/test-cluster.sh
	scripts/test-backup.sh
	scripts/test-dashboard.sh
	scripts/test-backup-postgres.sh
	scripts/test-faults.sh

## The compose deployments are valid (no Docker engine is needed for this).
compose-check:
	docker-compose -f compose/docker-compose.yml config --quiet
	docker-compose -f compose/docker-compose.cluster.yml config --quiet

## Kubernetes manifests against the API schemas, their rules, the alert rules (no cluster, no engine needed).
deploy-check:
	scripts/test-deploy.sh

## Builds the image and runs the compose stack (scripts/test-compose.sh; README, "Deployment with compose").
test-compose:
	scripts/test-compose.sh

## A shape the stack refuses (STORAGE_REPLICAS=2 on SQLite) fails before anything is built.
up: check-stack release
	@scripts/stack.sh up

check-stack:
	@scripts/stack.sh check

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
	scripts/bench-postgres.sh
	scripts/bench-tracing.sh

clean:
	rm -rf .build
