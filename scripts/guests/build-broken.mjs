// Builds the conformance kit's broken fixtures (test/fixtures/broken/<name>/), each a
// component that breaks one rule of the contract, to <name>/<snake_name>.wasm.
// Incremental like build-js.mjs, whose helpers it reuses.
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildGuestFolder, prepareWit, root, sdkDir } from './build-js.mjs';

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
  const witPath = await prepareWit({ extraWorlds: await readFile(join(brokenWit, 'broken.wit'), 'utf8') });
  try {
    for (const f of BROKEN) {
      const dir = join(brokenDir, f.name);
      await buildGuestFolder({
        dir,
        entry: f.entry,
        world: f.world,
        witPath,
        force,
        hashDirs: [
          { dir, ext: ['.js'] },
          { dir: sdkDir, ext: ['.js'] },
          { dir: join(root, 'wit'), ext: ['.wit'] },
          { dir: brokenWit, ext: ['.wit'] },
        ],
      });
    }
  } finally {
    await rm(witPath, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build({ force: process.argv.includes('--force') });
}
