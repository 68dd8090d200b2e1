#!/usr/bin/env bash
# Runs CMD... inside a private D-Bus session with an unlocked gnome-keyring (Secret Service),
# so keyring code is tested against the real thing on a headless machine:
#
#   scripts/with-keyring.sh cargo test -p parley-client
#
# Needs (Debian): dbus-x11 (dbus-run-session), gnome-keyring, libsecret-tools (secret-tool,
# used by the tests to read entries from another process). The keyring, its password and its
# data dir are throwaway: everything lives in temp dirs removed on exit.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null; then
        echo "$0: $tool not found; install: apt-get install -y dbus-x11 gnome-keyring libsecret-tools" >&2
        exit 1
    fi
done

exec dbus-run-session -- sh -c '
    set -e
    XDG_RUNTIME_DIR=$(mktemp -d) XDG_DATA_HOME=$(mktemp -d)
    export XDG_RUNTIME_DIR XDG_DATA_HOME
    trap "rm -rf \"$XDG_RUNTIME_DIR\" \"$XDG_DATA_HOME\"" EXIT
    eval "$(printf ci-password | gnome-keyring-daemon --unlock --components=secrets)"
    "$@"
' with-keyring "$@"
