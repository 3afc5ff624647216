// Builds the sandbox test fixtures (test/fixtures/guests/<name>/) with componentize-js,
// each to <name>/<snake_name>.wasm beside its source. Incremental like build-js.mjs.
// Fixtures that probe WASI import it directly, so their worlds (wit/fixtures.wit
// here) add WASI interfaces to the connector worlds.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildGuestSet, root } from './build-js.mjs';

const fixturesDir = join(root, 'test', 'fixtures', 'guests');
const fixtureWit = join(fixturesDir, 'wit');

/** name → entry file and world. */
export const FIXTURES = [
  { name: 'file-reader-sink', entry: 'sink.js', world: 'probe-sink' },
  { name: 'env-reader-sink', entry: 'sink.js', world: 'probe-sink' },
  { name: 'net-probe-sink', entry: 'sink.js', world: 'net-probe-sink' },
  { name: 'wrong-world', entry: 'guest.js', world: 'wrong-world' },
  { name: 'trap-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'throw-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'echo-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'memory-hog-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'bad-batch-source', entry: 'source.js', world: 'source-connector' },
  { name: 'bad-message-source', entry: 'source.js', world: 'source-connector' },
  { name: 'flaky-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'partial-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'hang-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'log-flood-sink', entry: 'sink.js', world: 'flood-sink' },
];

export async function build({ force = false } = {}) {
  await buildGuestSet({ baseDir: fixturesDir, witDir: fixtureWit, witFile: 'fixtures.wit', list: FIXTURES, withWasi: true, force });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build({ force: process.argv.includes('--force') });
}
