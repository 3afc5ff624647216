#!/usr/bin/env node
// Builds the connector into build/%%snake%%.wasm with the Go builder the
// iggy-connectors package ships (the one its own example guests use):
// `wit-bindgen go` bindings of wit/, the SDK's glue, `go build` to a wasip1
// reactor, then `wasm-tools component embed/new` with the preview1 adapter.
// Missing tools are installed once into ~/.cache/iggy-connectors.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

let builder;
try {
  builder = await import('iggy-connectors/scripts/guests/build-go.mjs');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('iggy-connectors')) throw error;
  console.error('the Go build uses the builder of the iggy-connectors package, a dev dependency of this project: run `npm install` first');
  process.exit(1);
}

const output = join(root, 'build', '%%snake%%.wasm');
await builder.buildComponent({
  sourceDir: root,
  world: '%%world%%',
  glue: '%%kind%%',
  tools: await builder.toolchain(),
  workDir: join(root, 'target', 'go'),
  output,
  sdk: join(root, 'sdk'),
  wit: join(root, 'wit'),
});
console.log(`built build/%%snake%%.wasm (${((await stat(output)).size / 1e6).toFixed(2)} MB)`);
