# Hookbench: `make run` starts the app, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run serve desktop test setup ui api-types check-api-types lint bench clean-data fuzz

## Install what is missing (Debian packages as root, npm packages, tauri-driver for desktop tests).
setup:
	@bash scripts/setup.sh all

## Build the UI bundle (ui/dist), which the desktop app and `hookbench serve` both use.
ui: setup
	@npm --prefix ui run build

## The desktop window when there is a display; otherwise `hookbench serve` with its URLs printed.
run: ui
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  $(CARGO) build -p hookbench-desktop && exec ./target/debug/hookbench-desktop; \
	else \
	  echo "No display found: starting 'hookbench serve' (open the ui: URL below in a browser)."; \
	  $(CARGO) build -p hookbench-cli && exec ./target/debug/hookbench serve; \
	fi

serve: ui
	@$(CARGO) build -p hookbench-cli && exec ./target/debug/hookbench serve

desktop: ui
	@$(CARGO) build -p hookbench-desktop && exec ./target/debug/hookbench-desktop

## Every test: Rust (unit + integration), API types drift, UI (Vitest), browser e2e, desktop e2e.
test: setup
	@bash scripts/test.sh

## Regenerate the UI's TypeScript types from the engine's OpenAPI document.
## HOOKBENCH_BIN=path reuses a binary already built (make test does, to skip a second cargo build).
api-types:
	@if [ -z "$(HOOKBENCH_BIN)" ]; then $(CARGO) build -q -p hookbench-cli; fi
	@$(or $(HOOKBENCH_BIN),./target/debug/hookbench) openapi > target/openapi.json
	@npm --prefix ui run --silent gen:api

check-api-types: api-types
	@git diff --exit-code -- ui/src/api/schema.d.ts || { echo "ui/src/api/schema.d.ts is out of date: run 'make api-types' and commit it"; exit 1; }

lint:
	@$(CARGO) fmt --all --check
	@$(CARGO) clippy --workspace --all-targets -- -D warnings

## Fuzz every cargo-fuzz target in fuzz/Cargo.toml for FUZZ_SECONDS each (default 30); installs cargo-fuzz.
fuzz:
	@bash scripts/setup.sh fuzz
	@bash fuzz/run.sh

## Benchmarks against ceilings measured in the same run: one table (target/bench/latest.json), then Criterion.
## BENCH_CAPTURES=1000000 for the full store-at-scale run; BENCH_DESKTOP=1 adds the desktop release build.
bench:
	@bash scripts/bench.sh
