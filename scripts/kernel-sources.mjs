// The sources of the host's WebAssembly batch kernels (runtime/kernels/wasm/) and their hash,
// shared by the build script and the test that keeps the committed module in step with them.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KERNELS_DIR = fileURLToPath(new URL('../runtime/kernels/wasm/', import.meta.url));

export async function kernelSourceHash() {
  const sources = [
    'Cargo.toml',
    ...(await readdir(join(KERNELS_DIR, 'src')))
      .filter((f) => f.endsWith('.rs'))
      .sort()
      .map((f) => `src/${f}`),
  ];
  const hash = createHash('sha256');
  for (const file of sources) hash.update(`${file}\0`).update(await readFile(join(KERNELS_DIR, file)));
  return hash.digest('hex');
}
