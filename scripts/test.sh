#!/usr/bin/env bash
# Runs every test: the README's test command. Installs nothing that CI's .ci/run doesn't.
# The client's keyring tests need a real Secret Service, so the suite runs inside a private
# D-Bus session with an unlocked gnome-keyring (scripts/with-keyring.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/with-keyring.sh cargo test --workspace --locked
