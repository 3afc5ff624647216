#!/usr/bin/env node
// Builds src/%%kind%%.js into the component build/%%snake%%.wasm with
// componentize-js (SpiderMonkey runs inside the component).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// componentize-js reads its inputs through preview2-shim, which starts with no
// filesystem preopens (its CLI then fails with "No such file or directory (os
// error 44)"). This process only builds, so it may see the whole filesystem.
const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
_setPreopens({ '/': '/' });
const { componentize } = await import('@bytecodealliance/componentize-js');

// componentize-js maps the current directory into its build sandbox: that is
// how src/%%kind%%.js reaches ../sdk/index.js (no bundler needed).
process.chdir(root);
const started = Date.now();
const { component } = await componentize({
  sourcePath: join(root, 'src', '%%kind%%.js'),
  witPath: join(root, 'wit'),
  worldName: '%%world%%',
});
const output = join(root, 'build', '%%snake%%.wasm');
await mkdir(dirname(output), { recursive: true });
await writeFile(output, component);
console.log(`built build/%%snake%%.wasm (${(component.length / 1e6).toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
