#!/usr/bin/env bash
# Installs Iggy's official CLI, iggy-cli 0.14.0 (the stable line the dev broker must serve),
# into the build cache outside the work tree unless a binary of that version is already
# there or in ~/.cargo/bin, and prints its path. Unoptimised build (a CLI that sends a few
# messages; about a third of the optimised build's time), into the SDK probe's target dir, where
# it finds its dependencies compiled. Output goes to the setup log.
set -euo pipefail
version=0.14.0
cache="${IGGY_CONNECTORS_CACHE:-$HOME/.cache/iggy-connectors}"
log="$cache/setup.log"
for candidate in "$HOME/.cargo/bin/iggy" "$cache/iggy-cli/bin/iggy"; do
  if [ -x "$candidate" ] && "$candidate" --version 2>/dev/null | grep -q "$version"; then
    echo "$candidate"; exit 0
  fi
done
if ! command -v cargo >/dev/null 2>&1; then
  echo "iggy-cli: cargo is required (install Rust with rustup)" >&2
  exit 1
fi
mkdir -p "$cache"
# The SDK probe's target dir (scripts/interop.sh, run first by test.sh): same lockfile, same features.
if ! CARGO_TARGET_DIR="$cache/cargo/interop" cargo install iggy-cli --version "$version" --locked --debug --root "$cache/iggy-cli" >>"$log" 2>&1; then
  echo "iggy-cli: cargo install iggy-cli $version failed; the end of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
echo "$cache/iggy-cli/bin/iggy"
