#!/usr/bin/env bash
# Runs every test suite in order, timing each; stops at the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== $name"
  "$@"
  echo "=== $name: ok in $((SECONDS - start)) s"
}

# The UI bundle first: the desktop crate embeds ui/dist at compile time.
stage "ui build" npm --prefix ui run build
stage "rust format" "$CARGO" fmt --all --check
# One workspace-wide build (desktop included) so shared dependencies compile once.
stage "rust build" "$CARGO" build --workspace --all-targets
stage "rust clippy" "$CARGO" clippy --workspace --all-targets -- -D warnings
stage "rust tests" "$CARGO" test --workspace --exclude hookbench-scenarios
stage "crash scenarios" "$CARGO" test -p hookbench-scenarios -- --nocapture --test-threads=1
stage "signature interop (providers' own libraries)" env HOOKBENCH_BIN="$PWD/target/debug/hookbench" bash tests/interop/run.sh
stage "api fuzz (schemathesis)" env HOOKBENCH_BIN="$PWD/target/debug/hookbench" bash tests/api-fuzz/run.sh
stage "api types drift" make --no-print-directory check-api-types HOOKBENCH_BIN="$PWD/target/debug/hookbench"
stage "ui tests" npm --prefix ui test
stage "browser e2e" npm --prefix tests/e2e test
stage "desktop driver" bash scripts/setup.sh driver
# The README's screenshot is refreshed only when asked (HOOKBENCH_SCREENSHOT=$PWD/docs/screenshot-desktop.png, an absolute path: run.sh works in tests/desktop).
stage "desktop e2e" env HOOKBENCH_SCREENSHOT="${HOOKBENCH_SCREENSHOT:-$PWD/tests/desktop/.artifacts/screenshot.png}" bash tests/desktop/run.sh
echo "=== all suites passed"
