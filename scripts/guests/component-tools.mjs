// `wasm-tools component embed` and `component new`, as jco ships them (wasm-tools compiled to
// WebAssembly), called in this process: no wasm-tools build on a fresh machine. The vendored
// wasm-tools reads the WIT through preview2-shim, which starts without preopens, so this build
// process grants itself the filesystem first (build scripts only; the runtime host keeps its
// own deny-by-default imports).
import { readFile, writeFile } from 'node:fs/promises';

let tools;

async function load() {
  if (!tools) {
    const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
    _setPreopens({ '/': '/' });
    tools = await import('@bytecodealliance/jco');
  }
  return tools;
}

/** Embeds the WIT world `world` from the directory `witDir` into a core module. */
export async function embedWit({ coreModule, witDir, world, output }) {
  const { componentEmbed } = await load();
  const binary = await readFile(coreModule);
  await writeFile(output, await componentEmbed({ binary, witPath: witDir, world }));
}

/** Makes a component of a core module with embedded WIT, adapting preview1 with `adapter`. */
export async function newComponent({ embedded, adapter, output }) {
  const { componentNew } = await load();
  const binary = await readFile(embedded);
  await writeFile(output, await componentNew(binary, [['wasi_snapshot_preview1', await readFile(adapter)]]));
}

/** The jco version whose wasm-tools these use (part of a build's input hash). */
export async function componentToolsVersion(root) {
  const { join } = await import('node:path');
  return JSON.parse(await readFile(join(root, 'node_modules', '@bytecodealliance', 'jco', 'package.json'), 'utf8')).version;
}
