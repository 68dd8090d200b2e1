#!/usr/bin/env bash
# Desktop figures for docs/PERFORMANCE.md: cold start to the cached chat painted, and idle
# memory of all the app's processes with a 10,000-message conversation open (e2e/bench_desktop.py).
# BENCH_MESSAGES, BENCH_IDLE_SECONDS, BENCH_COLD_RUNS override the defaults (10000, 300, 5).
# Memory is printed per process as RSS, PSS and USS with their sums (PSS is the fair total).
# Seeding goes through the server's REST API with rate limits off.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install --quiet selenium pytest
[ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build
# BENCH_PROFILE=debug measures the debug build instead (quicker to build; say so with the figures).
profile="${BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --release -p parley-server -p parley-desktop --features parley-desktop/custom-protocol
else
  cargo build -p parley-server -p parley-desktop --features parley-desktop/custom-protocol
fi
export PARLEY_DESKTOP="$target/$profile/parley-desktop"
export PARLEY_SERVER_BIN="$target/$profile/parley-server"
export TAURI_DRIVER="$(command -v tauri-driver)"
exec scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" python3 e2e/bench_desktop.py
