# Sourced by e2e.sh and bench-desktop.sh: installs what driving the real app needs
# (tauri-driver, selenium + pytest, the UI's packages), builds the UI, the server and the app
# with the bundled UI in profile $1 (debug or release), and exports where they are.
profile="$1"
target="${CARGO_TARGET_DIR:-$PWD/target}"
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
python3 -c 'import selenium, pytest' 2>/dev/null || python3 -m pip install --quiet selenium pytest
[ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build
if [ "$profile" = release ]; then
  cargo build --release -p parley-server -p parley-desktop --features parley-desktop/custom-protocol
else
  cargo build -p parley-server -p parley-desktop --features parley-desktop/custom-protocol
fi
export PARLEY_DESKTOP="$target/$profile/parley-desktop"
export PARLEY_SERVER_BIN="$target/$profile/parley-server"
export TAURI_DRIVER="$(command -v tauri-driver)"
