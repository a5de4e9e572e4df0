#!/usr/bin/env bash
# Installs what `make run` / `make test` need and is missing: Debian packages, npm packages, tauri-driver.
# Idempotent: each step checks first, so a warm machine spends seconds here.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential pkg-config curl libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth x11-utils dbus webkit2gtk-driver chromium)

want="${1:-all}"   # all | system | npm | driver | fuzz

missing_apt() {
  local m=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || m+=("$p")
  done
  echo "${m[@]:-}"
}

system() {
  local m
  m=$(missing_apt)
  [ -z "$m" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: $m"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $m
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -q
    # shellcheck disable=SC2086
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $m
  else
    echo "setup: missing Debian packages. Run as root:" >&2
    echo "  apt-get update && apt-get install -y $m" >&2
    exit 1
  fi
}

node_check() {
  if ! command -v node >/dev/null 2>&1; then
    echo "setup: Node.js 20 or newer is needed (with npm 10+). Install it, e.g. from your distribution or nodejs.org." >&2
    exit 1
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "setup: Node.js $(node --version) is too old; Vite needs Node.js 20.19 or newer." >&2
    exit 1
  fi
}

npm_deps() {
  node_check
  local dir
  for dir in ui tests/e2e tests/desktop; do
    [ -f "$dir/package-lock.json" ] || continue
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "setup: npm ci in $dir/"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

driver() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo is needed (install Rust with rustup: https://rustup.rs)" >&2
    exit 1
  fi
  if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    echo "setup: cargo install tauri-driver"
    cargo install tauri-driver --locked --version 2.1.0
  fi
}

# cargo-fuzz for `make fuzz` only (not part of `all`). Runs on stable with RUSTC_BOOTSTRAP=1.
fuzz() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo is needed (install Rust with rustup: https://rustup.rs)" >&2
    exit 1
  fi
  if ! command -v cargo-fuzz >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo-fuzz" ]; then
    echo "setup: cargo install cargo-fuzz"
    cargo install cargo-fuzz --locked --version 0.13.2
  fi
}

case "$want" in
  all) system; npm_deps ;;
  system) system ;;
  npm) npm_deps ;;
  driver) driver ;;
  fuzz) fuzz ;;
  *) echo "usage: setup.sh [all|system|npm|driver|fuzz]" >&2; exit 2 ;;
esac
