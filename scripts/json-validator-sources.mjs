// The sources of the JSON check's WebAssembly fast path and their hash, shared by its build
// script and the test that keeps the committed module in step with them.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VALIDATOR_DIR = fileURLToPath(new URL('../runtime/pipeline/schema/json-validator/', import.meta.url));
const SOURCES = ['Cargo.toml', 'src/lib.rs'];

export async function validatorSourceHash() {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(`${file}\0`).update(await readFile(join(VALIDATOR_DIR, file)));
  return hash.digest('hex');
}
