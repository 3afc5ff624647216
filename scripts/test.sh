#!/usr/bin/env bash
# The whole test suite: install what is missing, build the TypeScript, build the example
# guests and the official Iggy peers (all incremental, cached outside the work tree),
# then run every test file under node's own test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
rm -rf dist
npx tsc -p tsconfig.json
# Lint and formatting first: a finding fails the run in seconds, before any build.
npm run --silent lint
node scripts/build-guests.mjs
step() {
  local what=$1; shift
  local started=$SECONDS
  if ! "$@" >/dev/null; then
    echo "test: building $what failed (see the lines above and ~/.cache/iggy-connectors/setup.log)" >&2
    exit 1
  fi
  echo "test: $what ready ($((SECONDS - started)) s)"
}
# The interop tests drive these; built here so that no test waits minutes on a build.
step "the official SDK probe (iggy 0.11.0)" bash scripts/interop.sh
step "the official CLI (iggy-cli 0.14.0)" bash scripts/iggy-cli.sh
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
server_dir=${IGGY_SERVER_DIR:-../shared/iggy}
if [ ! -f "$server_dir/server.sh" ] && [ "${IGGY_TEST_TARGET:-}" != dev ]; then
  echo "real Iggy server absent ($server_dir): the end-to-end tests run against the dev broker only and test/real/ is skipped (see test/helpers/iggy-target.ts)"
fi
exec node --test --test-concurrency=2 "${files[@]}"
