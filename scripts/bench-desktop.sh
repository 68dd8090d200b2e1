#!/usr/bin/env bash
# Desktop figures for docs/PERFORMANCE.md: cold start to the cached chat painted, and idle
# memory of all the app's processes with a 10,000-message conversation open (e2e/bench_desktop.py).
# BENCH_MESSAGES, BENCH_IDLE_SECONDS, BENCH_COLD_RUNS override the defaults (10000, 300, 5).
# Memory is printed per process as RSS, PSS and USS with their sums (PSS is the fair total).
# Seeding goes through the server's REST API with rate limits off. BENCH_SOAK_MINUTES=60 runs
# the hour-long soak instead (docs/footprint-soak.csv and .png; needs matplotlib, installed here);
# BENCH_SOAK_TRAFFIC (messages,pictures,switching) and BENCH_SOAK_TICK (5 s) split and pace it.
set -euo pipefail
cd "$(dirname "$0")/.."
# BENCH_PROFILE=debug measures the debug build instead (quicker to build; say so with the figures).
. scripts/desktop-build.sh "${BENCH_PROFILE:-release}"
python3 -c 'import matplotlib' 2>/dev/null || python3 -m pip install --quiet matplotlib
exec scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1280x800x24" python3 e2e/bench_desktop.py
