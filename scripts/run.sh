#!/usr/bin/env bash
# Sets up and runs Parley on this machine (Debian/Ubuntu with Rust and Node):
# installs what is missing, builds the UI, the server and the desktop app, starts the server
# on its embedded SQLite default (http://127.0.0.1:8080, data in the OS data dir) and opens the
# desktop app, whose sign-in screen points at that server. Closing the app stops the server.
#
#   ./scripts/run.sh                 # server + desktop app
#   ./scripts/run.sh --server-only   # just the server (e.g. on a headless box)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: $tool is needed (Rust via rustup, Node.js 20+ with npm)." >&2
    exit 1
  fi
done

server_only=false
[ "${1:-}" = "--server-only" ] && server_only=true

if [ "$server_only" = false ]; then
  need=()
  for pkg in libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev \
             librsvg2-dev libayatana-appindicator3-dev pkg-config build-essential; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  if [ "${#need[@]}" -gt 0 ]; then
    echo "Installing the system libraries Tauri needs: ${need[*]}"
    sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${need[@]}"
  fi
  [ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
  npm --prefix ui run build
  cargo build -p parley-server -p parley-desktop --features parley-desktop/custom-protocol
else
  cargo build -p parley-server
fi

target="${CARGO_TARGET_DIR:-target}"
echo "Starting parley-server on http://${PARLEY_LISTEN:-127.0.0.1:8080}"
if [ "$server_only" = true ]; then
  exec "$target/debug/parley-server" serve
fi
"$target/debug/parley-server" serve &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT
# Wait until it answers (it binds in well under a second; give up after 30 s).
for _ in $(seq 1 300); do
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then break; fi
  kill -0 "$server" 2>/dev/null || { echo "run.sh: the server did not start" >&2; exit 1; }
  sleep 0.1
done
echo "Opening the Parley desktop app (server URL http://127.0.0.1:8080 on its sign-in screen)"
"$target/debug/parley-desktop"
