#!/usr/bin/env bash
# Fuzzes the control API routes from its own OpenAPI document with schemathesis (pinned in
# requirements.txt, installed into tests/api-fuzz/.venv), against a fresh `hookbench serve` on port 0.
# Checks: no 5xx, status codes / content types / bodies as documented, no panic in the engine's log,
# and bad JSON on every JSON route gets 400/415/422 with a message (bad_json.py).
# The routes that send requests to a URL from the input (POST /api/events, /api/events/{id}/resend and
# /release, /api/captures/{id}/replay, bulk replays, and destinations' and endpoints' forward URLs) are
# fuzzed too, on loopback only: hooks.py rewrites every `url` in a request body so its scheme, host and
# port are this engine's receiver (an endpoint's forward URL: sink.py, so forwarding cannot loop), the
# fuzzer's path and query kept; afterwards check_loopback.py fails the run if any stored event's URL
# is anywhere else. The engine's client neither follows redirects nor uses a proxy.
# The long poll (GET /api/endpoints/{id}/poll) is fuzzed with `wait` forced to 0-1 s by hooks.py.
# Left out: GET /api/stream, the app's SSE feed: it answers 200 and never ends, so every case would
# run into --request-timeout with nothing to check; its auth and its events are covered by
# crates/http/tests/http.rs (api::the_stream_delivers_new_captures_live) and crates/http/tests/security.rs
# (every_wrong_shape_of_the_token_gets_401_and_the_right_one_passes,
# the_receiver_never_answers_a_control_path_it_captures_it).
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
sink_pid=""
cleanup() {
  for p in "$pid" "$sink_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
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
receiver="$("$here/.venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["receiver_url"])' "$work/ready.json")"
case "$api" in http://127.0.0.1:*) ;; *) echo "the API is not on loopback: $api" >&2; exit 1 ;; esac
case "$receiver" in http://127.0.0.1:*) ;; *) echo "the receiver is not on loopback: $receiver" >&2; exit 1 ;; esac
"$here/.venv/bin/python" "$here/sink.py" "$work/sink.url" &
sink_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sink.url" ] && break; sleep 0.1; done
[ -s "$work/sink.url" ] || { echo "the sink (sink.py) did not start" >&2; exit 1; }
sink="$(cat "$work/sink.url")"

echo "--- bad JSON on every JSON route"
"$here/.venv/bin/python" "$here/bad_json.py" "$api" "$token"

echo "--- schemathesis"
# What is left out and how the sending routes stay on loopback: see the top of this file.
# positive_data_acceptance / negative_data_rejection are off: the API checks more than a JSON
# schema can say (a URL's scheme, a template's syntax, ranges across fields) and answers 422.
status=0
# From the scratch dir: schemathesis keeps its cache (.schemathesis/) in the working directory.
cd "$work"
SCHEMATHESIS_HOOKS="$here/hooks.py" HOOKBENCH_FUZZ_RECEIVER="$receiver" HOOKBENCH_FUZZ_SINK="$sink" \
  "$here/.venv/bin/schemathesis" run "$api/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,ignored_auth,unsupported_method \
  --phases "${API_FUZZ_PHASES:-fuzzing,stateful}" --max-time "${API_FUZZ_MAX_TIME:-80}" \
  --max-examples "${API_FUZZ_EXAMPLES:-20}" --workers 2 --seed "${API_FUZZ_SEED:-20261129}" \
  --request-timeout 20 \
  --exclude-path /api/stream \
  --report-dir "$work/report" "$@" || status=$?

echo "--- every event the engine stored goes to loopback"
"$here/.venv/bin/python" "$here/check_loopback.py" "$api" "$token" "$receiver" "$sink" || status=1
if grep -n "panicked" "$work/serve.log"; then
  echo "the engine panicked during the run (above)" >&2
  status=1
fi
if ! curl --silent --fail --max-time 5 "$api/api/health" >/dev/null; then
  echo "the engine no longer answers /api/health after the run" >&2
  status=1
fi
exit "$status"
