#!/usr/bin/env node
// Builds every example guest and test fixture component. Each language has its own
// builder in scripts/guests/; each one is incremental (it skips a guest whose
// sources did not change since its last build). `--only js,rust` limits the set.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const all = ['js', 'rust', 'go', 'fixtures', 'broken'];
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const wanted = onlyArg ? onlyArg.slice('--only='.length).split(',') : all;

for (const lang of wanted) {
  const builder = join(here, 'guests', `build-${lang}.mjs`);
  if (!existsSync(builder)) {
    if (onlyArg) throw new Error(`no builder for "${lang}" (expected ${builder})`);
    continue;
  }
  const started = Date.now();
  const mod = await import(builder);
  await mod.build({ force: process.argv.includes('--force') });
  console.log(`guests: ${lang} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
