#!/usr/bin/env bash
# Runs CMD... with a private PostgreSQL and a private nats-server on loopback, so the
# scale-out tests run against the real things without touching the system services:
#
#   scripts/with-services.sh cargo test -p parley-server
#
# CMD sees:
#   PARLEY_TEST_POSTGRES_URL  postgres://postgres:PASSWORD@127.0.0.1:PORT/parley_test
#                             (the superuser: tests may create a database each)
#   PARLEY_TEST_NATS_URL      nats://127.0.0.1:PORT
#   PARLEY_TEST_NATS_SERVER   path of nats-server, for tests that start, kill and restart
#                             their own broker
# Both servers live in one temp dir (cluster, sockets, logs) on free ports picked at start;
# no system service, data dir or default port (5432, 4222) is used. They are stopped and the
# temp dir removed on every exit (success, failure, SIGINT/SIGTERM/SIGHUP), and the script
# exits with CMD's status (128+N if it was stopped by signal N).
#
# Needs (Debian): postgresql, nats-server (apt-get install -y postgresql nats-server; the
# system services they come with may stay stopped). initdb and postgres refuse to run as
# root: as root they run as the `postgres` user the package creates, on the temp dir chowned
# to it. PG_BIN overrides the PostgreSQL bin dir (default: the newest
# /usr/lib/postgresql/*/bin).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi
me=${0##*/}
die() {
    echo "$me: $*" >&2
    exit 1
}
install_hint="install: apt-get install -y postgresql nats-server"

if [ -z "${PG_BIN:-}" ]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
for tool in initdb postgres pg_isready psql; do
    [ -x "${PG_BIN:-/nonexistent}/$tool" ] || die "PostgreSQL's $tool not found in ${PG_BIN:-/usr/lib/postgresql/*/bin}; $install_hint"
done
# Debian puts nats-server in /usr/sbin, which a normal user's PATH may lack.
nats_server=$(PATH="$PATH:/usr/sbin:/usr/bin" command -v nats-server) ||
    die "nats-server not found; $install_hint"

# initdb/postgres as the cluster owner, through setpriv, which execs. Not runuser/su: they fork
# and stay the server's parent, so $! would not be the postmaster, and they do not pass on the
# fast-shutdown SIGINT (runuser ignores it; on SIGTERM it sends SIGTERM, PostgreSQL's slow
# "smart" shutdown, then SIGKILL 2 s later). The cds below: postgres finds its own path with
# getcwd, which fails in a directory the postgres user cannot read (e.g. under /root).
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no postgres user to run PostgreSQL as; $install_hint"
    as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
else
    as_pg=()
fi

tmp=
pg_pid=
nats_pid=
child=

# Waits up to $2 tenths of a second for process $1 to exit; true if it did.
wait_exit() {
    local i
    for ((i = 0; i < $2; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    ! kill -0 "$1" 2>/dev/null
}

# Runs CMD... every 0.1 s, at most $2 times, while process $1 lives; true once CMD succeeds.
wait_ready() {
    local pid=$1 tries=$2 i
    shift 2
    for ((i = 0; i < tries; i++)); do
        "$@" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Stops process $1 with signal $2, escalating to SIGKILL after $3 tenths of a second.
stop() {
    [ -n "$1" ] || return 0
    kill -s "$2" "$1" 2>/dev/null || return 0
    wait_exit "$1" "$3" && return 0
    echo "$me: pid $1 did not stop on SIG$2 within $(($3 / 10))s; killing it" >&2
    kill -s KILL "$1" 2>/dev/null || true
    wait_exit "$1" 50 || true
}

cleanup() {
    local status=$?
    trap '' INT TERM HUP # let a second Ctrl-C not cut the cleanup short
    # A failed run shows whether a server died under it (CI keeps nothing else of the temp dir).
    if [ "$status" -ne 0 ] && [ -n "$tmp" ]; then
        if [ -n "$pg_pid" ] && ! kill -0 "$pg_pid" 2>/dev/null; then
            echo "$me: PostgreSQL (pid $pg_pid) was no longer running" >&2
        fi
        for log in postgres nats; do
            if [ -s "$tmp/$log.log" ]; then
                echo "$me: the end of $log.log:" >&2
                tail -n 40 "$tmp/$log.log" >&2
            fi
        done
    fi
    # PostgreSQL: SIGINT is the fast shutdown (disconnects clients, checkpoints, exits).
    stop "$pg_pid" INT 300
    stop "$nats_pid" TERM 100
    if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
on_signal() { # $1: name, $2: number
    if [ -n "$child" ]; then
        stop "$child" "$1" 100
    fi
    exit $((128 + $2))
}
trap cleanup EXIT
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM
trap 'on_signal HUP 1' HUP

# The temp dir: under $TMPDIR, else the first of /tmp, /var/tmp, /dev/shm that the postgres
# user can reach (a /tmp of mode 0700, as on some machines, it can't).
for base in ${TMPDIR:+"$TMPDIR"} /tmp /var/tmp /dev/shm; do
    [ -d "$base" ] && [ -w "$base" ] || continue
    tmp=$(mktemp -d "$base/parley-services.XXXXXX")
    [ "${#as_pg[@]}" -gt 0 ] || break
    chown postgres: "$tmp"
    if [ "$("${as_pg[@]}" sh -c 'test -w "$1" && echo ok' sh "$tmp" 2>/dev/null)" = ok ]; then
        break
    fi
    rm -rf "$tmp"
    tmp=
done
[ -n "$tmp" ] || die "no temp dir the postgres user can write to (set TMPDIR to one it can reach)"

# Two free loopback ports, one for each server. A port might be taken between here and the
# server binding it: each server is retried on a new port if it fails with "in use".
free_ports() {
    python3 -c '
import socket
ss = [socket.socket() for _ in range(int(__import__("sys").argv[1]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
' "$1" 2>/dev/null && return
    # No python3: random ports below the ephemeral range that refuse a connection.
    local n=0 port out=()
    while [ "$n" -lt "$1" ]; do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            out+=("$port")
            n=$((n + 1))
        fi
    done
    echo "${out[*]}"
}
read -r pg_port nats_port <<<"$(free_ports 2)"

# --- PostgreSQL ---
pg_password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s\n' "$pg_password" >"$tmp/pwfile"
if [ "${#as_pg[@]}" -gt 0 ]; then chown postgres: "$tmp/pwfile"; fi
# --no-sync: the cluster is throwaway, and syncing its ~40 MB of fresh files takes seconds on
# a shared disk; the server itself runs with fsync=on, so commits cost what they really do.
if ! (cd "$tmp" && "${as_pg[@]}" "$PG_BIN/initdb" -D "$tmp/pg" -U postgres \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 --pwfile="$tmp/pwfile" \
    -E UTF8 --no-locale --no-sync) >"$tmp/initdb.log" 2>&1; then
    cat "$tmp/initdb.log" >&2
    die "initdb failed"
fi
rm -f "$tmp/pwfile"
export PGPASSWORD=$pg_password PGCONNECT_TIMEOUT=5

for attempt in 1 2 3; do
    (cd "$tmp" && exec "${as_pg[@]}" "$PG_BIN/postgres" -D "$tmp/pg" \
        -c listen_addresses=127.0.0.1 -c port="$pg_port" \
        -c unix_socket_directories="$tmp" -c fsync=on) >"$tmp/postgres.log" 2>&1 &
    pg_pid=$!
    # Up to 60 s: a fresh cluster takes about a second, more on a busy shared disk.
    if wait_ready "$pg_pid" 600 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -t 1; then
        break
    fi
    if ! kill -0 "$pg_pid" 2>/dev/null && [ "$attempt" -lt 3 ] &&
        grep -q 'already in use' "$tmp/postgres.log"; then
        pg_pid=
        pg_port=$(free_ports 1)
        continue
    fi
    cat "$tmp/postgres.log" >&2
    die "PostgreSQL did not come up on 127.0.0.1:$pg_port (log above)"
done
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
    -c 'CREATE DATABASE parley_test OWNER postgres' >/dev/null ||
    die "could not create database parley_test"

# --- NATS ---
nats_ready() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$nats_port" || exit 1
        IFS= read -r -t 2 line <&3 && [[ $line == "INFO "* ]]
    ) 2>/dev/null
}
for attempt in 1 2 3; do
    "$nats_server" -a 127.0.0.1 -p "$nats_port" >"$tmp/nats.log" 2>&1 &
    nats_pid=$!
    if wait_ready "$nats_pid" 300 nats_ready; then # up to 30 s
        break
    fi
    if ! kill -0 "$nats_pid" 2>/dev/null && [ "$attempt" -lt 3 ] &&
        grep -q 'in use' "$tmp/nats.log"; then
        nats_pid=
        nats_port=$(free_ports 1)
        continue
    fi
    cat "$tmp/nats.log" >&2
    die "nats-server did not come up on 127.0.0.1:$nats_port (log above)"
done

unset PGPASSWORD PGCONNECT_TIMEOUT
export PARLEY_TEST_POSTGRES_URL="postgres://postgres:$pg_password@127.0.0.1:$pg_port/parley_test"
export PARLEY_TEST_NATS_URL="nats://127.0.0.1:$nats_port"
export PARLEY_TEST_NATS_SERVER=$nats_server

# CMD runs in the background and is waited for, so a SIGTERM/SIGINT sent to this script alone
# is handled at once (forwarded to CMD, then cleanup) rather than after CMD ends. A background
# command would start with SIGINT/SIGQUIT ignored and stdin on /dev/null: env restores the
# default handlers (so Ctrl-C still stops it) and <&0 keeps stdin.
env --default-signal=INT,QUIT -- "$@" <&0 &
child=$!
status=0
wait "$child" || status=$?
child=
exit "$status"
