#!/usr/bin/env bash
# Fuzzes every control API route from its own OpenAPI document with schemathesis (pinned in
# requirements.txt, installed into tests/api-fuzz/.venv), against a fresh `hookbench serve` on port 0.
# Checks: no 5xx, status codes / content types / bodies as documented, no panic in the engine's log,
# and bad JSON on every JSON route gets 400/415/422 with a message (bad_json.py).
# Bounded: the fuzzing and stateful phases (API_FUZZ_PHASES), API_FUZZ_EXAMPLES (default 20) cases
# per operation, 2 workers, a fixed seed, and API_FUZZ_MAX_TIME (default 80 s) for the whole run.
# The coverage phase (every boundary value of every field: ~10,000 cases, ~8 min here) is left to a
# deliberate run: API_FUZZ_PHASES=coverage,fuzzing,stateful API_FUZZ_MAX_TIME=1200 bash run.sh.
# The examples phase is off: schemathesis 4.32.5 crashes generating from our schema examples on
# Python 3.11 (an internal "AST constructor recursion depth mismatch", not an API failure).
# Builds the CLI unless HOOKBENCH_BIN names one. Extra arguments go to `schemathesis run`.
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

work="$(mktemp -d "${TMPDIR:-/tmp}/hookbench-api-fuzz.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

token="fuzz-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$HOOKBENCH_BIN" serve --receiver 127.0.0.1:0 --api 127.0.0.1:0 --data "$work/data" \
  --ready-file "$work/ready.json" --token "$token" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [ -s "$work/ready.json" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; echo "hookbench serve exited before it was ready" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/ready.json" ] || { cat "$work/serve.log"; echo "hookbench serve wrote no ready file in 30 s" >&2; exit 1; }
api="$("$here/.venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' "$work/ready.json")"
case "$api" in http://127.0.0.1:*) ;; *) echo "the API is not on loopback: $api" >&2; exit 1 ;; esac

echo "--- bad JSON on every JSON route"
"$here/.venv/bin/python" "$here/bad_json.py" "$api" "$token"

echo "--- schemathesis"
# Left out: the SSE stream (never ends), the long poll (holds each request up to its `wait`,
# 60 s, by design), and the routes that send requests out to a URL taken from
# the input (POST /api/events, resend, replay): fuzzed URLs must not reach the network. Their input checks are
# covered by bad_json.py and the Rust tests.
# positive_data_acceptance / negative_data_rejection are off: the API checks more than a JSON
# schema can say (a URL's scheme, a template's syntax, ranges across fields) and answers 422.
status=0
# From the scratch dir: schemathesis keeps its cache (.schemathesis/) in the working directory.
cd "$work"
"$here/.venv/bin/schemathesis" run "$api/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,ignored_auth,unsupported_method \
  --phases "${API_FUZZ_PHASES:-fuzzing,stateful}" --max-time "${API_FUZZ_MAX_TIME:-80}" \
  --max-examples "${API_FUZZ_EXAMPLES:-20}" --workers 2 --seed "${API_FUZZ_SEED:-20261129}" \
  --request-timeout 20 \
  --exclude-path /api/stream \
  --exclude-path-regex '/resend$|/replay$|/poll$' \
  --exclude-by '/requestBody/content/application~1json/schema/$ref == #/components/schemas/EventInput' \
  --report-dir "$work/report" "$@" || status=$?

if grep -n "panicked" "$work/serve.log"; then
  echo "the engine panicked during the run (above)" >&2
  status=1
fi
if ! curl --silent --fail --max-time 5 "$api/api/health" >/dev/null; then
  echo "the engine no longer answers /api/health after the run" >&2
  status=1
fi
exit "$status"
