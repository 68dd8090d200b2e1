#!/usr/bin/env bash
# Runs every test: the README's test command (UI unit tests, every Rust test, and the desktop
# end-to-end suite). Installs nothing that CI's .ci/run doesn't, except tauri-driver and
# selenium/pytest for the end-to-end suite (scripts/e2e.sh).
# The UI is built first (the desktop crate embeds ui/dist at compile time). The client's
# keyring tests need a real Secret Service, so the Rust suite runs inside a private D-Bus
# session with an unlocked gnome-keyring (scripts/with-keyring.sh); the store's conformance
# suite also runs against a private PostgreSQL (scripts/with-services.sh, which needs the
# postgresql and nats-server packages), and the whole server suite runs a second time on it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
npm --prefix ui test
npm --prefix ui run build
# Every Rust test, then the server's suite once more with every test server on PostgreSQL.
scripts/with-keyring.sh scripts/with-services.sh bash -c \
  'cargo test --workspace --locked && PARLEY_TEST_BACKEND=postgres cargo test -p parley-server --test it --locked'
# The real desktop app under Xvfb through WebDriver, against a real server.
exec scripts/e2e.sh
