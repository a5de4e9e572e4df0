#!/usr/bin/env bash
# `make fuzz`: every target `cargo fuzz list` names (fuzz/Cargo.toml), FUZZ_SECONDS each (default 30).
# FUZZ_TARGETS="a b" runs only those. Stable Rust with RUSTC_BOOTSTRAP=1 and no sanitizer (-s none).
# New inputs libFuzzer finds go to fuzz/.work/<target> (not committed); the committed seeds in
# corpus/<target> are read, never written. A crash leaves its input in artifacts/<target>/: once
# fixed, copy it into corpus/<target>/ so `cargo test` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
secs="${FUZZ_SECONDS:-30}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz is missing: run 'bash scripts/setup.sh fuzz'" >&2
  exit 1
fi
targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
[ -n "$targets" ] || { echo "fuzz: no targets in fuzz/Cargo.toml" >&2; exit 1; }

echo "=== fuzz: building $(echo "$targets" | wc -w) targets"
cargo fuzz build -s none

failed=()
for t in $targets; do
  mkdir -p ".work/$t" "corpus/$t"
  log=".work/$t.log"
  start=$SECONDS
  if cargo fuzz run "$t" ".work/$t" "corpus/$t" -s none -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 || true)
    echo "=== fuzz $t: ok, ${runs:-no run count} in $((SECONDS - start)) s"
  else
    echo "=== fuzz $t: FAILED (log: fuzz/$log)"
    tail -n 30 "$log"
    ls -1 "artifacts/$t" 2>/dev/null | sed "s|^|    crash input: fuzz/artifacts/$t/|" || true
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "=== fuzz: every target ran ${secs} s without a crash"
