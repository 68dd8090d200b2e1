#!/usr/bin/env bash
# The scale-out figures of docs/PERFORMANCE.md: the same parley-bench scenarios against
# (1) one instance on SQLite, (2) one instance on PostgreSQL, (3) two instances on PostgreSQL
# with NATS between them (senders on one, receivers on the other). Release builds; private
# PostgreSQL and nats-server from scripts/with-services.sh; rate limits off; fresh data.
#   cargo build --release -p parley-server -p parley-bench
#   scripts/with-services.sh bench/scripts/scale-out.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}/release"
: "${PARLEY_TEST_POSTGRES_URL:?run under scripts/with-services.sh}"
: "${PARLEY_TEST_NATS_URL:?run under scripts/with-services.sh}"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# A fresh database for each setup.
fresh_db() {
    local name="bench_$RANDOM$RANDOM"
    psql "$PARLEY_TEST_POSTGRES_URL" -qc "CREATE DATABASE $name" >/dev/null
    echo "${PARLEY_TEST_POSTGRES_URL%/*}/$name"
}

# start NAME PORT [ENV...]: a release server on 127.0.0.1:PORT, waits for /healthz.
start() {
    local name=$1 port=$2; shift 2
    mkdir -p "$work/$name"
    env PARLEY_RATE_LIMIT=off PARLEY_LOG=warn "$@" "$target/parley-server" \
        --listen "127.0.0.1:$port" --data-dir "$work/$name" 2>"$work/$name.log" &
    pids+=($!)
    for _ in $(seq 1 200); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$work/$name.log" >&2
    return 1
}

stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }

bench() { echo "\$ parley-bench $*"; "$target/parley-bench" "$@" || echo "  (parley-bench exited with $?)"; echo; }

scenarios() { # SERVER [RECEIVE_SERVER]
    local extra=()
    [ -n "${2:-}" ] && extra=(--receive-server "$2")
    bench --server "$1" "${extra[@]}" group --receivers 10 --senders 4 --messages 10000
    bench --server "$1" "${extra[@]}" dm --pairs 50 --messages 400
    bench --server "$1" "${extra[@]}" latency --rate 2000 --seconds 10 --receivers 10
}

echo "== 1. one instance, SQLite"
start sqlite 18080
scenarios http://127.0.0.1:18080
stop_all

echo "== 2. one instance, PostgreSQL"
db=$(fresh_db)
start pg 18081 PARLEY_DATABASE_URL="$db"
scenarios http://127.0.0.1:18081
stop_all

echo "== 3. two instances, PostgreSQL + NATS (send to one, receive on the other)"
db=$(fresh_db)
start a 18082 PARLEY_DATABASE_URL="$db" PARLEY_NATS_URL="$PARLEY_TEST_NATS_URL"
start b 18083 PARLEY_DATABASE_URL="$db" PARLEY_NATS_URL="$PARLEY_TEST_NATS_URL"
scenarios http://127.0.0.1:18082 http://127.0.0.1:18083
stop_all
