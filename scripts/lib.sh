# Shared by scripts/test and scripts/demo: installers that do nothing when the tool is already
# there, so second runs are fast. Everything comes from the package registries (crates.io,
# Debian, npm): downloads of prebuilt binaries from project websites fail on these machines.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
}

# The CLI must be exactly the crate's wasm-bindgen version, or every test fails with
# "schema version ... must exactly match".
wasm_bindgen_version() {
  (cd "$ROOT" && cargo pkgid -p wasm-bindgen | sed 's/.*[@#]//')
}

ensure_wasm_bindgen_cli() {
  local want
  want="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    # No --locked: a locked dependency of the CLI is missing from the registry mirror.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

# wasm-opt from npm's binaryen (a node build): Debian's binaryen 108 corrupts wasm-bindgen output.
ensure_node_modules() {
  if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    # `npm install --no-save` rather than `npm ci`: the registry mirror here lists no builds of
    # rollup/esbuild for other platforms, so the lock file cannot name them and `npm ci` refuses
    # it as "out of sync". `install` still takes every version from the lock and writes nothing.
    (cd "$ROOT" && npm install --no-save --no-audit --no-fund)
  fi
}

