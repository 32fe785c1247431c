# The two commands of the README: `make demo` and `make test`. Everything else supports them.
SHELL := /bin/bash
DATA_DIR ?= ./.data
NATS_URL ?= nats://127.0.0.1:4222
API_PORT ?= 8080
export DATA_DIR NATS_URL API_PORT

.PHONY: deps build release test demo up down status clean bench

deps:
	@scripts/deps.sh

build: deps
	swift build

release: deps
	swift build -c release

## The whole test suite; the tests start their own nats-server on free loopback ports.
test: deps
	swift build --build-tests
	swift test --skip-build --skip CrashSafetyTests
	@# The crash test runs two whole stacks of processes: alone, so it does not starve the timing of the others.
	swift test --skip-build --filter CrashSafetyTests

up: release
	@scripts/stack.sh up

down:
	@scripts/stack.sh down

status:
	@scripts/stack.sh status

## Builds, starts the local stack, back-fills two years of the simulated market and says where the API is.
demo: up
	@echo "waiting for the services to be ready..."
	@for i in $$(seq 1 100); do .build/release/indexctl ping >/dev/null 2>&1 && break; sleep 0.2; done
	@.build/release/indexctl ping
	@.build/release/indexctl backfill --from $$(date -d '2 years ago' +%F) --to $$(date -d yesterday +%F)
	@echo
	@echo "API:    http://127.0.0.1:$(API_PORT)  (try: curl 'http://127.0.0.1:$(API_PORT)/index-composition')"
	@echo "NATS:   $(NATS_URL)"
	@echo "Logs:   $(DATA_DIR)/run/*.log   (make status, make down)"

## The back-fill benchmark; results go into BENCHMARKS.md.
bench: deps
	scripts/bench.sh

clean:
	rm -rf .build
