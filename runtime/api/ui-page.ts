// Finds and reads the status page (ui/index.html, one static file, no build
// step); it stays in the source tree, which the compiled server looks up from dist/.
import { readFile } from 'node:fs/promises';
import { RuntimeError } from '../errors.js';

const CANDIDATES = [new URL('./ui/index.html', import.meta.url), new URL('../../../runtime/api/ui/index.html', import.meta.url)];

export class UiPageMissingError extends RuntimeError {
  constructor(tried: string[], options?: { cause?: unknown }) {
    super('API_UI_MISSING', `the status page was not found (looked at ${tried.join(', ')}); install the runtime with its runtime/api/ui/ folder`, options);
  }
}

export async function readUiPage(): Promise<Buffer> {
  for (const url of CANDIDATES) {
    try {
      return await readFile(url);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UiPageMissingError([url.pathname], { cause: error });
    }
  }
  throw new UiPageMissingError(CANDIDATES.map((u) => u.pathname));
}
