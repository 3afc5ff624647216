// Builds the conformance kit's broken fixtures (test/fixtures/broken/<name>/), each a
// component that breaks one rule of the contract, to <name>/<snake_name>.wasm.
// Incremental like build-js.mjs, whose helpers it reuses.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildGuestSet, root } from './build-js.mjs';

const brokenDir = join(root, 'test', 'fixtures', 'broken');
const brokenWit = join(brokenDir, 'wit');

/** name → entry file and world; the rule each one breaks is in its source's first lines. */
export const BROKEN = [
  { name: 'wrong-world', entry: 'guest.js', world: 'not-a-connector' },
  { name: 'trap-on-empty-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'leaky-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'hang-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'permanent-config-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'trap-config-sink', entry: 'sink.js', world: 'sink-connector' },
  { name: 'unknown-import-sink', entry: 'sink.js', world: 'vault-sink' },
  { name: 'bad-poll-source', entry: 'source.js', world: 'source-connector' },
];

export async function build({ force = false } = {}) {
  await buildGuestSet({ baseDir: brokenDir, witDir: brokenWit, witFile: 'broken.wit', list: BROKEN, force });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build({ force: process.argv.includes('--force') });
}
