#!/usr/bin/env bash
# Builds the interop probe (test/interop: Iggy's official Rust SDK, crate iggy 0.11.0) and
# prints the path of its binary. Incremental: a second run takes about a second.
# The interop tests call this themselves; run it ahead to keep the first test run short.
set -euo pipefail
cd "$(dirname "$0")/../test/interop"
if ! command -v cargo >/dev/null 2>&1; then
  echo "interop: cargo is required (install Rust with rustup)" >&2
  exit 1
fi
# The build lives outside the work tree, so a fresh clone (as CI makes) reuses it.
export CARGO_TARGET_DIR="${IGGY_CONNECTORS_CACHE:-$HOME/.cache/iggy-connectors}/cargo/interop"
cargo build --release --quiet "$@" >&2
echo "$CARGO_TARGET_DIR/release/iggy-sdk-probe"
