#!/usr/bin/env bash
# The fast subset: tests that need no guest builds, no external servers and no
# toolchains beyond Node (config, wire codec, client and dev broker over loopback,
# state, timing, transforms and schemas). Under a minute on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json
dirs=(config iggy broker state timing pipeline/transforms pipeline/schema)
mapfile -t files < <(for d in "${dirs[@]}"; do [ -d "dist/test/$d" ] && find "dist/test/$d" -name '*.test.js'; done | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no unit test files found" >&2; exit 1; fi
exec node --test --test-concurrency=2 "${files[@]}"
