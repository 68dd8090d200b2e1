#!/usr/bin/env bash
# Builds and starts Parley on this machine: the server on its embedded SQLite default.
# Usage: ./scripts/run.sh [extra parley-server flags]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null; then
  echo "Rust is needed: install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

echo "Starting parley-server on http://${PARLEY_LISTEN:-127.0.0.1:8080} (data in ${PARLEY_DATA_DIR:-the OS data dir}); Ctrl-C stops it."
exec cargo run --quiet -p parley-server -- serve "$@"
