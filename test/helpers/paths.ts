// Paths tests share: the project root, the compiled CLI and the example guests.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The project root (tests run from dist/test/..., compiled). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'runtime', 'cli', 'main.js');

export function guestPath(lang: 'js' | 'rust' | 'go', name: string): string {
  return join(ROOT, 'guest-examples', lang, name, `${name.replace(/-/g, '_')}.wasm`);
}

export function fixturePath(name: string): string {
  return join(ROOT, 'test', 'fixtures', 'guests', name, `${name.replace(/-/g, '_')}.wasm`);
}
