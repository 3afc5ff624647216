// Persists each source's state blob so that a restart resumes where the last
// acknowledged batch ended. A write is atomic: temp file, fsync, rename, fsync dir.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.js';

export class StateStoreError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATE_STORE', message, options);
  }
}

const SAFE_KEY = /^[A-Za-z0-9_.-]+$/;

export class StateStore {
  readonly #dir: string;

  constructor(root: string) {
    this.#dir = join(root, 'sources');
  }

  #file(key: string): string {
    if (!SAFE_KEY.test(key)) throw new StateStoreError(`connector key "${key}" cannot name a state file: use letters, digits, "_", "-" or "."`);
    return join(this.#dir, `${key}.state`);
  }

  /** The last saved blob, or undefined when the source never saved one. */
  async load(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateStoreError(`cannot read the state of source "${key}" from ${this.#file(key)}: ${(error as Error).message}`, { cause: error });
    }
  }

  async save(key: string, state: Uint8Array): Promise<void> {
    const file = this.#file(key);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(this.#dir, { recursive: true });
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(state);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
      const dir = await open(this.#dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      await rm(temp, { force: true });
      throw new StateStoreError(`cannot save the state of source "${key}" to ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
}
