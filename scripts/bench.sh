#!/usr/bin/env bash
# `make bench`: builds the benchmarks with --release, makes the FastAPI comparison's venv (pinned,
# tests/bench-py/requirements.txt), runs every end-to-end benchmark and prints one table (also
# target/bench/latest.json), then the Criterion micro-benchmarks.
#
#   BENCH_CAPTURES=N     captures for the store-at-scale run (default 200000; the target is 1000000)
#   BENCH_DESKTOP=1      also build the desktop app in release and report its sizes (slow here)
#   BENCH_CRITERION=0    skip the Criterion micro-benchmarks
#   BENCH_ARGS="..."     more flags for hookbench-bench (see `hookbench-bench --help`)
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO="${CARGO:-cargo}"

echo "bench: building hookbench-bench (release) …"
"$CARGO" build --release -q -p hookbench-bench --bin hookbench-bench

venv=target/bench/venv
stamp="$venv/.requirements"
if ! cmp -s tests/bench-py/requirements.txt "$stamp" 2>/dev/null; then
  echo "bench: making $venv (FastAPI comparison, pinned) …"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/bench-py/requirements.txt
  cp tests/bench-py/requirements.txt "$stamp"
fi

desktop_args=()
if [ "${BENCH_DESKTOP:-0}" = 1 ]; then
  echo "bench: building the desktop app (release; slow) …"
  "$CARGO" build --release -q -p hookbench-desktop
  desktop_args=(--desktop-bin target/release/hookbench-desktop)
fi

# shellcheck disable=SC2086
./target/release/hookbench-bench \
  --captures "${BENCH_CAPTURES:-200000}" \
  --python "$venv/bin/python" --python-app tests/bench-py \
  "${desktop_args[@]}" ${BENCH_ARGS:-}

if [ "${BENCH_CRITERION:-1}" = 1 ]; then
  echo "bench: Criterion micro-benchmarks …"
  "$CARGO" bench -q -p hookbench-bench --bench domain -- --warm-up-time 1 --measurement-time 2
fi
