#!/usr/bin/env bash
# Desktop end-to-end: the real Hookbench window under Xvfb, driven through tauri-driver + WebKitWebDriver.
# Needs target/debug/hookbench-desktop (built after ui/dist), tauri-driver (scripts/setup.sh driver),
# Xvfb, WebKitWebDriver and xwininfo. Every process it starts is stopped on exit; the last line is
# "N passed, N failed" and the exit status is non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
HERE=$PWD
ROOT=$(cd ../.. && pwd)
APP=${HOOKBENCH_DESKTOP_BIN:-$ROOT/target/debug/hookbench-desktop}
ARTIFACTS=$HERE/.artifacts
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.log "$ARTIFACTS"/*.jsonl "$ARTIFACTS"/results.txt

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hookbench-desktop-e2e.XXXXXX")
xvfb_pid="" driver_pid="" bus_pid=""

cleanup() {
  # tauri-driver runs in its own process group (setsid): stopping the group also stops
  # WebKitWebDriver and any app it launched. Don't use pkill by name: other runs may share the machine.
  if [ -n "$driver_pid" ]; then
    kill -TERM -- "-$driver_pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$driver_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$driver_pid" 2>/dev/null
  fi
  if [ -n "$bus_pid" ]; then
    kill -TERM "$bus_pid" 2>/dev/null
  fi
  if [ -n "$xvfb_pid" ]; then
    kill -TERM "$xvfb_pid" 2>/dev/null
    wait "$xvfb_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}

# Prints the closing line and exits; a run that never reached the tests counts as one failure.
finish() {
  local passed=0 failed=1
  if [ -s "$ARTIFACTS/results.txt" ]; then
    read -r passed failed < "$ARTIFACTS/results.txt"
  fi
  cleanup
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ] && exit 0
  exit 1
}
trap finish EXIT
trap 'exit 130' INT TERM

fail_setup() {
  echo "desktop e2e: $*" >&2
  exit 1
}

TAURI_DRIVER=$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")
[ -x "$APP" ] || fail_setup "no app at $APP: build ui/dist, then cargo build -p hookbench-desktop"
[ -x "$TAURI_DRIVER" ] || fail_setup "tauri-driver missing: bash scripts/setup.sh driver"
for tool in Xvfb WebKitWebDriver xwininfo dbus-daemon node python3; do
  command -v "$tool" >/dev/null ||
    fail_setup "$tool missing (Debian: xvfb, webkit2gtk-driver, x11-utils, dbus-daemon, nodejs, python3)"
done

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --silent || fail_setup "npm ci in tests/desktop failed"
fi

# A display of our own: -displayfd picks a free number, so parallel runs don't collide on :99.
Xvfb -displayfd 3 -screen 0 1440x900x24 -nolisten tcp 3>"$tmp/display" 2>"$ARTIFACTS/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 50); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || fail_setup "Xvfb did not start (see $ARTIFACTS/xvfb.log)"
export DISPLAY=":$(head -n1 "$tmp/display")"

# What the app sees, through tauri-driver: a fresh data home, free ports, no data-dir override (the
# test steers the data folder through settings.json).
export XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
export HOOKBENCH_RECEIVER_ADDR=127.0.0.1:0 HOOKBENCH_API_ADDR=127.0.0.1:0
unset HOOKBENCH_DATA_DIR WAYLAND_DISPLAY
# The app's test hooks: each notification it sends and each tray state, as JSON lines (WebDriver sees
# neither the notification centre nor the panel). The notifications themselves find no notification
# server on the private session bus below and go nowhere else.
export HOOKBENCH_NOTIFY_LOG=$ARTIFACTS/notify.jsonl HOOKBENCH_TRAY_LOG=$ARTIFACTS/tray.jsonl
mkdir -p "$XDG_DATA_HOME"

# A session bus of our own: the single-instance lock lives there, so a Hookbench already open on this
# desktop (or another test run) can't turn the app under test into a "second launch".
dbus-daemon --session --fork --nopidfile --print-address=4 --print-pid=5 4>"$tmp/bus-address" 5>"$tmp/bus-pid" ||
  fail_setup "dbus-daemon did not start"
bus_pid=$(head -n1 "$tmp/bus-pid")
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$tmp/bus-address")
export DBUS_SESSION_BUS_ADDRESS

read -r port native_port < <(node -e '
  const net = require("node:net");
  const free = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
  Promise.all([free(), free()]).then(([a, b]) => console.log(a, b));')
[ -n "${native_port:-}" ] || fail_setup "could not find free ports"

setsid "$TAURI_DRIVER" --port "$port" --native-port "$native_port" >"$ARTIFACTS/tauri-driver.log" 2>&1 &
driver_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$driver_pid" 2>/dev/null || fail_setup "tauri-driver exited (see $ARTIFACTS/tauri-driver.log)"
  sleep 0.1
done

echo "desktop e2e: $APP on $DISPLAY, tauri-driver on $port"
start=$SECONDS
# The README's picture by default; point HOOKBENCH_SCREENSHOT elsewhere to keep docs/ untouched (CI).
HOOKBENCH_DESKTOP_BIN=$APP TAURI_DRIVER_PORT=$port \
  HOOKBENCH_SCREENSHOT=${HOOKBENCH_SCREENSHOT:-$ROOT/docs/screenshot-desktop.png} \
  HOOKBENCH_RESULTS=$ARTIFACTS/results.txt \
  timeout 300 node desktop.test.mjs
echo "desktop e2e: $((SECONDS - start)) s (driver and app logs in $ARTIFACTS)"
