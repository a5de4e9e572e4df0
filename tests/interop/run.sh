#!/usr/bin/env bash
# Cross-checks Hookbench's signatures with the providers' official Python libraries.
# Makes tests/interop/.venv, installs the pinned libraries, builds the CLI unless HOOKBENCH_BIN
# names one, and runs pytest. Extra arguments go to pytest (e.g. -k stripe).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

if [ -z "${HOOKBENCH_BIN:-}" ]; then
  (cd "$repo" && cargo build --quiet -p hookbench-cli --bin hookbench)
  export HOOKBENCH_BIN="$repo/target/debug/hookbench"
fi

cd "$here"
exec "$here/.venv/bin/python" -m pytest -q interop.py "$@"
