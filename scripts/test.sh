#!/usr/bin/env bash
# The whole test suite: build the TypeScript, build the example guests (incremental),
# then run every test file under node's own test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
rm -rf dist
npx tsc -p tsconfig.json
node scripts/build-guests.mjs
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
server_dir=${IGGY_SERVER_DIR:-../shared/iggy}
if [ ! -f "$server_dir/server.sh" ] && [ "${IGGY_TEST_TARGET:-}" != dev ]; then
  echo "real Iggy server absent ($server_dir): the end-to-end tests run against the dev broker only and test/real/ is skipped (see test/helpers/iggy-target.ts)"
fi
exec node --test --test-concurrency=2 "${files[@]}"
