#!/usr/bin/env bash
# End-to-end tests of the real desktop app: builds the UI, the server and the app (bundled
# UI), then drives two app instances through tauri-driver + WebKitWebDriver under Xvfb, with a
# real keyring, against a real server (e2e/test_desktop.py). Screenshots go to $SCREENSHOTS
# (default target/e2e-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/desktop-build.sh debug
export SCREENSHOTS="${SCREENSHOTS:-$target/e2e-screenshots}"
exec scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" python3 -m pytest -x -v e2e "$@"
