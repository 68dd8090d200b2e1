#!/usr/bin/env bash
# Runs every test: the README's test command. Installs nothing that CI's .ci/run doesn't.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
