#!/usr/bin/env bash
# The quickstart: installs, builds the runtime and the JS example guests, then runs
# random source -> development broker -> stdout sink (with an add_fields transform)
# until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
node scripts/build-guests.mjs --only=js
exec node dist/runtime/cli/main.js run --config config/demo.toml --with-dev-broker "$@"
