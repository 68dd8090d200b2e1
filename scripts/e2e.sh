#!/usr/bin/env bash
# End-to-end tests of the real desktop app: builds the UI, the server and the app (bundled
# UI), then drives two app instances through tauri-driver + WebKitWebDriver under Xvfb, with a
# real keyring, against a real server (e2e/test_desktop.py). Screenshots go to $SCREENSHOTS
# (default target/e2e-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"

command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
python3 -c 'import selenium, pytest' 2>/dev/null || python3 -m pip install --quiet selenium pytest
[ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build
cargo build -p parley-server -p parley-desktop --features parley-desktop/custom-protocol

export PARLEY_DESKTOP="$target/debug/parley-desktop"
export PARLEY_SERVER_BIN="$target/debug/parley-server"
export TAURI_DRIVER="$(command -v tauri-driver)"
export SCREENSHOTS="${SCREENSHOTS:-$target/e2e-screenshots}"
exec scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" python3 -m pytest -x -v e2e
